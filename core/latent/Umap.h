#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace lx {

// UMAP (McInnes, Healy & Melville 2018): a 2-D map that keeps each point's fuzzy neighbourhood.
//  1. The fuzzy k-nearest-neighbour graph: exact neighbours (Neighbours.h); per point ρ, the
//     distance to its nearest neighbour, and σ, calibrated so that the memberships
//     exp(−(d − ρ)/σ) of its k neighbours sum to log2 k; symmetrised by fuzzy union
//     w + wᵀ − w∘wᵀ. Points wider than 64 values are first reduced to their 50 principal
//     components (the neighbours of images barely change; the search gets 15× cheaper).
//  2. A layout whose low-dimensional memberships q = 1/(1 + a·d^2b) match the graph's by
//     UMAP's cross-entropy, minimised by SGD over the edges, each sampled in proportion to its
//     weight, with negative sampling; a, b fitted to min_dist. It starts from the two principal
//     components scaled to [0, 10], as umap-learn's "pca" start.
// Unlike umap-learn's parallel SGD, an epoch reads the other points where the epoch began and
// moves only each edge's own point (each edge is there in both directions), so the result is
// the same for a seed whatever the number of threads.
struct UmapOptions {
    int neighbours = 15;
    double minDist = 0.1;
    double spread = 1.0;
    int epochs = 0; // 0: 500 for fewer than 10,000 points, else 200 (umap-learn's choice)
    int negativeSamples = 5;
    double learningRate = 1.0;
    uint64_t seed = 1;
};

// Throws lx::Error naming the bad setting (k < 2, min_dist outside (0, 1], …).
void checkUmapOptions(const UmapOptions& options);

// A symmetric graph as compressed sparse rows: row i's neighbours column[rowStart[i] ..
// rowStart[i+1]), ascending, with weights in (0, 1].
struct FuzzyGraph {
    int64_t count = 0;
    std::vector<int64_t> rowStart;
    std::vector<int32_t> column;
    std::vector<float> weight;
};

// Step 1's memberships before symmetrising: for each of `count` rows of k neighbour distances
// (Euclidean, nearest first) the weights exp(−(d − ρ)/σ), which sum to log2 k (count×k).
std::vector<float> fuzzyMemberships(const std::vector<float>& distance, int64_t count, int k);
// Fuzzy union of the directed memberships of `index` (count×k neighbours).
FuzzyGraph fuzzyUnion(const std::vector<int64_t>& index, const std::vector<float>& membership, int64_t count, int k);
// Steps 1 in full: neighbours, memberships, union. `progress` hears 0..1.
FuzzyGraph fuzzyGraph(const float* points, int64_t count, int dim, int k, const std::atomic<bool>* cancel = nullptr,
                      const std::function<void(double)>& progress = {});

// a and b of q(d) = 1/(1 + a·d^2b) fitted by least squares to 1 for d < minDist and
// exp(−(d − minDist)/spread) beyond (umap-learn's find_ab_params).
void fitUmapCurve(double minDist, double spread, double& a, double& b);

// One edge's cross-entropy in the layout, for squared distance d2 between its ends:
// −log q for an edge (attract), −log(1 − q) for a negative sample; and the coefficient c of
// its gradient with respect to one end, ∂loss/∂y_i = c·(y_i − y_j). (The negative's gradient
// keeps umap-learn's 0.001 in the denominator, which is exact only for d2 ≫ 0.001.)
double umapEdgeLoss(double d2, double a, double b, bool attract);
double umapEdgeGradient(double d2, double a, double b, bool attract);

// The layout of a graph from `start` (count×2); returns count×2. `progress` hears 0..1;
// throws lx::Cancelled when *cancel becomes true.
std::vector<float> umapLayout(const FuzzyGraph& graph, std::vector<float> start, const UmapOptions& options,
                              const std::function<void(double)>& progress = {},
                              const std::atomic<bool>* cancel = nullptr);

// `count` points of `dim` values (row-major) → count×2, centred on the origin.
std::vector<float> umap(const float* points, int64_t count, int dim, const UmapOptions& options,
                        const std::function<void(double)>& progress = {}, const std::atomic<bool>* cancel = nullptr);
// The same for `count` images of `dim` bytes each (pixel / 255, as the models see them, raised
// to the power `gamma`), reduced to their principal components a few thousand images at a
// time: for 60,000 images ~190 MB less at the peak than umap() of them as floats.
std::vector<float> umapOfImages(const uint8_t* pixels, int64_t count, int dim, const UmapOptions& options,
                                const std::function<void(double)>& progress = {},
                                const std::atomic<bool>* cancel = nullptr, double gamma = 1.0);

} // namespace lx
