#include "latent/Umap.h"

#include "common/Error.h"
#include "latent/Neighbours.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace lx {
namespace {

void checkCancel(const std::atomic<bool>* cancel)
{
    if (cancel && cancel->load(std::memory_order_relaxed))
        throw Cancelled();
}

// A small, fast generator for the negative samples (splitmix64), seeded per point and epoch
// so that the threads' share of the work does not change what is drawn.
struct SplitMix {
    uint64_t state;
    uint64_t next()
    {
        uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
};

// Points wider than this are reduced to kReducedDim principal components before the search.
constexpr int kReduceAbove = 64;
constexpr int kReducedDim = 50;
// Negative samples drawn and pushed from one position at a time.
constexpr int kNegativeBlock = 8;

// The `keep` principal components of `count` rows of `dim` values, each row read by
// `rows(start, n)` (an n×dim float tensor) a chunk at a time: the mean and the covariance
// summed in double over chunks, then each chunk projected. Never a copy of all rows (60,000
// images as floats are 188 MB, and their centred copy as many again).
template <typename Rows>
std::vector<float> principalComponentsByChunks(const Rows& rows, int64_t count, int dim, int keep)
{
    torch::NoGradGuard noGrad;
    constexpr int64_t kChunk = 4096;
    torch::Tensor sum = torch::zeros({dim}, torch::kFloat64);
    for (int64_t s = 0; s < count; s += kChunk)
        sum += rows(s, std::min(kChunk, count - s)).sum(0).to(torch::kFloat64);
    const torch::Tensor mean = (sum / double(count)).to(torch::kFloat32);
    torch::Tensor cov = torch::zeros({dim, dim}, torch::kFloat64);
    for (int64_t s = 0; s < count; s += kChunk) {
        const torch::Tensor c = rows(s, std::min(kChunk, count - s)) - mean;
        cov += torch::mm(c.t(), c).to(torch::kFloat64);
    }
    cov /= double(count);
    const auto [values, vectors] = torch::linalg::eigh(cov, "L"); // ascending
    const torch::Tensor top = vectors.slice(1, dim - keep, dim).to(torch::kFloat32);
    std::vector<float> out(size_t(count * keep));
    for (int64_t s = 0; s < count; s += kChunk) {
        const int64_t n = std::min(kChunk, count - s);
        torch::from_blob(out.data() + s * keep, {n, keep}, torch::kFloat32).copy_(torch::mm(rows(s, n) - mean, top));
    }
    return out;
}

std::vector<float> principalComponents(const float* points, int64_t count, int dim, int keep)
{
    return principalComponentsByChunks(
        [&](int64_t start, int64_t n) {
            return torch::from_blob(const_cast<float*>(points + start * dim), {n, dim}, torch::kFloat32);
        },
        count, dim, keep);
}

// x^b for x > 0 as 2^(b·log2 x), each by a short series (relative error ~1e-6): the layout's
// inner loop calls it once per sample, and libm's powf was a quarter of the time.
inline float fastPow(float x, float b)
{
    int32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    const float exponent = float(((bits >> 23) & 0xff) - 127);
    bits = (bits & 0x007fffff) | 0x3f800000;
    float m;
    std::memcpy(&m, &bits, sizeof m); // x = m·2^exponent, m in [1, 2)
    const float t = (m - 1.0f) / (m + 1.0f), t2 = t * t; // ln m = 2·atanh t, t in [0, 1/3)
    const float lnM = 2.0f * t * (1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7 + t2 * (1.0f / 9)))));
    const float y = std::clamp(b * (exponent + lnM * 1.44269504f), -126.0f, 126.0f);
    const float whole = std::floor(y), f = (y - whole) * 0.69314718f; // 2^y = 2^whole · e^f
    const float ef = 1.0f + f * (1.0f + f * (0.5f + f * (1.0f / 6 + f * (1.0f / 24 + f * (1.0f / 120 + f * (1.0f / 720 + f * (1.0f / 5040)))))));
    const int32_t scaleBits = (int32_t(whole) + 127) << 23;
    float scale;
    std::memcpy(&scale, &scaleBits, sizeof scale);
    return ef * scale;
}

