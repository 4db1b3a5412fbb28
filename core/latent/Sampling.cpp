#include "latent/Sampling.h"

#include "common/Error.h"
#include "latent/SmallestK.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace lx {
namespace {

int64_t rowsOf(const std::vector<float>& codes, int d)
{
    if (d <= 0 || codes.empty() || codes.size() % size_t(d) != 0)
        throw Error("latent codes: expected a non-empty count×" + std::to_string(d) + " array");
    return int64_t(codes.size() / size_t(d));
}

void checkCodes(const float* codes, int64_t count, int d)
{
    if (d <= 0 || count <= 0 || !codes)
        throw Error("latent codes: expected a non-empty count×" + std::to_string(d) + " array");
}

} // namespace

std::vector<std::pair<double, int64_t>> kNearest(const float* points, int64_t count, int dim, const double* query, int k)
{
    SmallestK<double> best(size_t(std::max<int64_t>(0, std::min<int64_t>(k, count))));
    for (int64_t i = 0; i < count; ++i) {
        double d2 = 0;
        for (int c = 0; c < dim; ++c) {
            const double diff = double(points[i * dim + c]) - query[c];
            d2 += diff * diff;
        }
        best.offer(d2, i);
    }
    return std::move(best.sorted());
}

std::vector<float> samplePrior(int n, int d, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> out(size_t(std::max(n, 0)) * size_t(std::max(d, 0)));
    for (float& v : out)
        v = normal(rng);
    return out;
}

std::vector<float> sampleBox(const float* codes, int64_t count, int d, int n, uint64_t seed)
{
    checkCodes(codes, count, d);
    std::vector<float> lo(size_t(d), std::numeric_limits<float>::max()), hi(size_t(d), std::numeric_limits<float>::lowest());
    for (int64_t i = 0; i < count * d; ++i) {
        const size_t k = size_t(i % d);
        lo[k] = std::min(lo[k], codes[i]);
        hi[k] = std::max(hi[k], codes[i]);
    }
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    std::vector<float> out(size_t(std::max(n, 0)) * size_t(d));
    for (size_t i = 0; i < out.size(); ++i) {
        const size_t k = i % size_t(d);
        out[i] = lo[k] + unit(rng) * (hi[k] - lo[k]);
    }
    return out;
}

std::vector<float> sampleBox(const std::vector<float>& codes, int d, int n, uint64_t seed)
{
    return sampleBox(codes.data(), rowsOf(codes, d), d, n, seed);
}

std::vector<float> nearestDistances(const float* codes, int64_t count, int d, const std::vector<float>& queries)
{
    checkCodes(codes, count, d);
    const size_t m = queries.size() / size_t(d);
    std::vector<float> out(m);
    std::vector<double> q(static_cast<size_t>(d));
    for (size_t i = 0; i < m; ++i) {
        std::copy_n(queries.data() + i * size_t(d), d, q.data());
        out[i] = float(std::sqrt(kNearest(codes, count, d, q.data(), 1).front().first));
    }
    return out;
}

std::vector<float> nearestDistances(const std::vector<float>& codes, int d, const std::vector<float>& queries)
{
    return nearestDistances(codes.data(), rowsOf(codes, d), d, queries);
}

float neighbourDistanceQuantile(const float* codes, int64_t count, int d, double q, int probes, uint64_t seed)
{
    checkCodes(codes, count, d);
    if (count < 2)
        return 0.0f;
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int64_t> pick(0, count - 1);
    std::vector<float> distances;
    std::vector<double> query(static_cast<size_t>(d));
    for (int p = 0; p < std::max(1, probes); ++p) {
        const int64_t j = probes >= count ? p % count : pick(rng);
        std::copy_n(codes + j * d, d, query.data());
        // The nearest point other than j itself (a duplicate of j counts, at distance 0).
        for (const auto& [d2, i] : kNearest(codes, count, d, query.data(), 2))
            if (i != j) {
                distances.push_back(float(std::sqrt(d2)));
                break;
            }
    }
    const size_t at = std::min(distances.size() - 1, size_t(std::clamp(q, 0.0, 1.0) * double(distances.size() - 1) + 0.5));
    std::nth_element(distances.begin(), distances.begin() + long(at), distances.end());
    return distances[at];
}

std::vector<bool> OffDataTest::operator()(const std::vector<float>& points) const
{
    std::vector<bool> off;
    if (dim <= 0 || reference.empty())
        return off;
    for (float distance : nearestDistances(reference, dim, points))
        off.push_back(distance > threshold);
    return off;
}

OffDataTest offDataTest(const std::vector<float>& codes, const std::vector<float>& logVar, int64_t trainCount, int dim,
                        double quantile, uint64_t seed, int64_t maxReference, int probes)
{
    const int64_t count = rowsOf(codes, dim);
    trainCount = std::clamp<int64_t>(trainCount, 1, count);
    const bool posterior = logVar.size() == codes.size();
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    // Row i as the decoder saw it: the code, or one draw from its posterior.
    auto row = [&](int64_t i, float* out) {
        for (int k = 0; k < dim; ++k) {
            const size_t at = size_t(i) * size_t(dim) + size_t(k);
            out[k] = posterior ? codes[at] + std::exp(0.5f * logVar[at]) * normal(rng) : codes[at];
        }
    };
    // A seeded subset of `n` of rows [from, from + available), in order.
    auto pickRows = [&](int64_t from, int64_t available, int64_t n) {
        std::vector<int64_t> rows(static_cast<size_t>(available));
        for (int64_t i = 0; i < available; ++i)
            rows[size_t(i)] = from + i;
        if (n < available) {
            std::shuffle(rows.begin(), rows.end(), rng);
            rows.resize(size_t(n));
            std::sort(rows.begin(), rows.end());
        }
        return rows;
    };
    OffDataTest test;
    test.dim = dim;
    test.posterior = posterior;
    for (int64_t i : pickRows(0, trainCount, std::min(trainCount, maxReference))) {
        test.reference.resize(test.reference.size() + size_t(dim));
        row(i, test.reference.data() + test.reference.size() - size_t(dim));
    }
    const int64_t heldOut = count - trainCount;
    if (heldOut < 2) { // no held-out images: the training codes' own nearest-neighbour distances
        test.threshold = neighbourDistanceQuantile(test.reference, dim, quantile, probes, seed);
        return test;
    }
    std::vector<float> queries;
    for (int64_t i : pickRows(trainCount, heldOut, std::min<int64_t>(heldOut, std::max(1, probes)))) {
        queries.resize(queries.size() + size_t(dim));
        row(i, queries.data() + queries.size() - size_t(dim));
    }
    std::vector<float> distances = nearestDistances(test.reference, dim, queries);
    const size_t at =
        std::min(distances.size() - 1, size_t(std::clamp(quantile, 0.0, 1.0) * double(distances.size() - 1) + 0.5));
    std::nth_element(distances.begin(), distances.begin() + long(at), distances.end());
    test.threshold = distances[at];
    return test;
}

float neighbourDistanceQuantile(const std::vector<float>& codes, int d, double q, int probes, uint64_t seed)
{
    return neighbourDistanceQuantile(codes.data(), rowsOf(codes, d), d, q, probes, seed);
}

} // namespace lx
