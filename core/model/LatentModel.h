#pragma once

#include "model/Autoencoder.h"

#include <torch/torch.h>

#include <string>
#include <utility>

namespace lx {

// What exploring a model needs: encode images into codes and decode codes into images. Two
// kinds: a NativeModel (our Autoencoder, built from a spec; trainable) and a ScriptedModel
// (a TorchScript file from Python; explored, not trained). Calls run without gradients, in
// eval mode.
class LatentModel {
public:
    virtual ~LatentModel() = default;

    virtual int latentDim() const = 0;
    virtual bool isVae() const { return false; }
    virtual int imageRows() const { return 28; }
    virtual int imageCols() const { return 28; }
    virtual std::string description() const = 0; // "conv AE, latent 2", "TorchScript model.pt, latent 16"
    virtual const ModelSpec* spec() const { return nullptr; } // native models only

    // x: N×1×H×W floats in [0, 1]. The codes (μ for a VAE), and log σ² for a VAE (else an
    // undefined tensor).
    virtual std::pair<torch::Tensor, torch::Tensor> encodeDistribution(const torch::Tensor& x) = 0;
    torch::Tensor encode(const torch::Tensor& x) { return encodeDistribution(x).first; }
    // z: N×D floats; N×1×H×W in [0, 1].
    virtual torch::Tensor decode(const torch::Tensor& z) = 0;
};

// Our own models. Shares the module (not a copy): a model being trained is switched to eval
// mode for each call and back.
class NativeModel : public LatentModel {
public:
    explicit NativeModel(Autoencoder model) : model_(std::move(model)) {}

    int latentDim() const override { return model_->spec().latentDim; }
    bool isVae() const override { return model_->spec().isVae(); }
    int imageRows() const override { return model_->spec().imageRows; }
    int imageCols() const override { return model_->spec().imageCols; }
    std::string description() const override;
    const ModelSpec* spec() const override { return &model_->spec(); }
    std::pair<torch::Tensor, torch::Tensor> encodeDistribution(const torch::Tensor& x) override;
    torch::Tensor decode(const torch::Tensor& z) override;

    Autoencoder& module() { return model_; }

private:
    Autoencoder model_;
};

} // namespace lx