// The points on their two principal axes (count×2): mean and covariance summed in order, in
// double, so that the start (and the map) do not depend on how many threads there are.
std::vector<float> principalStart(const float* points, int64_t count, int dim)
{
    std::vector<float> out(size_t(2 * count), 0.0f);
    if (dim == 1) {
        for (int64_t i = 0; i < count; ++i)
            out[size_t(2 * i)] = points[i];
        return out;
    }
    std::vector<double> mean(size_t(dim), 0.0), cov(size_t(dim * dim), 0.0);
    for (int64_t i = 0; i < count; ++i)
        for (int a = 0; a < dim; ++a)
            mean[size_t(a)] += points[i * dim + a];
    for (double& m : mean)
        m /= double(count);
    std::vector<double> c(static_cast<size_t>(dim));
    for (int64_t i = 0; i < count; ++i) {
        for (int a = 0; a < dim; ++a)
            c[size_t(a)] = points[i * dim + a] - mean[size_t(a)];
        for (int a = 0; a < dim; ++a)
            for (int b = 0; b <= a; ++b)
                cov[size_t(a * dim + b)] += c[size_t(a)] * c[size_t(b)];
    }
    for (int a = 0; a < dim; ++a)
        for (int b = 0; b < a; ++b)
            cov[size_t(b * dim + a)] = cov[size_t(a * dim + b)];
    torch::NoGradGuard noGrad;
    const torch::Tensor v = std::get<1>(torch::linalg::eigh(torch::from_blob(cov.data(), {dim, dim}, torch::kFloat64), "L"));
    for (int k = 0; k < 2; ++k) {
        const torch::Tensor axis = v.select(1, dim - 1 - k).contiguous();
        const double* ax = axis.data_ptr<double>();
        for (int64_t i = 0; i < count; ++i) {
            double s = 0;
            for (int a = 0; a < dim; ++a)
                s += (points[i * dim + a] - mean[size_t(a)]) * ax[a];
            out[size_t(2 * i + k)] = float(s);
        }
    }
    return out;
}

// Points wider than kReduceAbove: their kReducedDim principal components, kept in `storage`,
// and `points` and `dim` pointed at them.
void reduceWide(const float*& points, int64_t count, int& dim, std::vector<float>& storage)
{
    if (dim <= kReduceAbove)
        return;
    storage = principalComponents(points, count, dim, kReducedDim);
    points = storage.data();
    dim = kReducedDim;
}

float clip4(float v)
{
    return std::clamp(v, -4.0f, 4.0f);
}

} // namespace

void checkUmapOptions(const UmapOptions& o)
{
    if (o.neighbours < 2)
        throw Error("UMAP: the number of neighbours must be at least 2 (got " + std::to_string(o.neighbours) + ")");
    if (!(o.minDist > 0 && o.minDist <= 1))
        throw Error("UMAP: min_dist must be in (0, 1] (got " + std::to_string(o.minDist) + ")");
    if (!(o.spread > 0) || !std::isfinite(o.spread) || o.minDist > o.spread)
        throw Error("UMAP: spread must be a positive number no smaller than min_dist");
    if (o.epochs < 0 || o.epochs > 100000)
        throw Error("UMAP: the number of epochs must be from 1 to 100,000 (or 0 for the default)");
    if (o.negativeSamples < 0 || o.negativeSamples > 100)
        throw Error("UMAP: negative samples must be from 0 to 100");
    if (!(o.learningRate > 0) || !std::isfinite(o.learningRate))
        throw Error("UMAP: the learning rate must be a positive number");
}

