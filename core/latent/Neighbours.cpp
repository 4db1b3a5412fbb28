#include "latent/Neighbours.h"

#include "common/Error.h"
#include "latent/SmallestK.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>

namespace lx {

// |x_j|² − 2 q·x_j by GEMM, a tile of 32 rows × 4,096 columns at a time (512 KB, in the core's
// own cache; the row's own |q|² does not change its order); each row's k smallest picked by
// SmallestK as its tiles come. Rows in parallel, each thread with its own tile: distances a
// block of 256 rows × every column at a time (70 MB for 70,000 points) were written to
// memory and read back, and that traffic was most of a t-SNE's neighbour search.
void nearestNeighbours(const float* points, int64_t count, int dim, int k, std::vector<int64_t>& index,
                       std::vector<float>& distance2, const std::atomic<bool>* cancel,
                       const std::function<void(double)>& progress)
{
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::from_blob(const_cast<float*>(points), {count, dim}, torch::kFloat32);
    const torch::Tensor norms = x.pow(2).sum(1);
    index.resize(size_t(count * k));
    distance2.resize(size_t(count * k));
    constexpr int64_t kTileRows = 32, kTileColumns = 4096;
    const int64_t block = 1024; // rows between progress reports and cancel checks
    for (int64_t start = 0; start < count; start += block) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            throw Cancelled();
        if (progress)
            progress(double(start) / double(count));
        at::parallel_for(start, std::min(count, start + block), kTileRows, [&](int64_t begin, int64_t stop) {
            std::vector<float> tile(size_t(kTileRows * kTileColumns));
            std::vector<SmallestK<float>> best(size_t(kTileRows), SmallestK<float>{size_t(k)});
            for (int64_t r0 = begin; r0 < stop; r0 += kTileRows) {
                const int64_t rows = std::min(kTileRows, stop - r0);
                for (int64_t r = 0; r < rows; ++r)
                    best[size_t(r)].clear();
                for (int64_t c0 = 0; c0 < count; c0 += kTileColumns) {
                    const int64_t columns = std::min(kTileColumns, count - c0);
                    torch::Tensor d = torch::from_blob(tile.data(), {rows, columns}, torch::kFloat32);
                    torch::addmm_out(d, norms.slice(0, c0, c0 + columns).unsqueeze(0), x.slice(0, r0, r0 + rows),
                                     x.slice(0, c0, c0 + columns).t(), 1, -2);
                    for (int64_t r = 0; r < rows; ++r) {
                        const float* row = tile.data() + r * columns;
                        const int64_t self = r0 + r - c0;
                        SmallestK<float>& b = best[size_t(r)];
                        // Sixteen at a time: a block none of whose distances beats the bound (most,
                        // once the row's first blocks have filled the heap) costs one vector compare.
                        for (int64_t j0 = 0; j0 < columns; j0 += 16) {
                            const int64_t j1 = std::min(columns, j0 + 16);
                            const float bound = b.bound();
                            bool any = false;
                            for (int64_t j = j0; j < j1; ++j)
                                any |= row[j] < bound;
                            if (!any)
                                continue;
                            for (int64_t j = j0; j < j1; ++j)
                                if (j != self)
                                    b.offer(row[j], c0 + j);
                        }
                    }
                }
                for (int64_t r = 0; r < rows; ++r) {
                    const int64_t i = r0 + r;
                    // The k found, their distances now exact (Σ (q − x)², not the GEMM's
                    // |x|² − 2q·x, which loses digits and depends on how BLAS split the work),
                    // nearest first.
                    auto& nearest = best[size_t(r)].sorted();
                    const float* q = points + i * dim;
                    for (auto& [d, j] : nearest) {
                        const float* p = points + j * dim;
                        double sum = 0;
                        for (int c = 0; c < dim; ++c)
                            sum += double(q[c] - p[c]) * double(q[c] - p[c]);
                        d = float(sum);
                    }
                    std::sort(nearest.begin(), nearest.end());
                    for (int j = 0; j < k; ++j) {
                        distance2[size_t(i * k + j)] = nearest[size_t(j)].first;
                        index[size_t(i * k + j)] = nearest[size_t(j)].second;
                    }
                }
            }
        });
    }
}

} // namespace lx
