#include "train/AdamStep.h"

#include "train/AdamKernel.h"

#include <ATen/Parallel.h>

#include <cmath>

namespace lx {
namespace {

bool fusable(const torch::Tensor& t)
{
    return t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous();
}

} // namespace

void adamStep(torch::optim::Adam& adam)
{
    for (const auto& group : adam.param_groups())
        if (static_cast<const torch::optim::AdamOptions&>(group.options()).amsgrad()) {
            adam.step();
            return;
        }
    torch::NoGradGuard noGrad;
    for (auto& group : adam.param_groups()) {
        const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
        const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
        for (torch::Tensor& p : group.params()) {
            if (!p.grad().defined())
                continue;
            const torch::Tensor& grad = p.grad();
            // The optimizer's own state, made as Adam::step() makes it on first use.
            auto& slot = adam.state()[adamStateKey(p)];
            if (!slot) {
                auto fresh = std::make_unique<torch::optim::AdamParamState>();
                fresh->step(0);
                fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                slot = std::move(fresh);
            }
            auto& state = static_cast<torch::optim::AdamParamState&>(*slot);
            state.step(state.step() + 1);
            const double correction1 = 1 - std::pow(beta1, double(state.step()));
            const double correction2 = 1 - std::pow(beta2, double(state.step()));
            const double stepSize = o.lr() / correction1;
            torch::Tensor m = state.exp_avg(), v = state.exp_avg_sq();
            if (fusable(p) && fusable(grad) && fusable(m) && fusable(v)) {
                const AdamScalars s{float(beta1),
                                    float(beta2),
                                    float(1 - beta1),
                                    float(1 - beta2),
                                    float(std::sqrt(correction2)),
                                    float(o.eps()),
                                    float(o.weight_decay()),
                                    float(stepSize)};
                float* pp = p.data_ptr<float>();
                const float* gp = grad.data_ptr<float>();
                float* mp = m.data_ptr<float>();
                float* vp = v.data_ptr<float>();
                at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
                    adamKernel(pp + begin, gp + begin, mp + begin, vp + begin, end - begin, s);
                });
            } else { // Adam::step()'s own tensor arithmetic
                const torch::Tensor g = o.weight_decay() != 0 ? grad.add(p, o.weight_decay()) : grad;
                m.mul_(beta1).add_(g, 1 - beta1);
                v.mul_(beta2).addcmul_(g, g, 1 - beta2);
                const torch::Tensor denom = (v.sqrt() / std::sqrt(correction2)).add_(o.eps());
                p.addcdiv_(m, denom, -stepSize);
            }
        }
    }
}

void dropGradients(torch::optim::Optimizer& optimizer)
{
    for (auto& group : optimizer.param_groups())
        for (torch::Tensor& p : group.params())
            if (p.grad().defined())
                p.mutable_grad() = torch::Tensor();
}

} // namespace lx