std::vector<float> fuzzyMemberships(const std::vector<float>& distance, int64_t count, int k)
{
    if (k < 1 || int64_t(distance.size()) != count * k)
        throw Error("UMAP: memberships need count×k distances");
    double meanAll = 0;
    for (float d : distance)
        meanAll += d;
    meanAll /= std::max<double>(1.0, double(distance.size()));
    const double target = std::log2(double(k));
    std::vector<float> weight(distance.size());
    at::parallel_for(0, count, 256, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const float* d = distance.data() + i * k;
            double rho = 0; // the nearest neighbour at a positive distance (local connectivity 1)
            for (int j = 0; j < k; ++j)
                if (d[j] > 0) {
                    rho = d[j];
                    break;
                }
            double lo = 0, hi = std::numeric_limits<double>::infinity(), sigma = 1;
            for (int step = 0; step < 64; ++step) {
                double sum = 0;
                for (int j = 0; j < k; ++j) {
                    const double over = d[j] - rho;
                    sum += over > 0 ? std::exp(-over / sigma) : 1.0;
                }
                if (std::abs(sum - target) < 1e-5)
                    break;
                if (sum > target) {
                    hi = sigma;
                    sigma = (lo + hi) / 2;
                } else {
                    lo = sigma;
                    sigma = std::isinf(hi) ? sigma * 2 : (lo + hi) / 2;
                }
            }
            double rowMean = 0;
            for (int j = 0; j < k; ++j)
                rowMean += d[j];
            rowMean /= k;
            sigma = std::max(sigma, 1e-3 * (rho > 0 ? rowMean : meanAll));
            for (int j = 0; j < k; ++j) {
                const double over = d[j] - rho;
                weight[size_t(i * k + j)] = float(over > 0 ? std::exp(-over / sigma) : 1.0);
            }
        }
    });
    return weight;
}

FuzzyGraph fuzzyUnion(const std::vector<int64_t>& index, const std::vector<float>& membership, int64_t count, int k)
{
    if (int64_t(index.size()) != count * k || membership.size() != index.size())
        throw Error("UMAP: the graph needs count×k neighbours and memberships");
    if (count > std::numeric_limits<int32_t>::max())
        throw Error("UMAP: too many points");
    // Each directed edge i→t goes into row i as "forward" and into row t as "backward"; a
    // row's entries sorted by column then hold each pair's two memberships side by side.
    struct Entry {
        int32_t column;
        bool backward;
        float weight;
        bool operator<(const Entry& o) const { return column != o.column ? column < o.column : backward < o.backward; }
    };
    std::vector<int64_t> fill(size_t(count + 1), 0);
    for (int64_t i = 0; i < count; ++i) {
        fill[size_t(i + 1)] += k;
        for (int j = 0; j < k; ++j) {
            const int64_t t = index[size_t(i * k + j)];
            if (t < 0 || t >= count)
                throw Error("UMAP: a neighbour index is out of range");
            ++fill[size_t(t + 1)];
        }
    }
    for (int64_t i = 0; i < count; ++i)
        fill[size_t(i + 1)] += fill[size_t(i)];
    std::vector<Entry> entries(size_t(fill[size_t(count)]));
    std::vector<int64_t> next(fill.begin(), fill.end() - 1);
    for (int64_t i = 0; i < count; ++i)
        for (int j = 0; j < k; ++j) {
            const int64_t t = index[size_t(i * k + j)];
            const float w = membership[size_t(i * k + j)];
            entries[size_t(next[size_t(i)]++)] = {int32_t(t), false, w};
            entries[size_t(next[size_t(t)]++)] = {int32_t(i), true, w};
        }
    at::parallel_for(0, count, 1024, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
            std::sort(entries.begin() + fill[size_t(i)], entries.begin() + fill[size_t(i + 1)]);
    });
    FuzzyGraph g;
    g.count = count;
    g.rowStart.assign(size_t(count + 1), 0);
    g.column.reserve(entries.size());
    g.weight.reserve(entries.size());
    for (int64_t i = 0; i < count; ++i) {
        for (int64_t a = fill[size_t(i)]; a < fill[size_t(i + 1)];) {
            const int32_t c = entries[size_t(a)].column;
            double forward = 0, backward = 0;
            int64_t b = a;
            for (; b < fill[size_t(i + 1)] && entries[size_t(b)].column == c; ++b)
                (entries[size_t(b)].backward ? backward : forward) = entries[size_t(b)].weight;
            const double w = forward + backward - forward * backward;
            if (w > 0 && c != i) {
                g.column.push_back(c);
                g.weight.push_back(float(std::min(1.0, w)));
            }
            a = b;
        }
        g.rowStart[size_t(i + 1)] = int64_t(g.column.size());
    }
    g.column.shrink_to_fit();
    g.weight.shrink_to_fit();
    return g;
}

