#include "model/Autoencoder.h"

#include "model/ArchitecturePlan.h"
#include "model/FastConvTranspose.h"
#include "model/FastLinear.h"

#include <cstdio>
#include <mutex>

namespace lx {
namespace {

torch::nn::AnyModule activationModule(Activation a)
{
    switch (a) {
    case Activation::LeakyRelu: return torch::nn::AnyModule(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.01)));
    case Activation::Silu: return torch::nn::AnyModule(torch::nn::SiLU());
    case Activation::Relu: break;
    }
    return torch::nn::AnyModule(torch::nn::ReLU());
}

torch::nn::Sequential build(const std::vector<PlannedLayer>& layers)
{
    torch::nn::Sequential seq;
    for (const PlannedLayer& l : layers) {
        switch (l.type) {
        case LayerType::Conv:
            seq->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(l.in.channels, l.conv.channels, l.conv.kernel)
                                                 .stride(l.conv.stride)
                                                 .padding(l.conv.padding)));
            break;
        case LayerType::ConvTranspose:
            seq->push_back(FastConvTranspose2d(
                torch::nn::ConvTranspose2dOptions(l.in.channels, l.conv.channels, l.conv.kernel)
                    .stride(l.conv.stride)
                    .padding(l.conv.padding)
                    .output_padding(l.conv.outputPadding)));
            break;
        case LayerType::Linear: seq->push_back(torch::nn::Linear(l.in.size(), l.out.size())); break;
        case LayerType::BatchNorm:
            if (l.in.flat)
                seq->push_back(torch::nn::BatchNorm1d(l.in.channels));
            else
                seq->push_back(torch::nn::BatchNorm2d(l.in.channels));
            break;
        case LayerType::Act: seq->push_back(activationModule(l.activation)); break;
        case LayerType::Flatten: seq->push_back(torch::nn::Flatten()); break;
        case LayerType::Unflatten:
            seq->push_back(torch::nn::Unflatten(
                torch::nn::UnflattenOptions(1, {l.out.channels, l.out.rows, l.out.cols})));
            break;
        case LayerType::Sigmoid: seq->push_back(torch::nn::Sigmoid()); break;
        }
    }
    return seq;
}

} // namespace

AutoencoderImpl::AutoencoderImpl(const ModelSpec& spec) : spec_(spec)
{
    reset();
}

void AutoencoderImpl::reset()
{
    const ArchitecturePlan plan = validPlan(spec_);
    encoder_ = register_module("encoder", build(plan.encoder));
    decoder_ = register_module("decoder", build(plan.decoder));
    encoderSegments_ = segmentsOf(plan.encoder);
    decoderSegments_ = segmentsOf(plan.decoder);
}

std::vector<AutoencoderImpl::Segment> AutoencoderImpl::segmentsOf(const std::vector<PlannedLayer>& layers)
{
    const auto is = [&](size_t i, LayerType t) { return i < layers.size() && layers[i].type == t; };
    const auto isRelu = [&](size_t i) { return is(i, LayerType::Act) && layers[i].activation == Activation::Relu; };
    std::vector<Segment> segments;
    for (size_t i = 0; i < layers.size();) {
        Segment chain;
        chain.begin = i;
        size_t j = i;
        // A head: Linear, an optional ReLU, Unflatten, then the convolutions.
        if (is(j, LayerType::Linear)) {
            const size_t unflatten = j + (isRelu(j + 1) ? 2 : 1);
            if (is(unflatten, LayerType::Unflatten)
                && (is(unflatten + 1, LayerType::Conv) || is(unflatten + 1, LayerType::ConvTranspose))) {
                chain.ends.head = true;
                chain.ends.headRelu = unflatten == j + 2;
                chain.ends.headRows = layers[unflatten].out.rows;
                chain.ends.headCols = layers[unflatten].out.cols;
                chain.paramLayers.push_back(j);
                j = unflatten + 1;
            }
        }
        // The longest run from here of convolutions, each optionally followed by a ReLU.
        while (is(j, LayerType::Conv) || is(j, LayerType::ConvTranspose)) {
            const PlannedLayer& l = layers[j];
            ConvLink link{l.type == LayerType::ConvTranspose, l.in.channels, l.conv.channels, l.conv.kernel,
                          l.conv.stride, l.conv.padding, l.conv.outputPadding, false};
            chain.paramLayers.push_back(j++);
            if (isRelu(j)) {
                link.relu = true;
                ++j;
            }
            chain.links.push_back(link);
        }
        // A tail: Flatten, Linear.
        if (!chain.links.empty() && is(j, LayerType::Flatten) && is(j + 1, LayerType::Linear)) {
            chain.ends.tail = true;
            chain.paramLayers.push_back(j + 1);
            j += 2;
        }
        chain.end = j;
        if (chain.links.size() >= 2 && fastConvTransposeEnabled() && convChainEnabled() && convChainSupported(chain.links)) {
            segments.push_back(std::move(chain));
            i = j;
        } else {
            Segment one{i, i + 1, {}, {}, {}, false};
            one.fastLinear = layers[i].type == LayerType::Linear && fastLinearEnabled()
                             && fastLinearWorthIt(layers[i].in.size(), layers[i].out.size());
            segments.push_back(std::move(one));
            ++i;
        }
    }
    return segments;
}

