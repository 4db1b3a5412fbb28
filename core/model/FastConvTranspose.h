#pragma once

#include <torch/torch.h>

namespace lx {

// A transposed convolution (the same function, parameters and initialisation as
// torch::nn::ConvTranspose2d) computed the fast way on CPU. LibTorch 1.13 runs
// ConvTranspose2d through its slow reference kernels (slow_conv_transpose2d: im2col + GEMM,
// ~4x slower than oneDNN's convolutions here). But a transposed convolution is the
// backward-data pass of the ordinary convolution with the same weights, and its gradients are
// that convolution's forward pass (for the input) and its backward-weights pass (for the
// weights), all of which LibTorch sends to oneDNN. So forward and backward here are three
// oneDNN calls, in a custom autograd function.
//
// The weight keeps ConvTranspose2d's layout (in × out × k × k) and the parameters are named
// "weight" and "bias" as there, so checkpoints are interchangeable. Falls back to
// torch::conv_transpose2d where oneDNN is not available or for other devices and types.
class FastConvTranspose2dImpl : public torch::nn::Cloneable<FastConvTranspose2dImpl> {
public:
    explicit FastConvTranspose2dImpl(const torch::nn::ConvTranspose2dOptions& options);
    void reset() override;
    torch::Tensor forward(const torch::Tensor& x);
    void pretty_print(std::ostream& stream) const override;

    torch::nn::ConvTranspose2dOptions options;
    torch::Tensor weight, bias;
};
TORCH_MODULE(FastConvTranspose2d);

// The function itself: conv_transpose2d(x, weight, bias, stride, padding, output_padding)
// with square kernels, no dilation, one group. `fast` false: LibTorch's own kernels.
torch::Tensor convTranspose2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                              int64_t stride, int64_t padding, int64_t outputPadding, bool fast = true);

// Whether models use the fast path: on unless LX_FAST_CONV_TRANSPOSE=0 (for side-by-side
// benchmarks), and only where oneDNN is built in.
bool fastConvTransposeEnabled();

// The forward pass of a transposed convolution with very few output channels (an image's last
// layer), by our own kernel: x N×in×rows×cols (contiguous), the output N×out×h×w (h, w fix
// output_padding). No autograd.
torch::Tensor fewChannelsTransposedForward(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                           int64_t h, int64_t w, int64_t stride, int64_t padding);

// Where element (image, channel c, row, col) of a batch lies: at
// image·strides[0] + (c / block)·strides[1] + row·strides[2] + col·strides[3] + c % block
// (block 1: a plain layout; 8 or 16: oneDNN's channel-blocked nChw8c, nChw16c).
struct ChannelBlockedLayout {
    int64_t block = 1;
    int64_t strides[4] = {0, 0, 0, 0};
};

// The same, reading the n images of x (in channels, rows×cols) from that layout.
torch::Tensor fewChannelsTransposedForward(const float* x, const ChannelBlockedLayout& layout, int64_t n, int64_t rows,
                                           int64_t cols, const torch::Tensor& weight, const torch::Tensor& bias, int64_t h,
                                           int64_t w, int64_t stride, int64_t padding);

// The weight gradient where one side of a convolution has few channels: V (n images ×
// `channels` × rows × cols, in `layout`) and S (n × sChannels × h × w, plain, contiguous),
//   out[c][s][ky][kx] = Σ_i Σ_(r,col) V[i][c][r][col] · S[i][s][r·stride − padding + ky][col·stride − padding + kx]
// (S zero outside), out channels × sChannels × k × k; and, if vSums is given, Σ V per channel.
// That is the gradient of a first convolution from few channels (V its output's gradient, S
// its input: torch's out×in×k×k) and of a last transposed convolution to few channels (V its
// input, S its output's gradient: in×out×k×k), where oneDNN on AVX2 pads the few channels to
// 8 or reorders to a GEMM (bench/RESULTS.md, session 10). Blocks of 1, 8 or 16 channels.
void fewChannelsWeightGrad(const float* v, const ChannelBlockedLayout& layout, int64_t n, int64_t channels, int64_t rows,
                           int64_t cols, const float* s, int64_t sChannels, int64_t h, int64_t w, int64_t k, int64_t stride,
                           int64_t padding, float* out, float* vSums);

} // namespace lx