FuzzyGraph fuzzyGraph(const float* points, int64_t count, int dim, int k, const std::atomic<bool>* cancel,
                      const std::function<void(double)>& progress)
{
    if (k < 2)
        throw Error("UMAP: the number of neighbours must be at least 2");
    if (count <= k)
        throw Error("UMAP needs more points than neighbours (" + std::to_string(count) + " points, "
                    + std::to_string(k) + " neighbours)");
    if (!std::all_of(points, points + count * dim, [](float v) { return std::isfinite(v); }))
        throw Error("UMAP: some points are NaN or infinite (did training diverge?)");
    std::vector<float> reduced;
    reduceWide(points, count, dim, reduced);
    std::vector<int64_t> index;
    std::vector<float> d2;
    nearestNeighbours(points, count, dim, k, index, d2, cancel, [&](double f) {
        if (progress)
            progress(0.9 * f);
    });
    for (float& d : d2)
        d = std::sqrt(d);
    const std::vector<float> membership = fuzzyMemberships(d2, count, k);
    checkCancel(cancel);
    FuzzyGraph g = fuzzyUnion(index, membership, count, k);
    if (progress)
        progress(1.0);
    return g;
}

void fitUmapCurve(double minDist, double spread, double& a, double& b)
{
    // Levenberg-Marquardt on 300 points of [0, 3·spread], from a = b = 1 (as scipy's curve_fit).
    constexpr int n = 300;
    std::vector<double> x(n), t(n);
    for (int i = 0; i < n; ++i) {
        x[size_t(i)] = 3.0 * spread * i / (n - 1);
        t[size_t(i)] = x[size_t(i)] < minDist ? 1.0 : std::exp(-(x[size_t(i)] - minDist) / spread);
    }
    auto cost = [&](double pa, double pb) {
        double s = 0;
        for (int i = 0; i < n; ++i) {
            const double r = 1.0 / (1.0 + pa * std::pow(x[size_t(i)], 2 * pb)) - t[size_t(i)];
            s += r * r;
        }
        return s;
    };
    a = 1;
    b = 1;
    double lambda = 1e-3, current = cost(a, b);
    for (int it = 0; it < 500; ++it) {
        double jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
        for (int i = 0; i < n; ++i) {
            const double xi = x[size_t(i)];
            if (xi <= 0)
                continue;
            const double p = std::pow(xi, 2 * b), f = 1.0 / (1.0 + a * p);
            const double r = f - t[size_t(i)];
            const double da = -p * f * f, db = -a * p * 2.0 * std::log(xi) * f * f;
            jaa += da * da;
            jab += da * db;
            jbb += db * db;
            ga += da * r;
            gb += db * r;
        }
        const double A = jaa * (1 + lambda), B = jab, D = jbb * (1 + lambda);
        const double det = A * D - B * B;
        if (!(std::abs(det) > 1e-300))
            break;
        const double stepA = -(D * ga - B * gb) / det, stepB = -(A * gb - B * ga) / det;
        const double na = a + stepA, nb = b + stepB;
        const double trial = na > 0 && nb > 0 ? cost(na, nb) : std::numeric_limits<double>::infinity();
        if (trial < current) {
            const bool done = current - trial < 1e-15 * std::max(1.0, current);
            a = na;
            b = nb;
            current = trial;
            lambda = std::max(lambda / 10, 1e-12);
            if (done)
                break;
        } else {
            lambda *= 10;
            if (lambda > 1e12)
                break;
        }
    }
}

double umapEdgeLoss(double d2, double a, double b, bool attract)
{
    const double q = 1.0 / (1.0 + a * std::pow(d2, b));
    return attract ? -std::log(q) : -std::log(std::max(1.0 - q, 1e-300));
}

double umapEdgeGradient(double d2, double a, double b, bool attract)
{
    if (!(d2 > 0))
        return 0;
    const double pb = std::pow(d2, b);
    if (attract)
        return 2.0 * a * b * (pb / d2) / (1.0 + a * pb);
    return -2.0 * b / ((0.001 + d2) * (1.0 + a * pb));
}

