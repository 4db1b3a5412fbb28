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
// momentum and per-coordinate gains; repulsion through a quadtree with opening angle `theta`.
struct TsneOptions {
    double perplexity = 30;
    int iterations = 750;
    double theta = 0.5;
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

} // namespace lx
