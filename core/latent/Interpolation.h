#pragma once

#include <vector>

namespace lx {

enum class PathKind { Linear, Spherical };

// The point a fraction t (0..1) of the way from a to b. Linear: (1−t)·a + t·b. Spherical
// (slerp): along the great circle between the two directions, the lengths interpolated
// linearly; it keeps away from the origin, where a VAE's prior has little mass per volume in
// many dimensions. Nearly parallel vectors fall back to linear.
std::vector<float> interpolate(const std::vector<float>& a, const std::vector<float>& b, double t, PathKind kind);

// `count` evenly spaced points from a to b inclusive (count >= 2), row after row.
std::vector<float> interpolationPath(const std::vector<float>& a, const std::vector<float>& b, int count, PathKind kind);

} // namespace lx