std::vector<float> umapLayout(const FuzzyGraph& g, std::vector<float> y, const UmapOptions& o,
                              const std::function<void(double)>& progress, const std::atomic<bool>* cancel)
{
    checkUmapOptions(o);
    const int64_t n = g.count;
    if (int64_t(y.size()) != 2 * n || int64_t(g.rowStart.size()) != n + 1)
        throw Error("UMAP: the start has the wrong size");
    const int epochs = o.epochs > 0 ? o.epochs : (n < 10000 ? 500 : 200);
    double a = 1, b = 1;
    fitUmapCurve(o.minDist, o.spread, a, b);
    const float fa = float(a), fb = float(b);

    // Each edge is sampled once every maxWeight/weight epochs; edges too light to be sampled
    // once in the run are left out (umap-learn's make_epochs_per_sample).
    const size_t edges = g.column.size();
    float maxWeight = 0;
    for (float w : g.weight)
        maxWeight = std::max(maxWeight, w);
    std::vector<float> perSample(edges, -1), nextSample(edges), perNegative(edges), nextNegative(edges);
    for (size_t e = 0; e < edges; ++e) {
        if (g.weight[e] < maxWeight / float(epochs) || !(g.weight[e] > 0))
            continue;
        perSample[e] = maxWeight / g.weight[e];
        nextSample[e] = perSample[e];
        perNegative[e] = o.negativeSamples > 0 ? perSample[e] / float(o.negativeSamples) : -1;
        nextNegative[e] = perNegative[e];
    }

    std::vector<float> previous(y.size());
    for (int epoch = 0; epoch < epochs; ++epoch) {
        checkCancel(cancel);
        const float alpha = float(o.learningRate * (1.0 - double(epoch) / double(epochs)));
        previous = y;
        at::parallel_for(0, n, 512, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                float yx = y[size_t(2 * i)], yy = y[size_t(2 * i + 1)];
                SplitMix rng{o.seed * 0x2545f4914f6cdd1dull ^ (uint64_t(epoch) << 40) ^ uint64_t(i)};
                for (int64_t e = g.rowStart[size_t(i)]; e < g.rowStart[size_t(i + 1)]; ++e) {
                    if (perSample[size_t(e)] < 0 || nextSample[size_t(e)] > float(epoch))
                        continue;
                    const int64_t j = g.column[size_t(e)];
                    float dx = yx - previous[size_t(2 * j)], dy = yy - previous[size_t(2 * j + 1)];
                    float d2 = dx * dx + dy * dy;
                    if (d2 > 0) {
                        // Twice the step: umap-learn moves both ends of each of the edge's two
                        // directions; here each end moves on its own direction only.
                        const float pb = fastPow(d2, fb);
                        const float c = 2.0f * fa * fb * (pb / d2) / (1.0f + fa * pb);
                        yx -= 2.0f * alpha * clip4(c * dx);
                        yy -= 2.0f * alpha * clip4(c * dy);
                    }
                    nextSample[size_t(e)] += perSample[size_t(e)];
                    if (perNegative[size_t(e)] <= 0)
                        continue;
                    const int negatives = int((float(epoch) - nextNegative[size_t(e)]) / perNegative[size_t(e)]);
                    // The negatives of one sample push from the same position and their moves
                    // add up: independent of each other, they overlap in the core instead of
                    // waiting each for the last one's move (the loop was latency-bound).
                    for (int s0 = 0; s0 < negatives; s0 += kNegativeBlock) {
                        const int m = std::min(kNegativeBlock, negatives - s0);
                        float ox[kNegativeBlock], oy[kNegativeBlock];
                        for (int s = 0; s < m; ++s) {
                            const int64_t k = int64_t(rng.next() % uint64_t(n));
                            ox[s] = previous[size_t(2 * k)];
                            oy[s] = previous[size_t(2 * k + 1)];
                            if (k == i) { // itself: no push
                                ox[s] = std::numeric_limits<float>::quiet_NaN();
                            }
                        }
                        float mx = 0, my = 0;
                        for (int s = 0; s < m; ++s) {
                            if (std::isnan(ox[s]))
                                continue;
                            dx = yx - ox[s];
                            dy = yy - oy[s];
                            d2 = dx * dx + dy * dy;
                            if (d2 > 0) {
                                const float c = 2.0f * fb / ((0.001f + d2) * (1.0f + fa * fastPow(d2, fb)));
                                mx += clip4(c * dx);
                                my += clip4(c * dy);
                            } else {
                                mx += 4.0f;
                                my += 4.0f;
                            }
                        }
                        yx += alpha * mx;
                        yy += alpha * my;
                    }
                    nextNegative[size_t(e)] += float(negatives) * perNegative[size_t(e)];
                }
                y[size_t(2 * i)] = yx;
                y[size_t(2 * i + 1)] = yy;
            }
        });
        if (progress && (epoch % 5 == 0 || epoch + 1 == epochs))
            progress(double(epoch + 1) / double(epochs));
    }
    return y;
}

