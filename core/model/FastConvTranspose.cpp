#include "model/FastConvTranspose.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace lx {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// y = Cᵀx, where C is the strided convolution with the same weights. Then
//   forward:  y      = backward-data of C, given "grad_output" x, for an input of y's shape
//   backward: dL/dx  = C(dL/dy)                       (an ordinary convolution)
//             dL/dW  = backward-weights of C with input dL/dy and grad_output x
//             dL/db  = the sum of dL/dy over batch and space
// One image of a transposed convolution with few output channels: y = col2im(Wᵀ·x). Each
// input pixel's channels, times the weights, give the k×k patch it adds to the output, at
// its strided place (the output size fixes output_padding). Compiled for AVX-512 and AVX2
// too (the build targets baseline x86-64), picked at run time.
__attribute__((target_clones("avx512f", "avx2", "default"))) void
fewChannelsImage(const float* x, const float* weight, const float* bias, float* y, float* cols, int64_t in, int64_t out,
                 int64_t k, int64_t rows, int64_t colsIn, int64_t h, int64_t w, int64_t stride, int64_t padding)
{
    const int64_t hw = rows * colsIn, patches = out * k * k;
    std::fill(cols, cols + patches * hw, 0.0f);
    for (int64_t c = 0; c < in; ++c) { // cols (out·k·k × HW) = Wᵀ (out·k·k × in) · x (in × HW)
        const float* xc = x + c * hw;
        for (int64_t r = 0; r < patches; ++r) {
            const float wv = weight[c * patches + r];
            float* cr = cols + r * hw;
            for (int64_t p = 0; p < hw; ++p)
                cr[p] += wv * xc[p];
        }
    }
    for (int64_t o = 0; o < out; ++o) {
        float* yo = y + o * h * w;
        std::fill(yo, yo + h * w, bias ? bias[o] : 0.0f);
        for (int64_t ky = 0; ky < k; ++ky)
            for (int64_t kx = 0; kx < k; ++kx) {
                const float* cr = cols + ((o * k + ky) * k + kx) * hw;
                for (int64_t iy = 0; iy < rows; ++iy) {
                    const int64_t oy = iy * stride - padding + ky;
                    if (oy < 0 || oy >= h)
                        continue;
                    for (int64_t ix = 0; ix < colsIn; ++ix) {
                        const int64_t ox = ix * stride - padding + kx;
                        if (ox >= 0 && ox < w)
                            yo[oy * w + ox] += cr[iy * colsIn + ix];
                    }
                }
            }
    }
}

struct ConvTransposeFunction : public torch::autograd::Function<ConvTransposeFunction> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                                 const torch::Tensor& bias, int64_t stride, int64_t padding, int64_t outputPadding)
    {
        const int64_t k = weight.size(2);
        const int64_t h = (x.size(2) - 1) * stride - 2 * padding + k + outputPadding;
        const int64_t w = (x.size(3) - 1) * stride - 2 * padding + k + outputPadding;
        torch::Tensor y;
        if (weight.size(1) <= 2) {
            // Very few output channels (an image's last layer): our own kernel (above).
            y = fewChannelsTransposedForward(x, weight, bias, h, w, stride, padding);
        } else {
            // Only its sizes are read: the shape of the convolution's input, i.e. our output.
            const torch::Tensor shape =
                torch::empty({x.size(0), weight.size(1), h, w}, x.options().memory_format(x.suggest_memory_format()));
            y = std::get<0>(at::convolution_backward(x, shape, weight, c10::nullopt, {stride, stride}, {padding, padding},
                                                     {1, 1}, false, {0, 0}, 1, {true, false, false}));
            if (bias.defined())
                y.add_(bias.view({1, -1, 1, 1}));
        }
        ctx->save_for_backward({x, weight});
        ctx->saved_data["stride"] = stride;
        ctx->saved_data["padding"] = padding;
        ctx->saved_data["hasBias"] = bias.defined();
        return y;
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor& x = saved[0];
        const torch::Tensor& weight = saved[1];
        const int64_t stride = ctx->saved_data["stride"].toInt();
        const int64_t padding = ctx->saved_data["padding"].toInt();
        const torch::Tensor gy = gradOutputs[0].contiguous(gradOutputs[0].suggest_memory_format());
        torch::Tensor gx, gw, gb;
        if (ctx->needs_input_grad(0))
            gx = at::convolution(gy, weight, c10::nullopt, {stride, stride}, {padding, padding}, {1, 1}, false, {0, 0}, 1);
        if (ctx->needs_input_grad(1))
            gw = std::get<1>(at::convolution_backward(x, gy, weight, c10::nullopt, {stride, stride}, {padding, padding},
                                                      {1, 1}, false, {0, 0}, 1, {false, true, false}));
        if (ctx->saved_data["hasBias"].toBool() && ctx->needs_input_grad(2))
            gb = gy.sum({0, 2, 3});
        return {gx, gw, gb, torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};

} // namespace

