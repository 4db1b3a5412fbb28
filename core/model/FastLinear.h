#pragma once

#include <torch/torch.h>

namespace lx {

// y = x·Wᵀ + b, exactly torch::nn::Linear's function (x N×in, weight out×in, bias out), with
// the three products of its forward and backward passes done by oneDNN's matmul. Its AVX-512
// kernels ran the conv model's 3136×512 layers 2× as fast as OpenBLAS with the Haswell kernels
// this machine's environment picks, and ~15 % faster than OpenBLAS's own AVX-512 ones.
// Differentiable in x, weight and bias.
torch::Tensor fastLinear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// Whether a Linear layer of this size is worth it (small ones are faster through LibTorch,
// whose call costs less than a primitive's), and whether models use it at all: on unless
// LX_FAST_LINEAR=0 (for side-by-side benchmarks).
bool fastLinearWorthIt(int64_t in, int64_t out);
bool fastLinearEnabled();

} // namespace lx
