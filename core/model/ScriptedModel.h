#pragma once

#include "model/LatentModel.h"
#include "model/RunawayCalls.h"

#include <atomic>
#include <chrono>
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
    // TorchScript module, every entry's CRC right), loads it, checks both methods exist and
    // probes them on a small batch. Anything wrong: lx::Error naming the file and exactly what
    // is missing or wrong. `cancel`, when given and set during the probe: lx::Cancelled.
    static std::shared_ptr<ScriptedModel> load(const std::string& path, const std::atomic<bool>* cancel = nullptr);

    // Every call into the module runs on a thread of the model's own and is waited for at most
    // this long (counted from when it starts): a method that never returns (a loop with no
    // end) becomes "model.pt: decode did not answer in 10 s" rather than a hung program. From
    // then on the model refuses every call: the runaway thread cannot be stopped, only left.
    // Default 10 s, or LX_MODEL_TIMEOUT (seconds).
    static std::chrono::milliseconds defaultTimeout();
    // A shorter wait for the calls made on this thread while it lives (the GUI thread's
    // decodes: a hover must not freeze the window for 10 s).
    class ThreadTimeout {
    public:
        explicit ThreadTimeout(std::chrono::milliseconds timeout);
        ~ThreadTimeout();
        ThreadTimeout(const ThreadTimeout&) = delete;
        ThreadTimeout& operator=(const ThreadTimeout&) = delete;

    private:
        std::chrono::milliseconds previous_;
    };
    // A flag that gives up the calls made on this thread while it lives (lx::Cancelled): a
    // worker's shutdown flag, so that closing never waits on a model.
    class ThreadCancel {
    public:
        explicit ThreadCancel(const std::atomic<bool>* cancel);
        ~ThreadCancel();
        ThreadCancel(const ThreadCancel&) = delete;
        ThreadCancel& operator=(const ThreadCancel&) = delete;

    private:
        const std::atomic<bool>* previous_;
    };

    int latentDim() const override { return dim_; }
    std::string description() const override;
    std::pair<torch::Tensor, torch::Tensor> encodeDistribution(const torch::Tensor& x) override;
    torch::Tensor decode(const torch::Tensor& z) override;

    const std::string& path() const { return path_; }
    int64_t parameterCount() const;
    std::string structure() const; // the module tree, one submodule per line

    ~ScriptedModel() override;

    bool stoppedAnswering() const;

    // An exception inside a TorchScript method is one line (its last: "RuntimeError: …");
    // verbose, the interpreter's whole traceback (the CLI's --verbose).
    static void setVerboseErrors(bool verbose); // a call ran past its time: the model refuses every call

private:
    struct Runner;
    ScriptedModel();
    torch::Tensor call(const char* method, const torch::Tensor& input, const std::atomic<bool>* cancel = nullptr);
    torch::Tensor checkDecoded(torch::Tensor images, const torch::Tensor& codes);

    std::string path_;
    std::shared_ptr<torch::jit::Module> module_;
    std::shared_ptr<Runner> runner_;
    int dim_ = 0;
    std::unique_ptr<std::once_flag> outOfRangeSaid_ = std::make_unique<std::once_flag>();
};

// Whether a file looks like a TorchScript archive (a zip) rather than one of our checkpoints.
bool isTorchScriptFile(const std::string& path);

} // namespace lx
