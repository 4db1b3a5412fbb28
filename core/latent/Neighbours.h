#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace lx {

// The k nearest neighbours of every one of `count` points (dim values each, row-major), exact,
// and their squared Euclidean distances: count×k each, nearest first, a point never its own
// neighbour. Distances a block of rows at a time by one GEMM; rows in parallel. Throws
// lx::Cancelled when *cancel becomes true; `progress` hears the fraction of rows done.
void nearestNeighbours(const float* points, int64_t count, int dim, int k, std::vector<int64_t>& index,
                       std::vector<float>& distance2, const std::atomic<bool>* cancel = nullptr,
                       const std::function<void(double)>& progress = {});

} // namespace lx
