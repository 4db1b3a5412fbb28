#pragma once

#include <cstdint>
#include <vector>

namespace lx {

// Random latent points, and how far they land from the data: the lecture's point that a
// plain autoencoder never asked its codes to fill any region, so many random points fall in
// gaps between the clusters and decode to blends that are not digits.

// n points from the prior N(0, I) in d dimensions (n×d, row after row).
std::vector<float> samplePrior(int n, int d, uint64_t seed);

// n points uniform over the axis-aligned box of `codes` (count×d).
std::vector<float> sampleBox(const std::vector<float>& codes, int d, int n, uint64_t seed);

// For each query (m×d), the Euclidean distance to the nearest of `codes` (count×d).
std::vector<float> nearestDistances(const std::vector<float>& codes, int d, const std::vector<float>& queries);

// The q-quantile (0..1) of the distances from data points to their nearest other data point,
// estimated on up to `probes` points picked by `seed`: "how far is far" for this cloud.
float neighbourDistanceQuantile(const std::vector<float>& codes, int d, double q, int probes = 400,
                                uint64_t seed = 1);

} // namespace lx
