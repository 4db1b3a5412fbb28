#pragma once

#include "model/ArchitecturePlan.h"
#include "model/ConvChain.h"
#include "model/ModelSpec.h"

#include <torch/torch.h>

namespace lx {

struct ModelOutput {
    torch::Tensor reconstruction; // N×1×H×W in [0,1]
    torch::Tensor mu;             // N×D: the code of an AE, the mean of a VAE
    torch::Tensor logVar;         // N×D for a VAE, undefined for an AE
};

struct LossTerms {
    torch::Tensor total;          // what is minimised
    torch::Tensor reconstruction; // mean per pixel (MSE or BCE)
    torch::Tensor kl;             // VAE: mean per image, in nats; undefined for an AE
};

// An autoencoder or VAE built layer by layer from a ModelSpec (see ArchitecturePlan).
// Cloneable, so the GUI can take deep copies of the weights while training goes on.
class AutoencoderImpl : public torch::nn::Cloneable<AutoencoderImpl> {
public:
    explicit AutoencoderImpl(const ModelSpec& spec);
    void reset() override; // (re)builds the layers from the spec

    // The code of x (N×1×H×W in [0,1]); for a VAE, the mean μ.
    torch::Tensor encode(const torch::Tensor& x);
    // VAE: μ and log σ²; AE: the code and an undefined tensor.
    std::pair<torch::Tensor, torch::Tensor> encodeDistribution(const torch::Tensor& x);
    torch::Tensor decode(const torch::Tensor& z);
    // In training mode a VAE samples z = μ + σ·ε; in eval mode it decodes μ.
    ModelOutput forward(const torch::Tensor& x);

    const ModelSpec& spec() const { return spec_; }
    // The layers, in the order of the spec's ArchitecturePlan.
    torch::nn::Sequential encoderLayers() const { return encoder_; }
    torch::nn::Sequential decoderLayers() const { return decoder_; }

private:
    // A run of layers that forward() computes together: one module, or a chain of
    // convolutions (with their ReLUs) that runs as one oneDNN pass (model/ConvChain).
    struct Segment {
        size_t begin = 0, end = 0;       // layers [begin, end) of the Sequential
        std::vector<ConvLink> links;     // empty: run the one module `begin`
        ConvChainEnds ends;              // a Linear before (head) or after (tail) the links
        std::vector<size_t> paramLayers; // the layers holding the weights and biases, in order
        bool fastLinear = false;         // the one module is a Linear for model/FastLinear
    };
    static std::vector<Segment> segmentsOf(const std::vector<PlannedLayer>& layers);
    static torch::Tensor run(torch::nn::Sequential seq, const std::vector<Segment>& segments, torch::Tensor h);

    ModelSpec spec_;
    torch::nn::Sequential encoder_{nullptr};
    torch::nn::Sequential decoder_{nullptr};
    std::vector<Segment> encoderSegments_, decoderSegments_;
};
TORCH_MODULE(Autoencoder);

// Reconstruction loss per pixel, plus β·KL/pixels for a VAE, so that one number compares
// across models and the VAE's total is the usual per-image ELBO divided by the pixel count.
LossTerms computeLoss(const ModelSpec& spec, const ModelOutput& out, const torch::Tensor& x);

// Images (N×H×W bytes) to the float batch the models take: N×1×H×W in [0,1].
torch::Tensor imagesToTensor(const torch::Tensor& bytes);

} // namespace lx
