#include "latent/Tsne.h"

#include "common/CpuIsa.h"
#include "common/Error.h"
#include "latent/LatentProjection.h"
#include "latent/Neighbours.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace lx {
namespace {

void checkCancel(const std::atomic<bool>* cancel)
{
    if (cancel && cancel->load(std::memory_order_relaxed))
        throw Cancelled();
}

// An order of the points in which each one's neighbours in the affinity graph (compressed
// rows) mostly lie near it: breadth first through the graph, each component in turn. The
// attraction reads every neighbour's position at each iteration; in the input's order those
// reads land anywhere in the map's 1.1 MB (70,000 points), in this one mostly in lines just read.
std::vector<int32_t> localOrder(const std::vector<int64_t>& rowStart, const std::vector<int32_t>& col)
{
    const int64_t count = int64_t(rowStart.size()) - 1;
    std::vector<int32_t> order;
    order.reserve(size_t(count));
    std::vector<char> seen(size_t(count), 0);
    for (int64_t start = 0; start < count; ++start) {
        if (seen[size_t(start)])
            continue;
        seen[size_t(start)] = 1;
        order.push_back(int32_t(start));
        for (size_t at = order.size() - 1; at < order.size(); ++at) {
            const int32_t i = order[at];
            for (int64_t e = rowStart[size_t(i)]; e < rowStart[size_t(i + 1)]; ++e)
                if (!seen[size_t(col[size_t(e)])]) {
                    seen[size_t(col[size_t(e)])] = 1;
                    order.push_back(col[size_t(e)]);
                }
        }
    }
    return order;
}

// The rows renumbered: row r of the result is row order[r], its columns renumbered likewise
// and sorted.
void renumber(const std::vector<int32_t>& order, std::vector<int64_t>& rowStart, std::vector<int32_t>& col,
              std::vector<float>& val)
{
    const size_t count = order.size();
    std::vector<int32_t> position(count);
    for (size_t r = 0; r < count; ++r)
        position[size_t(order[r])] = int32_t(r);
    std::vector<int64_t> start(count + 1, 0);
    for (size_t r = 0; r < count; ++r)
        start[r + 1] = start[r] + rowStart[size_t(order[r]) + 1] - rowStart[size_t(order[r])];
    std::vector<int32_t> newCol(col.size());
    std::vector<float> newVal(val.size());
    at::parallel_for(0, int64_t(count), 1024, [&](int64_t begin, int64_t end) {
        std::vector<std::pair<int32_t, float>> row;
        for (int64_t r = begin; r < end; ++r) {
            const int32_t i = order[size_t(r)];
            row.clear();
            for (int64_t e = rowStart[size_t(i)]; e < rowStart[size_t(i) + 1]; ++e)
                row.emplace_back(position[size_t(col[size_t(e)])], val[size_t(e)]);
            std::sort(row.begin(), row.end());
            for (size_t a = 0; a < row.size(); ++a) {
                newCol[size_t(start[size_t(r)]) + a] = row[a].first;
                newVal[size_t(start[size_t(r)]) + a] = row[a].second;
            }
        }
    });
    rowStart = std::move(start);
    col = std::move(newCol);
    val = std::move(newVal);
}

// Adds the attraction of row i's edges [from, to) to (ax, ay), one edge at a time.
inline void attractEdges(const double* y, int64_t i, const int32_t* col, const float* val, int64_t from, int64_t to,
                         double& ax, double& ay)
{
    for (int64_t e = from; e < to; ++e) {
        const int64_t j = col[e];
        const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
        const double w = val[e] / (1.0 + dx * dx + dy * dy);
        ax += w * dx;
        ay += w * dy;
    }
}

// The attraction Σ_j p_ij q_ij Z (y_i − y_j) of rows [begin, end), times `exaggeration`.
LX_KERNEL_BODY void attractRowsBody(const double* y, const int64_t* rowStart, const int32_t* col, const float* val,
                                    double exaggeration, double* attract, int64_t begin, int64_t end)
{
    for (int64_t i = begin; i < end; ++i) {
        double ax = 0, ay = 0;
        attractEdges(y, i, col, val, rowStart[i], rowStart[i + 1], ax, ay);
        attract[2 * i] = exaggeration * ax;
        attract[2 * i + 1] = exaggeration * ay;
    }
}

void attractRowsBaseline(const double* y, const int64_t* rowStart, const int32_t* col, const float* val,
                         double exaggeration, double* attract, int64_t begin, int64_t end)
{
    attractRowsBody(y, rowStart, col, val, exaggeration, attract, begin, end);
}

// Four edges at a time: the scalar loop waited on its divisions (one per edge); these divide
// four at once. Same sums in another order.
LX_TARGET_AVX2 void attractRowsAvx2(const double* y, const int64_t* rowStart, const int32_t* col, const float* val,
                                    double exaggeration, double* attract, int64_t begin, int64_t end)
{
    const __m256d one = _mm256_set1_pd(1.0);
    for (int64_t i = begin; i < end; ++i) {
        const __m256d yx = _mm256_set1_pd(y[2 * i]), yy = _mm256_set1_pd(y[2 * i + 1]);
        __m256d ax = _mm256_setzero_pd(), ay = _mm256_setzero_pd();
        int64_t e = rowStart[i];
        const int64_t last = rowStart[i + 1];
        for (; e + 4 <= last; e += 4) {
            const __m128i at = _mm_slli_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(col + e)), 1); // 2j
            const __m256d dx = _mm256_sub_pd(yx, _mm256_i32gather_pd(y, at, 8));
            const __m256d dy = _mm256_sub_pd(yy, _mm256_i32gather_pd(y + 1, at, 8));
            const __m256d d2 = _mm256_fmadd_pd(dy, dy, _mm256_fmadd_pd(dx, dx, one));
            const __m256d w = _mm256_div_pd(_mm256_cvtps_pd(_mm_loadu_ps(val + e)), d2);
            ax = _mm256_fmadd_pd(w, dx, ax);
            ay = _mm256_fmadd_pd(w, dy, ay);
        }
        alignas(32) double sx[4], sy[4];
        _mm256_store_pd(sx, ax);
        _mm256_store_pd(sy, ay);
        double tx = (sx[0] + sx[1]) + (sx[2] + sx[3]), ty = (sy[0] + sy[1]) + (sy[2] + sy[3]);
        attractEdges(y, i, col, val, e, last, tx, ty); // the last few
        attract[2 * i] = exaggeration * tx;
        attract[2 * i + 1] = exaggeration * ty;
    }
}

} // namespace

