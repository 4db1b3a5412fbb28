#include "model/Autoencoder.h"
#include "model/ConvChain.h"
#include "model/FastConvTranspose.h"
#include "model/FastLinear.h"

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

namespace {

// The chain's reference: the same layers one after another, as LibTorch computes them.
torch::Tensor referenceChain(const torch::Tensor& x, const std::vector<ConvLink>& links, const std::vector<torch::Tensor>& p)
{
    torch::Tensor h = x;
    for (size_t i = 0; i < links.size(); ++i) {
        const ConvLink& l = links[i];
        h = l.transposed ? torch::conv_transpose2d(h, p[2 * i], p[2 * i + 1], l.stride, l.padding, l.outputPadding)
                         : torch::conv2d(h, p[2 * i], p[2 * i + 1], l.stride, l.padding);
        if (l.relu)
            h = torch::relu(h);
    }
    return h;
}

std::vector<torch::Tensor> randomParameters(const std::vector<ConvLink>& links)
{
    std::vector<torch::Tensor> p;
    for (const ConvLink& l : links) {
        const double scale = 1.0 / std::sqrt(double(l.in * l.kernel * l.kernel));
        p.push_back((l.transposed ? torch::randn({l.in, l.out, l.kernel, l.kernel}) : torch::randn({l.out, l.in, l.kernel, l.kernel}))
                    * scale);
        p.push_back(torch::randn({l.out}) * 0.1);
    }
    return p;
}

// Outputs equal; then, for one random upstream gradient, the gradients of x and of every
// parameter.
void checkSameFunction(const torch::Tensor& xr, const torch::Tensor& yr, const std::vector<torch::Tensor>& pr,
                       const torch::Tensor& xf, const torch::Tensor& yf, const std::vector<torch::Tensor>& pf)
{
    REQUIRE(yf.sizes() == yr.sizes());
    CHECK(torch::allclose(yf, yr, 1e-4, 1e-4));
    const torch::Tensor g = torch::randn_like(yr);
    (yr * g).sum().backward();
    (yf * g).sum().backward();
    CHECK(torch::allclose(xf.grad(), xr.grad(), 1e-3, 1e-3));
    for (size_t i = 0; i < pr.size(); ++i) {
        INFO("parameter " << i);
        REQUIRE(pf[i].grad().defined());
        CHECK(torch::allclose(pf[i].grad(), pr[i].grad(), 1e-3, 1e-3));
    }
}

// The model's forward pass (its fast paths) against its layers run one by one as modules:
// the reconstruction and the gradient of every parameter for an MSE loss.
void checkModelEqualsItsLayers(Autoencoder& model, const torch::Tensor& x)
{
    const torch::Tensor fast = model->forward(x).reconstruction;
    torch::mse_loss(fast, x).backward();
    std::vector<torch::Tensor> fastGrads;
    for (const torch::Tensor& p : model->parameters()) {
        fastGrads.push_back(p.grad().clone());
        p.mutable_grad() = torch::Tensor();
    }
    const torch::Tensor layered = model->decoderLayers()->forward(model->encoderLayers()->forward(x));
    torch::mse_loss(layered, x).backward();
    CHECK(torch::allclose(fast, layered, 1e-5, 1e-5));
    const auto params = model->parameters();
    for (size_t i = 0; i < params.size(); ++i) {
        INFO("parameter " << i);
        CHECK(torch::allclose(fastGrads[i], params[i].grad(), 1e-4, 1e-6));
    }
}

} // namespace