namespace {

// Whether a fast path can take h: CPU floats of the given rank, a batch of at least one
// (oneDNN has no primitives for empty ones).
bool fastPathInput(const torch::Tensor& h, int64_t dim)
{
    return h.device().is_cpu() && h.scalar_type() == torch::kFloat32 && h.dim() == dim && h.size(0) > 0;
}

// Runs a fast path; if it throws (oneDNN made no primitive for this shape), says so once per
// path on stderr and returns false, for the caller to run the layers one by one.
template <class Run>
bool ranFast(std::once_flag& warned, const char* fallback, Run run)
{
    try {
        run();
        return true;
    } catch (const std::exception& e) {
        std::call_once(warned, [&] { std::fprintf(stderr, "latent-explorer: %s (%s)\n", fallback, e.what()); });
        return false;
    }
}

} // namespace

torch::Tensor AutoencoderImpl::run(torch::nn::Sequential seq, const std::vector<Segment>& segments, torch::Tensor h)
{
    static std::once_flag chainWarned, linearWarned;
    for (const Segment& s : segments) {
        if (!s.links.empty() && fastPathInput(h, s.ends.head ? 2 : 4)) {
            std::vector<torch::Tensor> params;
            for (size_t i : s.paramLayers) { // Conv2d, FastConvTranspose2d or Linear: each a weight and a bias
                const auto own = seq->ptr(i)->named_parameters(/*recurse=*/false);
                params.push_back(own["weight"]);
                params.push_back(own["bias"]);
            }
            if (ranFast(chainWarned, "convolutions run layer by layer",
                        [&] { h = convChain(h, s.links, params, s.ends); }))
                continue;
        }
        if (s.fastLinear && fastPathInput(h, 2)) {
            const auto* linear = seq->ptr(s.begin)->as<torch::nn::Linear>();
            if (ranFast(linearWarned, "linear layers run through LibTorch",
                        [&] { h = fastLinear(h, linear->weight, linear->bias); }))
                continue;
        }
        for (size_t i = s.begin; i < s.end; ++i)
            h = seq->begin()[long(i)].forward(h);
    }
    return h;
}

torch::Tensor AutoencoderImpl::encode(const torch::Tensor& x)
{
    return encodeDistribution(x).first;
}

std::pair<torch::Tensor, torch::Tensor> AutoencoderImpl::encodeDistribution(const torch::Tensor& x)
{
    torch::Tensor h = run(encoder_, encoderSegments_, x);
    if (!spec_.isVae())
        return {h, torch::Tensor()};
    auto parts = h.chunk(2, 1);
    return {parts[0], parts[1]};
}

torch::Tensor AutoencoderImpl::decode(const torch::Tensor& z)
{
    return run(decoder_, decoderSegments_, z);
}

ModelOutput AutoencoderImpl::forward(const torch::Tensor& x)
{
    ModelOutput out;
    std::tie(out.mu, out.logVar) = encodeDistribution(x);
    torch::Tensor z = out.mu;
    if (spec_.isVae() && is_training())
        z = out.mu + torch::randn_like(out.mu) * torch::exp(0.5 * out.logVar);
    out.reconstruction = decode(z);
    return out;
}

LossTerms computeLoss(const ModelSpec& spec, const ModelOutput& out, const torch::Tensor& x)
{
    LossTerms t;
    t.reconstruction = spec.loss == LossKind::Bce ? torch::binary_cross_entropy(out.reconstruction, x)
                                                  : torch::mse_loss(out.reconstruction, x);
    t.total = t.reconstruction;
    if (spec.isVae()) {
        t.kl = (-0.5 * (1 + out.logVar - out.mu.pow(2) - out.logVar.exp()).sum(1)).mean();
        t.total = t.reconstruction + spec.beta * t.kl / double(spec.imageRows * spec.imageCols);
    }
    return t;
}

torch::Tensor imagesToTensor(const torch::Tensor& bytes)
{
    return bytes.unsqueeze(1).to(torch::kFloat32).div_(255.0f);
}

} // namespace lx