std::vector<float> umapOfImages(const uint8_t* pixels, int64_t count, int dim, const UmapOptions& o,
                                const std::function<void(double)>& progress, const std::atomic<bool>* cancel,
                                double gamma)
{
    checkUmapOptions(o);
    if (dim < 1 || count < 1)
        throw Error("UMAP: the images have no pixels");
    if (!(gamma > 0 && gamma <= 16))
        throw Error("UMAP: the pixels' gamma must be in (0, 16]");
    const auto rows = [&](int64_t start, int64_t n) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            throw Cancelled();
        torch::Tensor x = torch::from_blob(const_cast<uint8_t*>(pixels + start * dim), {n, dim}, torch::kUInt8)
                              .to(torch::kFloat32)
                              .div_(255.0f);
        return gamma == 1.0 ? x : x.pow_(gamma);
    };
    if (dim <= kReduceAbove) {
        const torch::Tensor all = rows(0, count).contiguous();
        return umap(all.data_ptr<float>(), count, dim, o, progress, cancel);
    }
    const std::vector<float> reduced = principalComponentsByChunks(rows, count, dim, kReducedDim);
    return umap(reduced.data(), count, kReducedDim, o, progress, cancel);
}

std::vector<float> umap(const float* points, int64_t count, int dim, const UmapOptions& o,
                        const std::function<void(double)>& progress, const std::atomic<bool>* cancel)
{
    checkUmapOptions(o);
    if (dim < 1)
        throw Error("UMAP: the points have no values");
    std::vector<float> reduced;
    reduceWide(points, count, dim, reduced);
    // The search is about a tenth of the time for 70,000 codes.
    const FuzzyGraph graph = fuzzyGraph(points, count, dim, o.neighbours, cancel, [&](double f) {
        if (progress)
            progress(0.1 * f);
    });
    // Start from the two principal components, each scaled to [0, 10].
    std::vector<float> start = principalStart(points, count, dim);
    for (int axis = 0; axis < 2; ++axis) {
        float lo = std::numeric_limits<float>::max(), hi = std::numeric_limits<float>::lowest();
        for (int64_t i = 0; i < count; ++i) {
            lo = std::min(lo, start[size_t(2 * i + axis)]);
            hi = std::max(hi, start[size_t(2 * i + axis)]);
        }
        const float scale = hi > lo ? 10.0f / (hi - lo) : 0.0f;
        SplitMix rng{o.seed + uint64_t(axis)};
        for (int64_t i = 0; i < count; ++i) {
            // A tiny jitter keeps points that coincide from moving as one.
            const float jitter = float(double(rng.next() >> 11) * 0x1.0p-53 - 0.5) * 1e-4f;
            start[size_t(2 * i + axis)] = (start[size_t(2 * i + axis)] - lo) * scale + jitter;
        }
    }
    std::vector<float> y = umapLayout(graph, std::move(start), o, [&](double f) {
        if (progress)
            progress(0.1 + 0.9 * f);
    }, cancel);
    double mx = 0, my = 0;
    for (int64_t i = 0; i < count; ++i) {
        mx += y[size_t(2 * i)];
        my += y[size_t(2 * i + 1)];
    }
    mx /= double(count);
    my /= double(count);
    for (int64_t i = 0; i < count; ++i) {
        y[size_t(2 * i)] = float(y[size_t(2 * i)] - mx);
        y[size_t(2 * i + 1)] = float(y[size_t(2 * i + 1)] - my);
    }
    return y;
}

} // namespace lx