TEST_CASE("a chain of convolutions in oneDNN's layouts equals the layers one after another", "[model][fastconv][chain]")
{
    struct ChainCase {
        const char* what;
        int64_t batch, size;
        std::vector<ConvLink> links;
    };
    const ChainCase cases[] = {
        {"the lecture's encoder", 128, 28, {{false, 1, 32, 3, 2, 1, 0, true}, {false, 32, 64, 3, 2, 1, 0, true}}},
        {"the lecture's decoder", 128, 7, {{true, 64, 32, 3, 2, 1, 1, true}, {true, 32, 1, 3, 2, 1, 1, false}}},
        {"odd batch and size, output_padding 0", 5, 9, {{true, 16, 20, 3, 2, 1, 0, true}, {true, 20, 2, 3, 2, 1, 0, false}}},
        {"channels not multiples of 16, stride 1", 3, 11,
         {{false, 3, 5, 3, 1, 1, 0, true}, {false, 5, 7, 5, 2, 2, 0, false}, {true, 7, 6, 4, 2, 1, 0, true}}},
        {"a transposed link in the middle, no ReLU at the end", 4, 6,
         {{false, 2, 24, 3, 2, 1, 0, true}, {true, 24, 16, 3, 2, 1, 1, true}, {false, 16, 8, 3, 1, 1, 0, false}}},
        {"one link", 2, 8, {{true, 8, 1, 3, 2, 1, 1, true}}},
    };
    torch::manual_seed(5);
    for (const ChainCase& c : cases) {
        INFO(c.what);
        REQUIRE(convChainSupported(c.links));
        const std::vector<torch::Tensor> params = randomParameters(c.links);
        std::vector<torch::Tensor> pr, pf;
        for (const torch::Tensor& p : params) {
            pr.push_back(p.clone().requires_grad_(true));
            pf.push_back(p.clone().requires_grad_(true));
        }
        const torch::Tensor x = torch::randn({c.batch, c.links[0].in, c.size, c.size});
        const torch::Tensor xr = x.clone().requires_grad_(true), xf = x.clone().requires_grad_(true);
        const torch::Tensor yr = referenceChain(xr, c.links, pr);
        checkSameFunction(xr, yr, pr, xf, convChain(xf, c.links, pf), pf);
        // Twice more, the second time without gradients for x: the cached primitives serve.
        const torch::Tensor again = convChain(x, c.links, pf);
        CHECK(torch::allclose(again, yr, 1e-4, 1e-4));
    }
}

TEST_CASE("a chain with fully connected ends equals Linear, ReLU, unflatten, the links, flatten, Linear", "[model][fastconv][chain]")
{
    struct EndsCase {
        const char* what;
        int64_t batch, size, codeIn, codeOut; // size: of the head's images (or the chain's input)
        ConvChainEnds ends;
        std::vector<ConvLink> links;
    };
    const EndsCase cases[] = {
        {"the lecture's encoder and its Linear", 128, 28, 0, 2, {false, false, 0, 0, true},
         {{false, 1, 32, 3, 2, 1, 0, true}, {false, 32, 64, 3, 2, 1, 0, true}}},
        {"the lecture's decoder and its Linear", 128, 7, 2, 0, {true, true, 7, 7, false},
         {{true, 64, 32, 3, 2, 1, 1, true}, {true, 32, 1, 3, 2, 1, 1, false}}},
        {"channels not a multiple of the block, both ends, no ReLU in the head", 5, 5, 3, 4, {true, false, 5, 5, true},
         {{false, 6, 20, 3, 1, 1, 0, true}, {true, 20, 10, 3, 2, 1, 0, true}}},
        {"both ends around a transposed chain", 3, 4, 8, 6, {true, true, 4, 4, true},
         {{true, 32, 16, 3, 2, 1, 1, true}, {false, 16, 48, 3, 1, 1, 0, true}}},
        // The head writes the only link's input in a blocked layout: its weights' gradient
        // must read it so.
        {"a head, then one transposed link to one channel", 4, 7, 3, 0, {true, true, 7, 7, false},
         {{true, 32, 1, 3, 2, 1, 1, false}}},
    };
    torch::manual_seed(7);
    for (const EndsCase& c : cases) {
        INFO(c.what);
        REQUIRE(convChainSupported(c.links));
        std::vector<torch::Tensor> params;
        const int64_t chainIn = c.links.front().in * c.size * c.size;
        if (c.ends.head) {
            params.push_back(torch::randn({chainIn, c.codeIn}) * 0.5);
            params.push_back(torch::randn({chainIn}) * 0.1);
        }
        for (const torch::Tensor& p : randomParameters(c.links))
            params.push_back(p);
        torch::Tensor probe = torch::zeros({1, c.links.front().in, c.size, c.size});
        probe = referenceChain(probe, c.links, std::vector<torch::Tensor>(params.begin() + (c.ends.head ? 2 : 0), params.end()));
        const int64_t chainOut = probe.numel();
        if (c.ends.tail) {
            params.push_back(torch::randn({c.codeOut, chainOut}) / std::sqrt(double(chainOut)));
            params.push_back(torch::randn({c.codeOut}) * 0.1);
        }
        std::vector<torch::Tensor> pr, pf;
        for (const torch::Tensor& p : params) {
            pr.push_back(p.clone().requires_grad_(true));
            pf.push_back(p.clone().requires_grad_(true));
        }
        const torch::Tensor x = c.ends.head ? torch::randn({c.batch, c.codeIn})
                                            : torch::randn({c.batch, c.links.front().in, c.size, c.size});
        const torch::Tensor xr = x.clone().requires_grad_(true), xf = x.clone().requires_grad_(true);
        torch::Tensor h = xr;
        size_t first = 0;
        if (c.ends.head) {
            h = torch::linear(h, pr[0], pr[1]);
            if (c.ends.headRelu)
                h = torch::relu(h);
            h = h.view({c.batch, c.links.front().in, c.size, c.size});
            first = 2;
        }
        h = referenceChain(h, c.links, std::vector<torch::Tensor>(pr.begin() + long(first), pr.begin() + long(first + 2 * c.links.size())));
        if (c.ends.tail)
            h = torch::linear(h.flatten(1), pr[pr.size() - 2], pr.back());
        checkSameFunction(xr, h, pr, xf, convChain(xf, c.links, pf, c.ends), pf);
    }
}