std::vector<float> tsne(const float* points, int64_t count, int dim, const TsneOptions& o,
                        const std::function<void(double)>& progress, const std::atomic<bool>* cancel)
{
    if (count < 4)
        throw Error("t-SNE needs at least 4 points");
    if (!(o.perplexity >= 1) || o.iterations < 1 || !(o.theta >= 0))
        throw Error("t-SNE: perplexity must be at least 1, iterations at least 1, theta not negative");
    if (count > std::numeric_limits<int32_t>::max())
        throw Error("t-SNE: too many points");
    if (!std::all_of(points, points + count * dim, [](float v) { return std::isfinite(v); }))
        throw Error("t-SNE: some codes are NaN or infinite (did training diverge?)");
    const int k = int(std::min<int64_t>(count - 1, int64_t(std::ceil(3 * o.perplexity))));
    std::vector<int64_t> nn;
    std::vector<float> d2;
    // The search is ~15 % of the time for 70,000 points: 0 to 4 % of the progress.
    nearestNeighbours(points, count, dim, k, nn, d2, cancel, [&](double f) {
        if (progress)
            progress(0.04 * f);
    });
    if (progress)
        progress(0.04);

    // Conditional affinities: per point a Gaussian whose entropy matches log(perplexity).
    std::vector<double> p(size_t(count * k));
    const double target = std::log(std::min<double>(o.perplexity, k));
    at::parallel_for(0, count, 256, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const float* di = d2.data() + i * k;
            double beta = 1, lo = 0, hi = std::numeric_limits<double>::infinity();
            double* pi = p.data() + i * k;
            for (int step = 0; step < 200; ++step) {
                double sum = 0, weighted = 0;
                for (int j = 0; j < k; ++j) {
                    pi[j] = std::exp(-beta * (di[j] - di[0])); // shifted for range; cancels below
                    sum += pi[j];
                    weighted += pi[j] * (di[j] - di[0]);
                }
                const double entropy = std::log(sum) + beta * weighted / sum;
                for (int j = 0; j < k; ++j)
                    pi[j] /= sum;
                if (std::abs(entropy - target) < 1e-5)
                    break;
                if (entropy > target) {
                    lo = beta;
                    beta = std::isinf(hi) ? beta * 2 : (beta + hi) / 2;
                } else {
                    hi = beta;
                    beta = (beta + lo) / 2;
                }
            }
        }
    });
    // Symmetric joint affinities p_ij = (p_j|i + p_i|j) / 2N, as compressed sparse rows: each
    // row gets its own k entries and those of the rows that chose it, then duplicates merge.
    // Column indices as int32 and values as float keep 70,000 points' rows near 100 MB.
    std::vector<int64_t> rowStart(static_cast<size_t>(count + 1), 0);
    std::vector<int32_t> col;
    std::vector<float> val;
    {
        std::vector<int64_t> fill(static_cast<size_t>(count + 1), 0);
        for (int64_t i = 0; i < count; ++i) {
            fill[size_t(i + 1)] += k;
            for (int j = 0; j < k; ++j)
                ++fill[size_t(nn[size_t(i * k + j)] + 1)];
        }
        for (int64_t i = 0; i < count; ++i)
            fill[size_t(i + 1)] += fill[size_t(i)];
        std::vector<std::pair<int32_t, float>> entries(size_t(fill[size_t(count)]));
        std::vector<int64_t> next(fill.begin(), fill.end() - 1);
        for (int64_t i = 0; i < count; ++i)
            for (int j = 0; j < k; ++j) {
                const int64_t t = nn[size_t(i * k + j)];
                const float v = float(p[size_t(i * k + j)] / (2.0 * double(count)));
                entries[size_t(next[size_t(i)]++)] = {int32_t(t), v};
                entries[size_t(next[size_t(t)]++)] = {int32_t(i), v};
            }
        std::vector<int64_t>().swap(nn);
        std::vector<float>().swap(d2);
        std::vector<double>().swap(p);
        at::parallel_for(0, count, 1024, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i)
                std::sort(entries.begin() + fill[size_t(i)], entries.begin() + fill[size_t(i + 1)]);
        });
        col.reserve(entries.size());
        val.reserve(entries.size());
        for (int64_t i = 0; i < count; ++i) {
            for (int64_t a = fill[size_t(i)]; a < fill[size_t(i + 1)];) {
                int64_t b = a;
                float v = 0;
                while (b < fill[size_t(i + 1)] && entries[size_t(b)].first == entries[size_t(a)].first)
                    v += entries[size_t(b++)].second;
                col.push_back(entries[size_t(a)].first);
                val.push_back(v);
                a = b;
            }
            rowStart[size_t(i + 1)] = int64_t(col.size());
        }
        col.shrink_to_fit();
        val.shrink_to_fit();
    }

    const std::vector<int32_t> order = localOrder(rowStart, col);
    renumber(order, rowStart, col, val);

    if (progress)
        progress(0.05);

    // Start from the principal components, scaled to a standard deviation of 1e-4.
    std::vector<double> y(static_cast<size_t>(2 * count));
    {
        const LatentProjection pca = LatentProjection::pca(points, count, dim);
        double s2 = 0;
        for (int64_t i = 0; i < count; ++i) {
            float a = 0, b = 0;
            if (dim >= 2)
                pca.project(points + i * dim, a, b);
            else
                a = points[i * dim];
            y[size_t(2 * i)] = a;
            y[size_t(2 * i + 1)] = b;
            s2 += double(a) * a;
        }
        const double scale = 1e-4 / std::max(std::sqrt(s2 / double(count)), 1e-12);
        std::mt19937_64 rng(o.seed);
        std::normal_distribution<double> jitter(0.0, 1e-6);
        for (double& v : y)
            v = v * scale + jitter(rng);
        std::vector<double> inOrder(y.size());
        for (size_t r = 0; r < order.size(); ++r) {
            inOrder[2 * r] = y[2 * size_t(order[r])];
            inOrder[2 * r + 1] = y[2 * size_t(order[r]) + 1];
        }
        y.swap(inOrder);
    }

    // 2j must fit the AVX2 kernel's 32-bit gather offsets.
    static const auto attractRowsFast = pickKernel(&attractRowsAvx2, &attractRowsAvx2, &attractRowsBaseline);
    const auto attractRows = count < (int64_t(1) << 30) ? attractRowsFast : &attractRowsBaseline;
    const double rate = o.learningRate > 0 ? o.learningRate : std::max(double(count) / o.exaggeration, 50.0);
    std::vector<double> velocity(y.size(), 0.0), gains(y.size(), 1.0), attract(y.size()), repel(y.size());
    std::vector<double> sumQ(static_cast<size_t>(count));
    for (int it = 0; it < o.iterations; ++it) {
        checkCancel(cancel);
        const double exaggeration = it < o.exaggerationIterations ? o.exaggeration : 1.0;
        const double momentum = it < o.exaggerationIterations ? 0.5 : 0.8;
        if (o.repulsion == TsneRepulsion::Interpolation)
            repulsionInterpolated(y, sumQ, repel, o.boxesPerUnit);
        else
            repulsionBarnesHut(y, o.theta, sumQ, repel);
        at::parallel_for(0, count, 512, [&](int64_t begin, int64_t end) {
            attractRows(y.data(), rowStart.data(), col.data(), val.data(), exaggeration, attract.data(), begin, end);
        });
        double z = 0; // the repulsion is divided by Z once all of it is known
        for (double s : sumQ)
            z += s;
        z = std::max(z, 1e-12);
        // Finish the gradient 4·(attraction − repulsion/Z); gains and momentum as in bhtsne.
        for (size_t c = 0; c < y.size(); ++c) {
            const double g = 4.0 * (attract[c] - repel[c] / z);
            gains[c] = (g > 0) != (velocity[c] > 0) ? gains[c] + 0.2 : std::max(gains[c] * 0.8, 0.01);
            velocity[c] = momentum * velocity[c] - rate * gains[c] * g;
            y[c] += velocity[c];
        }
        if (progress && (it % 10 == 0 || it + 1 == o.iterations))
            progress(0.05 + 0.95 * double(it + 1) / double(o.iterations));
    }
    // Centre it.
    double mx = 0, my = 0;
    for (int64_t i = 0; i < count; ++i) {
        mx += y[size_t(2 * i)];
        my += y[size_t(2 * i + 1)];
    }
    mx /= double(count);
    my /= double(count);
    std::vector<float> out(y.size()); // back in the input's order
    for (size_t r = 0; r < order.size(); ++r) {
        out[2 * size_t(order[r])] = float(y[2 * r] - mx);
        out[2 * size_t(order[r]) + 1] = float(y[2 * r + 1] - my);
    }
    return out;
}

double neighbourhoodPreservation(const float* high, int dim, const float* low, int64_t count, int k)
{
    std::vector<int64_t> a, b;
    std::vector<float> da, db;
    nearestNeighbours(high, count, dim, k, a, da, nullptr);
    nearestNeighbours(low, count, 2, k, b, db, nullptr);
    double kept = 0;
    for (int64_t i = 0; i < count; ++i) {
        std::vector<int64_t> x(a.begin() + i * k, a.begin() + (i + 1) * k), y(b.begin() + i * k, b.begin() + (i + 1) * k);
        std::sort(x.begin(), x.end());
        std::sort(y.begin(), y.end());
        std::vector<int64_t> both;
        std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(both));
        kept += double(both.size()) / k;
    }
    return kept / double(count);
}

} // namespace lx
