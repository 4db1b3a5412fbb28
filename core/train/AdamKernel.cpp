#include "train/AdamKernel.h"

#include <cmath>

namespace lx {
namespace {

__attribute__((target_clones("avx512f", "avx2", "default"))) void
update(float* __restrict p, const float* __restrict grad, float* __restrict m, float* __restrict v, int64_t n,
       float beta1, float beta2, float a1, float a2, float root2, float eps, float wd, float step)
{
    for (int64_t i = 0; i < n; ++i) {
        const float g = grad[i] + wd * p[i]; // wd = 0: exactly grad[i]
        const float mi = m[i] * beta1 + a1 * g;
        const float vi = v[i] * beta2 + a2 * g * g;
        m[i] = mi;
        v[i] = vi;
        p[i] -= step * (mi / (std::sqrt(vi) / root2 + eps));
    }
}

} // namespace

void adamKernel(float* p, const float* grad, float* m, float* v, int64_t n, const AdamScalars& s)
{
    update(p, grad, m, v, n, s.beta1, s.beta2, s.oneMinusBeta1, s.oneMinusBeta2, s.sqrtCorrection2, s.eps,
           s.weightDecay, s.stepSize);
}

} // namespace lx
