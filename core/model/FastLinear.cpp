#include "model/FastLinear.h"

#include "model/Dnnl.h"

#include <cstdlib>
#include <cstring>
#include <tuple>

namespace lx {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
using namespace dnnl_support;

// The three products of a Linear of one shape: y = x·Wᵀ + b, dx = g·W, dW = gᵀ·x. Each a
// row-major matrix product; a transposed operand is the same memory read as "ba".
struct LinearPrimitives {
    dnnl::matmul forward, inputGrad, weightGrad;
    memory::desc x, w, wT, bias, y, g, gT, dx, dw;
    memory::desc forwardScratch, inputGradScratch, weightGradScratch;
};

memory::desc matrix(int64_t rows, int64_t cols, Tag tag = Tag::ab)
{
    return memory::desc({rows, cols}, memory::data_type::f32, tag);
}

std::shared_ptr<LinearPrimitives> makePrimitives(int64_t n, int64_t in, int64_t out)
{
    auto p = std::make_shared<LinearPrimitives>();
    p->x = matrix(n, in);
    p->w = matrix(out, in);
    p->wT = matrix(in, out, Tag::ba); // W (out×in) read as in×out
    p->bias = matrix(1, out);
    p->y = matrix(n, out);
    p->g = matrix(n, out);
    p->gT = matrix(out, n, Tag::ba); // g (n×out) read as out×n
    p->dx = matrix(n, in);
    p->dw = matrix(out, in);
    const dnnl::primitive_attr attr = userScratchpad();
    const dnnl::matmul::primitive_desc forward(dnnl::matmul::desc(p->x, p->wT, p->bias, p->y), attr, cpuEngine());
    const dnnl::matmul::primitive_desc inputGrad(dnnl::matmul::desc(p->g, p->w, p->dx), attr, cpuEngine());
    const dnnl::matmul::primitive_desc weightGrad(dnnl::matmul::desc(p->gT, p->x, p->dw), attr, cpuEngine());
    p->forward = dnnl::matmul(forward);
    p->inputGrad = dnnl::matmul(inputGrad);
    p->weightGrad = dnnl::matmul(weightGrad);
    p->forwardScratch = forward.scratchpad_desc();
    p->inputGradScratch = inputGrad.scratchpad_desc();
    p->weightGradScratch = weightGrad.scratchpad_desc();
    return p;
}

std::shared_ptr<LinearPrimitives> primitivesFor(int64_t n, int64_t in, int64_t out)
{
    static ShapeCache<std::tuple<int64_t, int64_t, int64_t>, LinearPrimitives> cache(128);
    return cache.get(std::make_tuple(n, in, out), [&] { return makePrimitives(n, in, out); });
}

struct FastLinearFunction : public torch::autograd::Function<FastLinearFunction> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& xIn, const torch::Tensor& weightIn,
                                 const torch::Tensor& biasIn)
    {
        const torch::Tensor x = xIn.contiguous(), weight = weightIn.contiguous(), bias = biasIn.contiguous();
        const int64_t n = x.size(0), in = x.size(1), out = weight.size(0);
        const std::shared_ptr<LinearPrimitives> p = primitivesFor(n, in, out);
        torch::Tensor y = torch::empty({n, out}, torch::kFloat32);
        dnnl::stream s(cpuEngine());
        executeWithScratchpad(p->forward, p->forwardScratch, s,
                              {{DNNL_ARG_SRC, memoryOf(p->x, x)},
                               {DNNL_ARG_WEIGHTS, memoryOf(p->wT, weight)},
                               {DNNL_ARG_BIAS, memoryOf(p->bias, bias)},
                               {DNNL_ARG_DST, memoryOf(p->y, y)}});
        s.wait();
        ctx->save_for_backward({x, weight});
        return y;
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs)
    {
        const variable_list saved = ctx->get_saved_variables();
        const torch::Tensor &x = saved[0], &weight = saved[1];
        const torch::Tensor g = gradOutputs[0].contiguous();
        const int64_t n = x.size(0), in = x.size(1), out = weight.size(0);
        const std::shared_ptr<LinearPrimitives> p = primitivesFor(n, in, out);
        dnnl::stream s(cpuEngine());
        torch::Tensor dx, dw, db;
        if (ctx->needs_input_grad(0)) {
            dx = torch::empty({n, in}, torch::kFloat32);
            executeWithScratchpad(p->inputGrad, p->inputGradScratch, s,
                                  {{DNNL_ARG_SRC, memoryOf(p->g, g)},
                                   {DNNL_ARG_WEIGHTS, memoryOf(p->w, weight)},
                                   {DNNL_ARG_DST, memoryOf(p->dx, dx)}});
        }
        if (ctx->needs_input_grad(1)) {
            dw = torch::empty({out, in}, torch::kFloat32);
            executeWithScratchpad(p->weightGrad, p->weightGradScratch, s,
                                  {{DNNL_ARG_SRC, memoryOf(p->gT, g)},
                                   {DNNL_ARG_WEIGHTS, memoryOf(p->x, x)},
                                   {DNNL_ARG_DST, memoryOf(p->dw, dw)}});
        }
        s.wait();
        if (ctx->needs_input_grad(2))
            db = g.sum(0);
        return {dx, dw, db};
    }
};

} // namespace

bool fastLinearEnabled()
{
    static const bool enabled = [] {
        const char* v = std::getenv("LX_FAST_LINEAR");
        return at::hasMKLDNN() && !(v && std::strcmp(v, "0") == 0);
    }();
    return enabled;
}

bool fastLinearWorthIt(int64_t in, int64_t out)
{
    return in * out >= 64 * 1024;
}

torch::Tensor fastLinear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias)
{
    TORCH_CHECK(x.dim() == 2 && weight.dim() == 2 && bias.dim() == 1 && x.size(1) == weight.size(1)
                    && bias.size(0) == weight.size(0) && x.device().is_cpu() && x.scalar_type() == torch::kFloat32
                    && x.size(0) > 0,
                "fastLinear: an unsupported input");
    return FastLinearFunction::apply(x, weight, bias);
}

} // namespace lx