// The forward pass for very few output channels (an image's last layer), where oneDNN's
// backward-data of a convolution from so few channels is slow and LibTorch's
// slow_conv_transpose2d runs one small GEMM and a serial col2im per image: images in
// parallel instead, each one in cache.
torch::Tensor fewChannelsTransposedForward(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                                           int64_t h, int64_t w, int64_t stride, int64_t padding)
{
    const torch::Tensor x = input.contiguous();
    const int64_t in = x.size(1), rows = x.size(2), cols = x.size(3);
    const ChannelBlockedLayout plain{1, {in * rows * cols, rows * cols, cols, 1}};
    return fewChannelsTransposedForward(x.data_ptr<float>(), plain, x.size(0), rows, cols, weight, bias, h, w, stride,
                                        padding);
}

torch::Tensor fewChannelsTransposedForward(const float* xp, const ChannelBlockedLayout& layout, int64_t n, int64_t rows,
                                           int64_t colsIn, const torch::Tensor& weightIn, const torch::Tensor& biasIn,
                                           int64_t h, int64_t w, int64_t stride, int64_t padding)
{
    const torch::Tensor weight = weightIn.contiguous();
    const torch::Tensor bias = biasIn.defined() ? biasIn.contiguous() : biasIn;
    const int64_t in = weight.size(0), out = weight.size(1), k = weight.size(2), hw = rows * colsIn;
    const bool contiguous = layout.block == 1 && layout.strides[3] == 1 && layout.strides[2] == colsIn
                            && layout.strides[1] == hw && layout.strides[0] == in * hw;
    torch::Tensor y = torch::empty({n, out, h, w}, torch::kFloat32);
    const float* wp = weight.data_ptr<float>();
    const float* bp = bias.defined() ? bias.data_ptr<float>() : nullptr;
    float* yp = y.data_ptr<float>();
    const int64_t b = layout.block, s0 = layout.strides[0], s1 = layout.strides[1], s2 = layout.strides[2],
                  s3 = layout.strides[3];
    at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> cols(size_t(out * k * k * hw));
        std::vector<float> image(contiguous ? 0 : size_t(in * hw));
        for (int64_t i = begin; i < end; ++i) {
            const float* xi = xp + i * s0;
            if (!contiguous) {
                // This image in the plain layout, in cache: channel c of pixel (r, col) is at
                // block c / b, lane c % b.
                for (int64_t cb = 0; cb * b < in; ++cb) {
                    const int64_t lanes = std::min(b, in - cb * b);
                    for (int64_t r = 0; r < rows; ++r)
                        for (int64_t col = 0; col < colsIn; ++col) {
                            const float* src = xi + cb * s1 + r * s2 + col * s3;
                            float* dst = image.data() + cb * b * hw + r * colsIn + col;
                            for (int64_t lane = 0; lane < lanes; ++lane)
                                dst[lane * hw] = src[lane];
                        }
                }
                xi = image.data();
            }
            fewChannelsImage(xi, wp, bp, yp + i * out * h * w, cols.data(), in, out, k, rows, colsIn, h, w, stride, padding);
        }
    });
    return y;
}

bool fastConvTransposeEnabled()
{
    static const bool enabled = [] {
        const char* v = std::getenv("LX_FAST_CONV_TRANSPOSE");
        return at::hasMKLDNN() && !(v && std::strcmp(v, "0") == 0);
    }();
    return enabled;
}

torch::Tensor convTranspose2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                              int64_t stride, int64_t padding, int64_t outputPadding, bool fast)
{
    // oneDNN's route: CPU floats, a batch (N×C×H×W), output_padding smaller than the stride
    // (as ConvTranspose2d itself requires).
    if (!fast || !x.device().is_cpu() || x.scalar_type() != torch::kFloat32 || x.dim() != 4 || !at::hasMKLDNN()
        || outputPadding >= stride)
        return torch::conv_transpose2d(x, weight, bias, stride, padding, outputPadding);
    return ConvTransposeFunction::apply(x.contiguous(x.suggest_memory_format()), weight, bias, stride, padding,
                                        outputPadding);
}

FastConvTranspose2dImpl::FastConvTranspose2dImpl(const torch::nn::ConvTranspose2dOptions& o) : options(o)
{
    reset();
}

void FastConvTranspose2dImpl::reset()
{
    const auto k = options.kernel_size(), s = options.stride(), d = options.dilation();
    TORCH_CHECK(k->at(0) == k->at(1) && s->at(0) == s->at(1) && d->at(0) == 1 && d->at(1) == 1 && options.groups() == 1,
                "FastConvTranspose2d: square kernels and strides, no dilation, one group");
    // Exactly ConvTranspose2d's initialisation (and random draws): make one and take its tensors.
    torch::nn::ConvTranspose2d reference(options);
    weight = register_parameter("weight", reference->weight.detach().clone());
    bias = options.bias() ? register_parameter("bias", reference->bias.detach().clone()) : torch::Tensor();
}

torch::Tensor FastConvTranspose2dImpl::forward(const torch::Tensor& x)
{
    return convTranspose2d(x, weight, bias, options.stride()->at(0), options.padding()->at(0), options.output_padding()->at(0),
                           fastConvTransposeEnabled());
}

void FastConvTranspose2dImpl::pretty_print(std::ostream& stream) const
{
    stream << "lx::FastConvTranspose2d(" << options.in_channels() << ", " << options.out_channels()
           << ", kernel_size=" << options.kernel_size() << ", stride=" << options.stride() << ")";
}

} // namespace lx
