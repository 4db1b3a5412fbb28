#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace lx {

// Random latent points, and how far they land from the data: the lecture's point that a
// plain autoencoder never asked its codes to fill any region, so many random points fall in
// gaps between the clusters and decode to blends that are not digits.

// n points from the prior N(0, I) in d dimensions (n×d, row after row).
std::vector<float> samplePrior(int n, int d, uint64_t seed);

// Codes are `count` rows of d values, read in place (the training part of a cloud is its
// first rows: no copy needed). The std::vector forms take all rows of the vector.

// The k nearest of `count` points (rows of `dim` values) to `query`: (squared distance,
// index), nearest first. One scan with a bounded heap.
std::vector<std::pair<double, int64_t>> kNearest(const float* points, int64_t count, int dim, const double* query, int k);

// n points uniform over the axis-aligned box of the codes.
std::vector<float> sampleBox(const float* codes, int64_t count, int d, int n, uint64_t seed);
std::vector<float> sampleBox(const std::vector<float>& codes, int d, int n, uint64_t seed);

// For each query (m×d), the Euclidean distance to the nearest of the codes.
std::vector<float> nearestDistances(const float* codes, int64_t count, int d, const std::vector<float>& queries);
std::vector<float> nearestDistances(const std::vector<float>& codes, int d, const std::vector<float>& queries);

// The q-quantile (0..1) of the distances from data points to their nearest other data point,
// estimated on up to `probes` points picked by `seed`: "how far is far" for this cloud.
float neighbourDistanceQuantile(const float* codes, int64_t count, int d, double q, int probes = 400,
                                uint64_t seed = 1);
float neighbourDistanceQuantile(const std::vector<float>& codes, int d, double q, int probes = 400,
                                uint64_t seed = 1);

// "Off the data": where the decoder never saw a code. A plain autoencoder's decoder was
// trained on the training codes themselves; a VAE's on draws from each training image's
// posterior N(μ, σ²), which fill far more of the space than the means do. How far is far is
// measured the same way in any number of dimensions: against held-out images (validation),
// whose codes (or draws) lie as far from the training ones as any new image's would. A point
// farther from every reference code than `quantile` of the held-out ones lies off the data.
// Without held-out images, each training code's nearest other training code is the measure.
struct OffDataTest {
    int dim = 0;
    std::vector<float> reference; // what the decoder was trained on (or a seeded subset)
    float threshold = 0;
    bool posterior = false; // the reference is posterior draws (a VAE)

    std::vector<bool> operator()(const std::vector<float>& points) const; // true: off the data
};

// `codes` (count×dim, the training part first), `logVar` (the same shape, a VAE's) or empty.
// At most `maxReference` training codes and `probes` held-out ones are used (seeded).
OffDataTest offDataTest(const std::vector<float>& codes, const std::vector<float>& logVar, int64_t trainCount, int dim,
                        double quantile = 0.99, uint64_t seed = 1, int64_t maxReference = 20000, int probes = 400);

} // namespace lx
