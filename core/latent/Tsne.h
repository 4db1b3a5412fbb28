#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace lx {

// t-SNE (van der Maaten 2014, Barnes-Hut): a 2-D map that keeps each point's neighbours near
// it. Input affinities from each point's 3·perplexity nearest neighbours (exact search),
// a calibrated Gaussian per point so that its perplexity is `perplexity`; the map starts from
// the two principal components (scaled small) and is optimised with early exaggeration,
// momentum and per-coordinate gains. The repulsion between all pairs of map points is
// approximated either by interpolation on a grid and FFT convolution (Linderman et al. 2019,
// "FIt-SNE": O(N) per iteration, the default) or through a quadtree with opening angle
// `theta` (Barnes-Hut, O(N log N)).
enum class TsneRepulsion { Interpolation, BarnesHut };

struct TsneOptions {
    double perplexity = 30;
    int iterations = 750;
    TsneRepulsion repulsion = TsneRepulsion::Interpolation;
    double theta = 0.5;       // Barnes-Hut only
    double boxesPerUnit = 1; // interpolation only: grid boxes per unit of map distance
    double exaggeration = 12;
    int exaggerationIterations = 250;
    double learningRate = 0; // 0: max(count / exaggeration, 50)
    uint64_t seed = 1;
};

// `count` points of `dim` values (row-major) → count×2. `progress` gets the fraction done
// now and then (from the calling thread); when *cancel becomes true it throws lx::Cancelled.
std::vector<float> tsne(const float* points, int64_t count, int dim, const TsneOptions& options,
                        const std::function<void(double)>& progress = {}, const std::atomic<bool>* cancel = nullptr);

// The fraction of each point's k nearest neighbours (in `high`, dim values per point) that are
// also among its k nearest in `low` (2 values per point), averaged over points: 1 is perfect,
// k/(count−1) is what a random map gets. Exact; for tests and benchmarks of modest size.
double neighbourhoodPreservation(const float* high, int dim, const float* low, int64_t count, int k);

// The repulsive part of t-SNE's gradient for map points y (count×2), with q_ij = 1/(1+|y_i−y_j|²):
// sumQ[i] = Σ_{j≠i} q_ij and force[2i..2i+1] = Σ_{j≠i} q_ij² (y_i − y_j). Exact (O(N²), for
// tests), by interpolation (tsne()'s default) and through a quadtree with opening angle theta
// (Barnes-Hut); exposed so that tests can compare them (latent/TsneRepulsion.cpp).
void repulsionExact(const std::vector<double>& y, std::vector<double>& sumQ, std::vector<double>& force);
void repulsionInterpolated(const std::vector<double>& y, std::vector<double>& sumQ, std::vector<double>& force,
                           double boxesPerUnit);
void repulsionBarnesHut(const std::vector<double>& y, double theta, std::vector<double>& sumQ, std::vector<double>& force);

} // namespace lx