TEST_CASE("chains that oneDNN cannot run as one are refused", "[model][fastconv][chain]")
{
    CHECK_FALSE(convChainSupported({}));
    CHECK_FALSE(convChainSupported({{false, 1, 8, 3, 2, 1, 0, true}, {false, 4, 8, 3, 2, 1, 0, true}})); // 8 ≠ 4
    CHECK_FALSE(convChainSupported({{true, 8, 4, 3, 2, 0, 1, true}}));          // output_padding > padding
    CHECK_FALSE(convChainSupported({{true, 8, 1, 3, 2, 1, 1, true}, {false, 1, 4, 3, 1, 1, 0, false}})); // few channels mid-chain
}

TEST_CASE("the lecture's model runs its convolutions as chains, with the layers' own results", "[model][fastconv][chain]")
{
    torch::manual_seed(9);
    Autoencoder model(presetSpec("lecture", 2));
    model->train();
    checkModelEqualsItsLayers(model, torch::rand({37, 1, 28, 28}));
    // Batches of one and of none (decoding one point, an empty selection) work too.
    torch::NoGradGuard noGrad;
    model->eval();
    CHECK(torch::allclose(model->decode(torch::zeros({1, 2})),
                          model->decoderLayers()->forward(torch::zeros({1, 2})), 1e-5, 1e-5));
    CHECK(model->decode(torch::zeros({0, 2})).sizes() == torch::IntArrayRef({0, 1, 28, 28}));
    CHECK(model->encode(torch::zeros({0, 1, 28, 28})).sizes() == torch::IntArrayRef({0, 2}));
}

