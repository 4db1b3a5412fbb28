#include "train/AdamKernel.h"

#include "common/CpuIsa.h"

#include <cmath>

namespace lx {
namespace {

struct UpdateArgs {
    float* p;
    const float* grad;
    float* m;
    float* v;
    int64_t n;
    AdamScalars s;
};

// Compiled for AVX-512, AVX2 and baseline x86-64 (below); kernelIsa() picks one. The arrays
// never overlap: restrict parameters, so that GCC vectorises without checks.
LX_KERNEL_BODY void update(float* __restrict p, const float* __restrict grad, float* __restrict m, float* __restrict v,
                           int64_t n, const AdamScalars& s)
{
    const float beta1 = s.beta1, beta2 = s.beta2, a1 = s.oneMinusBeta1, a2 = s.oneMinusBeta2, root2 = s.sqrtCorrection2,
                eps = s.eps, wd = s.weightDecay, step = s.stepSize;
    for (int64_t i = 0; i < n; ++i) {
        const float g = grad[i] + wd * p[i]; // wd = 0: exactly grad[i]
        const float mi = m[i] * beta1 + a1 * g;
        const float vi = v[i] * beta2 + a2 * g * g;
        m[i] = mi;
        v[i] = vi;
        p[i] -= step * (mi / (std::sqrt(vi) / root2 + eps));
    }
}

LX_KERNEL_BODY void update(const UpdateArgs& a)
{
    update(a.p, a.grad, a.m, a.v, a.n, a.s);
}

LX_TARGET_AVX512 void updateAvx512(const UpdateArgs& a) { update(a); }
LX_TARGET_AVX2 void updateAvx2(const UpdateArgs& a) { update(a); }
void updateBaseline(const UpdateArgs& a) { update(a); }

} // namespace

void adamKernel(float* p, const float* grad, float* m, float* v, int64_t n, const AdamScalars& s)
{
    static const auto run = pickKernel(&updateAvx512, &updateAvx2, &updateBaseline);
    run({p, grad, m, v, n, s});
}

} // namespace lx
