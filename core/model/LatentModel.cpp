#include "model/LatentModel.h"

namespace lx {
namespace {

// Eval mode for the call, and the module's own mode back afterwards.
struct EvalMode {
    explicit EvalMode(Autoencoder& m) : model(m), wasTraining(m->is_training())
    {
        if (wasTraining)
            model->eval();
    }
    ~EvalMode()
    {
        if (wasTraining)
            model->train();
    }
    Autoencoder& model;
    bool wasTraining;
};

} // namespace

std::string NativeModel::description() const
{
    const ModelSpec& s = model_->spec();
    return s.arch + " " + kindTitle(s.kind) + ", latent " + std::to_string(s.latentDim);
}

std::pair<torch::Tensor, torch::Tensor> NativeModel::encodeDistribution(const torch::Tensor& x)
{
    torch::NoGradGuard noGrad;
    EvalMode eval(model_);
    return model_->encodeDistribution(x);
}

torch::Tensor NativeModel::decode(const torch::Tensor& z)
{
    torch::NoGradGuard noGrad;
    EvalMode eval(model_);
    return model_->decode(z);
}

} // namespace lx