TEST_CASE("the oneDNN Linear equals torch::nn::Linear: outputs and every gradient", "[model][fastlinear]")
{
    struct Shape {
        int64_t batch, in, out;
    };
    torch::manual_seed(13);
    for (const Shape& c : {Shape{128, 3136, 512}, Shape{1, 512, 128}, Shape{37, 785, 259}, Shape{64, 2, 3136}}) {
        INFO(c.batch << "x" << c.in << " -> " << c.out);
        torch::nn::Linear reference(c.in, c.out);
        const torch::Tensor x = torch::randn({c.batch, c.in});
        const torch::Tensor xr = x.clone().requires_grad_(true), xf = x.clone().requires_grad_(true);
        const torch::Tensor wf = reference->weight.detach().clone().requires_grad_(true);
        const torch::Tensor bf = reference->bias.detach().clone().requires_grad_(true);
        checkSameFunction(xr, reference->forward(xr), {reference->weight, reference->bias}, xf, fastLinear(xf, wf, bf),
                          {wf, bf});
    }
}

TEST_CASE("the conv model runs its big Linear layers through oneDNN, with the layers' own results", "[model][fastlinear]")
{
    torch::manual_seed(17);
    Autoencoder model(presetSpec("conv", 2));
    model->eval(); // batch norm from its running statistics: the same in both passes
    checkModelEqualsItsLayers(model, torch::rand({19, 1, 28, 28}));
}

TEST_CASE("the few-channel weight gradient equals LibTorch's, from plain and channel-blocked layouts", "[model][fastconv]")
{
    // V's channels against S's few: out[c][s][ky][kx] = Σ V[i][c][r][col] · S[i][s][r·stride − p + ky][col·stride − p + kx],
    // which is the weight gradient of conv2d(S, W) for the upstream gradient V.
    struct GradCase {
        int64_t n, channels, sChannels, size, kernel, stride, padding;
    };
    const GradCase cases[] = {
        {6, 32, 1, 28, 3, 2, 1}, // the lecture's first convolution (and its last transposed one)
        {3, 20, 2, 9, 3, 2, 1},  // channels not a multiple of the block, two few channels
        {2, 7, 1, 6, 4, 1, 2},   // stride 1, V larger than S
        {1, 16, 2, 5, 5, 2, 0},  // no padding
    };
    torch::manual_seed(9);
    for (const GradCase& c : cases) {
        const torch::Tensor s = torch::randn({c.n, c.sChannels, c.size, c.size});
        const torch::Tensor weight = torch::zeros({c.channels, c.sChannels, c.kernel, c.kernel}).requires_grad_(true);
        const torch::Tensor y = torch::conv2d(s, weight, {}, c.stride, c.padding);
        const torch::Tensor v = torch::randn_like(y);
        (y * v).sum().backward();
        const int64_t rows = y.size(2), cols = y.size(3);
        for (const int64_t block : {1, 8, 16}) {
            INFO(c.channels << " channels against " << c.sChannels << ", " << c.size << "² k" << c.kernel << " s" << c.stride
                            << " p" << c.padding << ", blocks of " << block);
            // V in oneDNN's nChw{block}c: channels padded with zeros to whole blocks, each block
            // an image of `block`-lane pixels.
            const int64_t blocks = (c.channels + block - 1) / block;
            torch::Tensor padded = torch::zeros({c.n, blocks * block, rows, cols});
            padded.narrow(1, 0, c.channels).copy_(v);
            const torch::Tensor blocked = padded.view({c.n, blocks, block, rows, cols}).permute({0, 1, 3, 4, 2}).contiguous();
            const ChannelBlockedLayout layout{block, {blocks * rows * cols * block, rows * cols * block, cols * block, block}};
            torch::Tensor out = torch::full({c.channels, c.sChannels, c.kernel, c.kernel}, 99.0f);
            torch::Tensor sums = torch::full({c.channels}, 99.0f);
            fewChannelsWeightGrad(blocked.data_ptr<float>(), layout, c.n, c.channels, rows, cols, s.data_ptr<float>(),
                                  c.sChannels, c.size, c.size, c.kernel, c.stride, c.padding, out.data_ptr<float>(),
                                  sums.data_ptr<float>());
            CHECK(torch::allclose(out, weight.grad(), 1e-4, 1e-3));
            CHECK(torch::allclose(sums, v.sum({0, 2, 3}), 1e-4, 1e-3));
        }
    }
}
