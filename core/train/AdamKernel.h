#pragma once

#include <cstdint>

namespace lx {

// Adam's scalars for one parameter at one step, cast to float as ATen casts them.
struct AdamScalars {
    float beta1, beta2, oneMinusBeta1, oneMinusBeta2, sqrtCorrection2, eps, weightDecay, stepSize;
};

// Adam's update of n elements, in place, as Adam::step() computes it with tensors:
// g = grad + wd·p; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; p −= step·m / (√v / √(1−β2ᵗ) + ε).
// Its own file: compiled without math errno (so that sqrt vectorises) and for AVX-512 and
// AVX2 besides the baseline, picked at run time (common/CpuIsa.h: kernelIsa()).
void adamKernel(float* p, const float* grad, float* m, float* v, int64_t n, const AdamScalars& s);

} // namespace lx
