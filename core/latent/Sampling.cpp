#include "latent/Sampling.h"

#include "common/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace lx {
namespace {

float distanceSquared(const float* a, const float* b, int d)
{
    float sum = 0;
    for (int k = 0; k < d; ++k) {
        const float diff = a[k] - b[k];
        sum += diff * diff;
    }
    return sum;
}

void checkCodes(const std::vector<float>& codes, int d)
{
    if (d <= 0 || codes.empty() || codes.size() % size_t(d) != 0)
        throw Error("latent codes: expected a non-empty count×" + std::to_string(d) + " array");
}

} // namespace

std::vector<float> samplePrior(int n, int d, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> out(size_t(std::max(n, 0)) * size_t(std::max(d, 0)));
    for (float& v : out)
        v = normal(rng);
    return out;
}

std::vector<float> sampleBox(const std::vector<float>& codes, int d, int n, uint64_t seed)
{
    checkCodes(codes, d);
    std::vector<float> lo(size_t(d), std::numeric_limits<float>::max()), hi(size_t(d), std::numeric_limits<float>::lowest());
    for (size_t i = 0; i < codes.size(); ++i) {
        const size_t k = i % size_t(d);
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

std::vector<float> nearestDistances(const std::vector<float>& codes, int d, const std::vector<float>& queries)
{
    checkCodes(codes, d);
    const size_t count = codes.size() / size_t(d), m = queries.size() / size_t(d);
    std::vector<float> out(m);
    for (size_t q = 0; q < m; ++q) {
        float best = std::numeric_limits<float>::max();
        for (size_t i = 0; i < count; ++i)
            best = std::min(best, distanceSquared(queries.data() + q * size_t(d), codes.data() + i * size_t(d), d));
        out[q] = std::sqrt(best);
    }
    return out;
}

float neighbourDistanceQuantile(const std::vector<float>& codes, int d, double q, int probes, uint64_t seed)
{
    checkCodes(codes, d);
    const size_t count = codes.size() / size_t(d);
    if (count < 2)
        return 0.0f;
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<size_t> pick(0, count - 1);
    std::vector<float> distances;
    for (int p = 0; p < std::max(1, probes); ++p) {
        const size_t j = probes >= int(count) ? size_t(p) % count : pick(rng);
        float best = std::numeric_limits<float>::max();
        for (size_t i = 0; i < count; ++i)
            if (i != j)
                best = std::min(best, distanceSquared(codes.data() + j * size_t(d), codes.data() + i * size_t(d), d));
        distances.push_back(std::sqrt(best));
    }
    const size_t at = std::min(distances.size() - 1, size_t(std::clamp(q, 0.0, 1.0) * double(distances.size() - 1) + 0.5));
    std::nth_element(distances.begin(), distances.begin() + long(at), distances.end());
    return distances[at];
}

} // namespace lx
