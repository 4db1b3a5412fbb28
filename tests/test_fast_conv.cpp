#include "model/FastConvTranspose.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace lx;

namespace {

struct Case {
    int64_t batch, in, out, size, kernel, stride, padding, outputPadding;
};

std::string describe(const Case& c)
{
    std::ostringstream s;
    s << c.batch << "x" << c.in << "x" << c.size << "x" << c.size << " -> " << c.out << " k" << c.kernel << " s" << c.stride
      << " p" << c.padding << " op" << c.outputPadding;
    return s.str();
}

} // namespace

TEST_CASE("the fast transposed convolution equals ConvTranspose2d: outputs and every gradient", "[model][fastconv]")
{
    const Case cases[] = {
        {128, 64, 32, 7, 3, 2, 1, 1}, // the lecture's decoder, 7 → 14
        {128, 32, 1, 14, 3, 2, 1, 1}, // and 14 → 28
        {5, 3, 4, 7, 3, 2, 1, 0},     // output_padding 0: 13×13
        {3, 2, 5, 9, 5, 3, 2, 2},     // odd sizes, stride 3, output_padding 2
        {2, 4, 3, 6, 4, 2, 1, 0},     // even kernel
        {1, 1, 1, 1, 3, 1, 0, 0},     // a single pixel, stride 1
        {4, 6, 2, 5, 3, 1, 1, 0},     // stride 1 (output_padding must be 0)
    };
    torch::manual_seed(3);
    for (const Case& c : cases) {
        INFO(describe(c));
        torch::nn::ConvTranspose2d reference(torch::nn::ConvTranspose2dOptions(c.in, c.out, c.kernel)
                                                 .stride(c.stride)
                                                 .padding(c.padding)
                                                 .output_padding(c.outputPadding));
        const torch::Tensor x = torch::randn({c.batch, c.in, c.size, c.size});
        const torch::Tensor xr = x.clone().requires_grad_(true), xf = x.clone().requires_grad_(true);
        const torch::Tensor wf = reference->weight.detach().clone().requires_grad_(true);
        const torch::Tensor bf = reference->bias.detach().clone().requires_grad_(true);

        const torch::Tensor yr = reference->forward(xr);
        const torch::Tensor yf = convTranspose2d(xf, wf, bf, c.stride, c.padding, c.outputPadding, true);
        REQUIRE(yf.sizes() == yr.sizes());
        CHECK(torch::allclose(yf, yr, 1e-4, 1e-5));

        const torch::Tensor g = torch::randn_like(yr); // an arbitrary upstream gradient
        (yr * g).sum().backward();
        (yf * g).sum().backward();
        CHECK(torch::allclose(xf.grad(), xr.grad(), 1e-4, 1e-4));
        CHECK(torch::allclose(wf.grad(), reference->weight.grad(), 1e-3, 1e-3));
        CHECK(torch::allclose(bf.grad(), reference->bias.grad(), 1e-3, 1e-3));
    }
}

TEST_CASE("the fast module initialises and names its parameters as ConvTranspose2d does", "[model][fastconv]")
{
    const auto options = torch::nn::ConvTranspose2dOptions(64, 32, 3).stride(2).padding(1).output_padding(1);
    torch::manual_seed(11);
    torch::nn::ConvTranspose2d reference(options);
    torch::manual_seed(11);
    FastConvTranspose2d fast(options);
    CHECK(torch::equal(fast->weight, reference->weight));
    CHECK(torch::equal(fast->bias, reference->bias));
    const auto names = fast->named_parameters().keys();
    CHECK(names == std::vector<std::string>{"weight", "bias"});
    // The same function as a module, and a clone is an independent copy of the same kind.
    const torch::Tensor x = torch::rand({2, 64, 7, 7});
    CHECK(torch::allclose(fast->forward(x), reference->forward(x), 1e-4, 1e-5));
    auto copy = std::dynamic_pointer_cast<FastConvTranspose2dImpl>(fast->clone());
    REQUIRE(copy);
    CHECK(torch::equal(copy->weight, fast->weight));
    copy->weight.data().add_(1.0);
    CHECK_FALSE(torch::equal(copy->weight, fast->weight));
}
