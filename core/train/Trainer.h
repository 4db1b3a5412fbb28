#pragma once

#include "data/Dataset.h"
#include "train/TrainingRun.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lx {

struct TrainConfig {
    int epochs = 5;
    int batchSize = 128;
    uint64_t seed = 0;
    double timeLimitSeconds = 0; // 0: no limit; otherwise stop (as a partial epoch) once reached
    // Cosine decay of the learning rate from the run's rate to 5% of it over the run's budget
    // (its epochs, or its time limit if that comes first); off: a constant rate.
    bool cosineDecay = true;
    // The plan the decay (and a UMAP model's decoder finish, ModelSpec::decoderFinish) spans,
    // as the model's last epoch: 0 means this call's own epochs, from full rate. A window
    // that goes on with a stopped plan, or adds epochs after a finished one, gives its
    // target, so the rate goes on from where the whole plan stands instead of restarting at
    // full rate (which made the validation loss rise and the map blur again).
    int scheduleEnd = 0;
    // After each epoch, the 5-NN accuracy of the validation codes among the training codes
    // (EpochRecord::valKnn): one more pass over the training images, in eval mode. Only when
    // both parts have labels.
    bool measureKnn = true;
    // Early stopping: stop once this many whole epochs in a row bring no lower validation loss
    // than the best so far (0: never).
    int patience = 0;
    // At the end, go back to the weights, batch statistics and optimizer state of this run's
    // epoch with the lowest validation loss, dropping the later epochs from the history, so the
    // model, its history and a resume agree (Trainer::bestEpoch() says which).
    bool keepBest = false;
    // Train on fewer threads while other processes keep cores busy (threadsBesideLoad), back
    // to the configured count when they stop: OpenMP's spinning workers halved the speed
    // beside one busy process on two cores.
    bool yieldToLoad = true;
};

// Each image of x (N×1×H×W) moved, turned and scaled by its own random draw within the spec's
// augmentation (shiftAugment, rotateAugment, scaleAugment; bilinear, zero outside the image).
torch::Tensor augmentedImages(const torch::Tensor& x, const ModelSpec& spec, at::Generator& generator);

// NoImprovement: stopped early by TrainConfig::patience.
enum class TrainOutcome { Finished, Stopped, TimeLimit, NoImprovement };

// Trains a TrainingRun with Adam on a dataset's training part, evaluates the validation
// part after each epoch, and reports both through callbacks (called on the training thread).
// requestStop() may be called from any thread; the trainer stops after the current step,
// keeping the weights trained so far. A loss that becomes NaN or infinite stops training with
// lx::Error before that step's update; the weights may already have left the finite numbers
// in the step before (parametersAreFinite says), and then no save takes them.
class Trainer {
public:
    using StepCallback = std::function<void(const StepReport&)>;
    // Work before the first step (a UMAP model's layout of the training images): what, and
    // the fraction of it done.
    using PrepareCallback = std::function<void(const std::string& what, double fraction)>;
    using EpochCallback = std::function<void(const EpochRecord&)>;
    // The codes (μ for a VAE) the model computed for images it just saw, with their indices
    // in the training or validation part: free embeddings, as the trainer's own forward passes
    // produce them (training steps in train mode; the epoch's validation pass in eval mode,
    // and, where the 5-NN figure is measured, every training image's code in eval mode after
    // it: the whole map as the weights are at the epoch's end).
    // `logVar`: a VAE's posterior log σ² of the same images; undefined for an AE.
    using CodesCallback = std::function<void(bool validation, const torch::Tensor& indices, const torch::Tensor& codes,
                                             const torch::Tensor& logVar)>;

    Trainer(TrainingRun& run, const DatasetSplits& data, const TrainConfig& config);

    void onStep(StepCallback cb) { onStep_ = std::move(cb); }
    void onPrepare(PrepareCallback cb) { onPrepare_ = std::move(cb); }
    void onEpoch(EpochCallback cb) { onEpoch_ = std::move(cb); }
    void onCodes(CodesCallback cb) { onCodes_ = std::move(cb); }

    TrainOutcome run();
    void requestStop() { stop_.store(true, std::memory_order_relaxed); }
    // When *flag becomes true, run() gives up at once, even mid-evaluation, with lx::Cancelled
    // (the weights are those of the last step; the epoch under way is not recorded). For
    // shutting down, where a stop's orderly end (finishing the epoch's validation) is too slow.
    void abandonWhen(const std::atomic<bool>* flag) { abandon_ = flag; }
    // After run(): this run's epoch (numbered in the model's whole history) with the lowest
    // validation loss (0: no validation part); the model holds it if keepBest was set.
    int bestEpoch() const { return bestEpoch_; }

    // Mean loss terms over a whole dataset, in eval mode, without gradients.
    // A UMAP model's targets (TrainingRun::umapTarget) for the images of `train`. Throws
    // lx::Cancelled when *cancel becomes true.
    static std::vector<float> umapTargets(const ModelSpec& spec, const Dataset& train, const std::atomic<bool>* cancel,
                                          const PrepareCallback& progress = {});

    static EpochRecord evaluate(TrainingRun& run, const Dataset& data, const CodesCallback& codes = {},
                                const std::atomic<bool>* abandon = nullptr);

private:
    TrainingRun& run_;
    const DatasetSplits& data_;
    TrainConfig config_;
    std::atomic<bool> stop_{false};
    const std::atomic<bool>* abandon_ = nullptr;
    StepCallback onStep_;
    PrepareCallback onPrepare_;
    EpochCallback onEpoch_;
    CodesCallback onCodes_;
    int bestEpoch_ = 0;
};

// The dataset's images as one uint8 tensor N×H×W: a read-only view of the dataset's own
// pixels, valid while the dataset lives. Never write through it.
torch::Tensor datasetImages(const Dataset& data);

// Images per forward pass when evaluating or encoding a whole dataset: large enough to keep
// the cores busy, small enough that the activations stay small (fashion: 70,000 images).
constexpr int64_t kEvaluationBatch = 256;

} // namespace lx
