#pragma once

#include "model/LatentModel.h"

#include <memory>
#include <mutex>
#include <string>

namespace torch::jit {
struct Module;
}

namespace lx {

// A model from Python: a TorchScript file (torch.jit.save) whose module has the methods
//   encode(x: Tensor[N, 1, 28, 28] in [0, 1]) -> Tensor[N, D]
//   decode(z: Tensor[N, D]) -> Tensor[N, 1, 28, 28] in [0, 1]
// D is found by calling encode. Explored like our own models; not trained here.
class ScriptedModel : public LatentModel {
public:
    // Checks the file before LibTorch reads it (a zip archive of a sensible size holding a
    // TorchScript module), loads it, checks both methods exist and probes them on a small
    // batch. Anything wrong: lx::Error naming the file and exactly what is missing or wrong.
    static std::shared_ptr<ScriptedModel> load(const std::string& path);

    int latentDim() const override { return dim_; }
    std::string description() const override;
    std::pair<torch::Tensor, torch::Tensor> encodeDistribution(const torch::Tensor& x) override;
    torch::Tensor decode(const torch::Tensor& z) override;

    const std::string& path() const { return path_; }
    int64_t parameterCount() const;
    std::string structure() const; // the module tree, one submodule per line

    ~ScriptedModel() override;

private:
    ScriptedModel() = default;
    torch::Tensor call(const char* method, const torch::Tensor& input);

    std::string path_;
    std::unique_ptr<torch::jit::Module> module_;
    int dim_ = 0;
    std::unique_ptr<std::once_flag> outOfRangeSaid_ = std::make_unique<std::once_flag>();
};

// Whether a file looks like a TorchScript archive (a zip) rather than one of our checkpoints.
bool isTorchScriptFile(const std::string& path);

} // namespace lx
