#include "latent/Neighbours.h"

#include "common/Error.h"
#include "latent/SmallestK.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>

namespace lx {

// |x_j|² − 2 q·x_j by one GEMM into a buffer that is reused (the row's own |q|² does not
// change its order and is added at the end); each row's k smallest picked by SmallestK.
void nearestNeighbours(const float* points, int64_t count, int dim, int k, std::vector<int64_t>& index,
                       std::vector<float>& distance2, const std::atomic<bool>* cancel,
                       const std::function<void(double)>& progress)
{
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::from_blob(const_cast<float*>(points), {count, dim}, torch::kFloat32);
    const torch::Tensor norms = x.pow(2).sum(1);
    index.resize(size_t(count * k));
    distance2.resize(size_t(count * k));
    const int64_t block = std::min<int64_t>(count, 256);
    torch::Tensor d = torch::empty({block, count});
    for (int64_t start = 0; start < count; start += block) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            throw Cancelled();
        if (progress && (start / block) % 16 == 0)
            progress(double(start) / double(count));
        const int64_t end = std::min(count, start + block);
        torch::Tensor rows = d.slice(0, 0, end - start);
        torch::addmm_out(rows, norms.unsqueeze(0), x.slice(0, start, end), x.t(), 1, -2);
        const float* dp = rows.data_ptr<float>();
        at::parallel_for(start, end, 8, [&](int64_t begin, int64_t stop) {
            SmallestK<float> best(static_cast<size_t>(k));
            for (int64_t i = begin; i < stop; ++i) {
                const float* row = dp + (i - start) * count;
                best.clear();
                // Sixteen at a time: a block none of whose distances beats the bound (most,
                // once the row's first blocks have filled the heap) costs one vector compare.
                for (int64_t j0 = 0; j0 < count; j0 += 16) {
                    const int64_t j1 = std::min(count, j0 + 16);
                    const float bound = best.bound();
                    bool any = false;
                    for (int64_t j = j0; j < j1; ++j)
                        any |= row[j] < bound;
                    if (!any)
                        continue;
                    for (int64_t j = j0; j < j1; ++j)
                        if (j != i)
                            best.offer(row[j], j);
                }
                // The k found, their distances now exact (Σ (q − x)², not the GEMM's
                // |x|² − 2q·x, which loses digits and depends on how BLAS split the work
                // between threads), nearest first.
                auto& nearest = best.sorted();
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
        });
    }
}


} // namespace lx
