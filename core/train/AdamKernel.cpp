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

// Compiled for AVX-512, AVX2 and baseline x86-64 (below); kernelIsa() picks one.
LX_KERNEL_BODY void update(const UpdateArgs& a)
{
    float* __restrict p = a.p;
    const float* __restrict grad = a.grad;
    float* __restrict m = a.m;
    float* __restrict v = a.v;
    const float beta1 = a.s.beta1, beta2 = a.s.beta2, a1 = a.s.oneMinusBeta1, a2 = a.s.oneMinusBeta2,
                root2 = a.s.sqrtCorrection2, eps = a.s.eps, wd = a.s.weightDecay, step = a.s.stepSize;
    for (int64_t i = 0; i < a.n; ++i) {
        const float g = grad[i] + wd * p[i]; // wd = 0: exactly grad[i]
        const float mi = m[i] * beta1 + a1 * g;
        const float vi = v[i] * beta2 + a2 * g * g;
        m[i] = mi;
        v[i] = vi;
        p[i] -= step * (mi / (std::sqrt(vi) / root2 + eps));
    }
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
