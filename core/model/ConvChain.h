#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace lx {

// One link of a chain of convolutions: a Conv2d or a ConvTranspose2d (square kernel and
// stride, no dilation, one group, with bias), optionally followed by a ReLU.
struct ConvLink {
    bool transposed = false;
    int64_t in = 0, out = 0, kernel = 0, stride = 1, padding = 0, outputPadding = 0;
    bool relu = false;
};

// Whether a chain of these links can run as one oneDNN pass (convChain below): oneDNN
// present, every link's channels match the next's, a transposed link's output_padding no
// larger than its padding, and a few-output-channel transposed link only at the end.
bool convChainSupported(const std::vector<ConvLink>& links);

// Whether models run their chains this way: on unless LX_CONV_CHAIN=0 (for side-by-side
// benchmarks).
bool convChainEnabled();

// Fully connected layers a chain may take in: a Linear (and its ReLU) whose output, unflattened
// to rows×cols images, is the chain's input (a decoder's first layers); and a Linear that takes
// the chain's flattened output (an encoder's last layer). With them the flattening happens
// in oneDNN's layout too: the Linear's weight is permuted to it instead of the activations.
struct ConvChainEnds {
    bool head = false, headRelu = false;
    int64_t headRows = 0, headCols = 0;
    bool tail = false;
};

// The chain applied to x (N×C×H×W floats on the CPU; N×D with a head): exactly the layers one after another
// (same function, outputs and gradients equal within float tolerance), but computed without
// leaving oneDNN's blocked layout between links: each link's activation stays in the
// layout its convolutions read, the ReLU runs inside the convolution that precedes it, and
// only the chain's input and output are plain N×C×H×W. params: each link's weight and bias,
// in order (weight in the layout of torch::nn::Conv2d / ConvTranspose2d), after the head's
// weight and bias and before the tail's (torch::nn::Linear's). Differentiable in x and every
// parameter.
torch::Tensor convChain(const torch::Tensor& x, const std::vector<ConvLink>& links, const std::vector<torch::Tensor>& params,
                        const ConvChainEnds& ends = {});

} // namespace lx
