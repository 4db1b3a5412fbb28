#include "model/FastConvTranspose.h"

#include "common/CpuIsa.h"

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
// its strided place (the output size fixes output_padding).
struct ImageArgs {
    const float* x;
    const float* weight;
    const float* bias;
    float* y;
    float* cols;
    int64_t in, out, k, rows, colsIn, h, w, stride, padding;
};

// Compiled for AVX-512, AVX2 and baseline x86-64 (below); kernelIsa() picks one.
LX_KERNEL_BODY void fewChannelsImage(const ImageArgs& a)
{
    const int64_t in = a.in, out = a.out, k = a.k, rows = a.rows, colsIn = a.colsIn, h = a.h, w = a.w;
    const int64_t hw = rows * colsIn, patches = out * k * k;
    float* cols = a.cols;
    std::fill(cols, cols + patches * hw, 0.0f);
    for (int64_t c = 0; c < in; ++c) { // cols (out·k·k × HW) = Wᵀ (out·k·k × in) · x (in × HW)
        const float* xc = a.x + c * hw;
        for (int64_t r = 0; r < patches; ++r) {
            const float wv = a.weight[c * patches + r];
            float* cr = cols + r * hw;
            for (int64_t p = 0; p < hw; ++p)
                cr[p] += wv * xc[p];
        }
    }
    for (int64_t o = 0; o < out; ++o) {
        float* yo = a.y + o * h * w;
        std::fill(yo, yo + h * w, a.bias ? a.bias[o] : 0.0f);
        for (int64_t ky = 0; ky < k; ++ky)
            for (int64_t kx = 0; kx < k; ++kx) {
                const float* cr = cols + ((o * k + ky) * k + kx) * hw;
                for (int64_t iy = 0; iy < rows; ++iy) {
                    const int64_t oy = iy * a.stride - a.padding + ky;
                    if (oy < 0 || oy >= h)
                        continue;
                    for (int64_t ix = 0; ix < colsIn; ++ix) {
                        const int64_t ox = ix * a.stride - a.padding + kx;
                        if (ox >= 0 && ox < w)
                            yo[oy * w + ox] += cr[iy * colsIn + ix];
                    }
                }
            }
    }
}

LX_TARGET_AVX512 void fewChannelsImageAvx512(const ImageArgs& a) { fewChannelsImage(a); }
LX_TARGET_AVX2 void fewChannelsImageAvx2(const ImageArgs& a) { fewChannelsImage(a); }
void fewChannelsImageBaseline(const ImageArgs& a) { fewChannelsImage(a); }

// fewChannelsWeightGrad for images [first, last), into acc (blocks × taps × B, taps =
// sChannels·k·k) and sums (blocks × B), both zeroed here; pad holds one image of S padded.
struct WeightGradArgs {
    const float* v;
    ChannelBlockedLayout layout;
    int64_t blocks, rows, cols;
    const float* s;
    int64_t sChannels, h, w, k, stride, padding;
    int64_t first, last;
    float* acc;
    float* sums;
    float* pad;
};

// V's channels in blocks of B lanes, one vector each (GCC's vector type: one zmm register for
// B = 16 under AVX-512, two ymm under AVX2): for every position of V and every tap (a channel
// of S and a kernel offset), acc[block][tap] += S's value there · V's lanes.
template <int B>
LX_KERNEL_BODY void weightGrad(const WeightGradArgs& a)
{
    typedef float Lanes __attribute__((vector_size(B * sizeof(float)), aligned(sizeof(float)), may_alias));
    const int64_t k = a.k, taps = a.sChannels * k * k;
    const int64_t padRows = (a.rows - 1) * a.stride + k, padCols = (a.cols - 1) * a.stride + k;
    const int64_t s0 = a.layout.strides[0], s1 = a.layout.strides[1], s2 = a.layout.strides[2], s3 = a.layout.strides[3];
    std::fill(a.acc, a.acc + a.blocks * taps * B, 0.0f);
    std::fill(a.sums, a.sums + a.blocks * B, 0.0f);
    for (int64_t i = a.first; i < a.last; ++i) {
        // This image of S with its padding (zeros also past its end, where a stride leaves
        // V's last positions reading beyond it).
        std::fill(a.pad, a.pad + a.sChannels * padRows * padCols, 0.0f);
        for (int64_t c = 0; c < a.sChannels; ++c)
            for (int64_t y = 0; y < a.h; ++y) {
                const int64_t py = y + a.padding;
                if (py < 0 || py >= padRows)
                    continue;
                for (int64_t x = 0; x < a.w; ++x) {
                    const int64_t px = x + a.padding;
                    if (px >= 0 && px < padCols)
                        a.pad[(c * padRows + py) * padCols + px] = a.s[((i * a.sChannels + c) * a.h + y) * a.w + x];
                }
            }
        for (int64_t cb = 0; cb < a.blocks; ++cb) {
            float* acc = a.acc + cb * taps * B;
            Lanes sums = *reinterpret_cast<const Lanes*>(a.sums + cb * B);
            for (int64_t r = 0; r < a.rows; ++r)
                for (int64_t col = 0; col < a.cols; ++col) {
                    const Lanes v = *reinterpret_cast<const Lanes*>(a.v + i * s0 + cb * s1 + r * s2 + col * s3);
                    sums += v;
                    float* t = acc;
                    for (int64_t c = 0; c < a.sChannels; ++c)
                        for (int64_t ky = 0; ky < k; ++ky) {
                            const float* sp = a.pad + (c * padRows + r * a.stride + ky) * padCols + col * a.stride;
                            for (int64_t kx = 0; kx < k; ++kx, t += B)
                                *reinterpret_cast<Lanes*>(t) += sp[kx] * v;
                        }
                }
            *reinterpret_cast<Lanes*>(a.sums + cb * B) = sums;
        }
    }
}

// The block sizes oneDNN uses (nChw16c, nChw8c) and a plain layout, each compiled three ways.
template <int B>
LX_TARGET_AVX512 void weightGradAvx512(const WeightGradArgs& a)
{
    weightGrad<B>(a);
}
template <int B>
LX_TARGET_AVX2 void weightGradAvx2(const WeightGradArgs& a)
{
    weightGrad<B>(a);
}
template <int B>
void weightGradBaseline(const WeightGradArgs& a)
{
    weightGrad<B>(a);
}
template <int B>
void weightGradFor(const WeightGradArgs& a)
{
    static const auto run = pickKernel(&weightGradAvx512<B>, &weightGradAvx2<B>, &weightGradBaseline<B>);
    run(a);
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
    static const auto oneImage = pickKernel(&fewChannelsImageAvx512, &fewChannelsImageAvx2, &fewChannelsImageBaseline);
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
            oneImage(ImageArgs{xi, wp, bp, yp + i * out * h * w, cols.data(), in, out, k, rows, colsIn, h, w, stride, padding});
        }
    });
    return y;
}

void fewChannelsWeightGrad(const float* v, const ChannelBlockedLayout& layout, int64_t n, int64_t channels, int64_t rows,
                           int64_t cols, const float* s, int64_t sChannels, int64_t h, int64_t w, int64_t k, int64_t stride,
                           int64_t padding, float* out, float* vSums)
{
    const int64_t b = layout.block;
    TORCH_CHECK(b == 1 || b == 8 || b == 16, "fewChannelsWeightGrad: channel blocks of 1, 8 or 16");
    const int64_t blocks = (channels + b - 1) / b, taps = sChannels * k * k;
    const int64_t padSize = sChannels * ((rows - 1) * stride + k) * ((cols - 1) * stride + k);
    // One share of the images per thread, each summed on its own, then added in a fixed order
    // (the same result however the threads are scheduled).
    const int64_t shares = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), n));
    std::vector<float> acc(size_t(shares * blocks * taps * b)), sums(size_t(shares * blocks * b));
    at::parallel_for(0, shares, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> pad(static_cast<size_t>(padSize));
        for (int64_t j = begin; j < end; ++j) {
            const WeightGradArgs a{v, layout, blocks, rows, cols, s, sChannels, h, w, k, stride, padding,
                                   n * j / shares, n * (j + 1) / shares, acc.data() + j * blocks * taps * b,
                                   sums.data() + j * blocks * b, pad.data()};
            if (b == 16)
                weightGradFor<16>(a);
            else if (b == 8)
                weightGradFor<8>(a);
            else
                weightGradFor<1>(a);
        }
    });
    for (int64_t c = 0; c < channels; ++c) {
        const int64_t cb = c / b, lane = c % b;
        for (int64_t tap = 0; tap < taps; ++tap) {
            float total = 0;
            for (int64_t j = 0; j < shares; ++j)
                total += acc[size_t(((j * blocks + cb) * taps + tap) * b + lane)];
            out[c * taps + tap] = total;
        }
        if (vSums) {
            float total = 0;
            for (int64_t j = 0; j < shares; ++j)
                total += sums[size_t((j * blocks + cb) * b + lane)];
            vSums[c] = total;
        }
    }
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
