#include "train/Trainer.h"

#include "common/Error.h"
#include "train/AdamStep.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace lx {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

void checkCompatible(const TrainingRun& run, const DatasetSplits& data)
{
    if (data.train.count == 0)
        throw Error(data.name + ": the training part is empty");
    if (data.train.rows != run.spec.imageRows || data.train.cols != run.spec.imageCols)
        throw Error(data.name + ": images are " + std::to_string(data.train.rows) + "x" + std::to_string(data.train.cols)
                    + " but the model takes " + std::to_string(run.spec.imageRows) + "x"
                    + std::to_string(run.spec.imageCols));
}

} // namespace

double cosineRate(double baseRate, double progress)
{
    const double p = std::clamp(progress, 0.0, 1.0);
    return baseRate * (0.05 + 0.95 * 0.5 * (1.0 + std::cos(M_PI * p)));
}

torch::Tensor datasetImages(const Dataset& data)
{
    // A view, not a copy (fashion's 60,000 training images are 47 MB): only read from.
    return torch::from_blob(const_cast<uint8_t*>(data.pixels.data()), {data.count, data.rows, data.cols}, torch::kUInt8);
}

Trainer::Trainer(TrainingRun& run, const DatasetSplits& data, const TrainConfig& config)
    : run_(run), data_(data), config_(config)
{
    if (config_.epochs < 1)
        throw Error("the number of epochs must be at least 1");
    if (config_.batchSize < 1 || config_.batchSize > 65536)
        throw Error("the batch size must be from 1 to 65536");
    checkCompatible(run, data);
}

EpochRecord Trainer::evaluate(TrainingRun& run, const Dataset& data, const CodesCallback& codes,
                              const std::atomic<bool>* abandon)
{
    EpochRecord r;
    if (data.count == 0)
        return r;
    torch::NoGradGuard noGrad;
    const bool wasTraining = run.model->is_training();
    run.model->eval();
    const torch::Tensor images = datasetImages(data);
    const int64_t batch = kEvaluationBatch;
    for (int64_t start = 0; start < data.count; start += batch) {
        if (abandon && abandon->load(std::memory_order_relaxed)) {
            run.model->train(wasTraining);
            throw Cancelled();
        }
        const torch::Tensor x = imagesToTensor(images.slice(0, start, std::min(start + batch, data.count)));
        const ModelOutput out = run.model->forward(x);
        const LossTerms t = computeLoss(run.spec, out, x);
        if (codes)
            codes(true, torch::arange(start, start + x.size(0), torch::kLong), out.mu, out.logVar);
        const double w = double(x.size(0)) / double(data.count);
        r.valLoss += w * t.total.item<double>();
        r.valRecon += w * t.reconstruction.item<double>();
        if (t.kl.defined())
            r.valKl += w * t.kl.item<double>();
    }
    run.model->train(wasTraining);
    return r;
}

TrainOutcome Trainer::run()
{
    const int64_t n = data_.train.count;
    const int64_t stepsPerEpoch = (n + config_.batchSize - 1) / config_.batchSize;
    const torch::Tensor images = datasetImages(data_.train);
    const int firstEpoch = run_.epochsDone() + 1;
    // Seeded by the run's seed and the model's age, so resuming continues deterministically.
    torch::manual_seed(config_.seed * 1000003ull + uint64_t(firstEpoch));
    auto generator = at::detail::createCPUGenerator(config_.seed * 7919ull + uint64_t(firstEpoch));

    run_.model->train();
    double trainSeconds = 0;
    int64_t imagesSeen = 0;
    TrainOutcome outcome = TrainOutcome::Finished;

    for (int e = 0; e < config_.epochs && outcome == TrainOutcome::Finished; ++e) {
        const torch::Tensor order = torch::randperm(n, generator, torch::kLong);
        EpochRecord record;
        record.epoch = firstEpoch + e;
        double sumLoss = 0, sumRecon = 0, sumKl = 0;
        int64_t epochImages = 0;
        const auto epochStart = Clock::now();
        double epochSeconds = 0;
        const int buckets = int(std::min<int64_t>(EpochRecord::kStepBuckets, stepsPerEpoch));
        const auto nb = size_t(buckets);
        std::vector<double> bucketLoss(nb, 0.0), bucketRecon(nb, 0.0), bucketKl(nb, 0.0), bucketImages(nb, 0.0);

        for (int64_t s = 0; s < stepsPerEpoch; ++s) {
            if (abandon_ && abandon_->load(std::memory_order_relaxed))
                throw Cancelled();
            if (stop_.load(std::memory_order_relaxed)) {
                outcome = TrainOutcome::Stopped;
                break;
            }
            if (config_.timeLimitSeconds > 0 && trainSeconds >= config_.timeLimitSeconds) {
                outcome = TrainOutcome::TimeLimit;
                break;
            }
            if (config_.cosineDecay) {
                double progress = double(e * stepsPerEpoch + s) / double(config_.epochs * stepsPerEpoch);
                if (config_.timeLimitSeconds > 0)
                    progress = std::max(progress, trainSeconds / config_.timeLimitSeconds);
                for (auto& group : run_.optimizer->param_groups())
                    static_cast<torch::optim::AdamOptions&>(group.options()).lr(cosineRate(run_.learningRate, progress));
            }
            const auto stepStart = Clock::now();
            const int64_t begin = s * config_.batchSize;
            const torch::Tensor idx = order.slice(0, begin, std::min(begin + config_.batchSize, n));
            const torch::Tensor x = imagesToTensor(images.index_select(0, idx));

            dropGradients(*run_.optimizer);
            // A denoising model sees a noisy image and is scored against the clean one.
            const ModelOutput out = run_.model->forward(
                run_.spec.inputNoise > 0 ? x + run_.spec.inputNoise * torch::randn_like(x) : x);
            const LossTerms t = computeLoss(run_.spec, out, x);
            const double loss = t.total.item<double>();
            if (!std::isfinite(loss))
                throw Error("training diverged at epoch " + std::to_string(record.epoch) + ", step " + std::to_string(s + 1)
                            + ": the loss became " + (std::isnan(loss) ? "NaN" : "infinite")
                            + ". Try a lower learning rate.");
            t.total.backward();
            adamStep(*run_.optimizer);

            const double stepSeconds = secondsSince(stepStart);
            if (onCodes_)
                onCodes_(false, idx, out.mu.detach(), out.logVar.defined() ? out.logVar.detach() : torch::Tensor());
            trainSeconds += stepSeconds;
            epochSeconds += stepSeconds;
            imagesSeen += x.size(0);
            epochImages += x.size(0);
            const double w = double(x.size(0));
            const double recon = t.reconstruction.item<double>();
            const double kl = t.kl.defined() ? t.kl.item<double>() : 0.0;
            sumLoss += w * loss;
            sumRecon += w * recon;
            sumKl += w * kl;
            const auto bucket = size_t(s * buckets / stepsPerEpoch);
            bucketLoss[bucket] += w * loss;
            bucketRecon[bucket] += w * recon;
            bucketKl[bucket] += w * kl;
            bucketImages[bucket] += w;

            if (onStep_) {
                StepReport r;
                r.epoch = record.epoch;
                r.epochOfRun = e + 1;
                r.step = s + 1;
                r.stepsPerEpoch = stepsPerEpoch;
                r.loss = loss;
                r.recon = recon;
                r.kl = kl;
                r.imagesPerSecond = imagesSeen / std::max(trainSeconds, 1e-9);
                r.elapsedSeconds = secondsSince(epochStart);
                onStep_(r);
            }
        }
        if (epochImages == 0)
            break; // stopped before this epoch did anything: nothing to record
        record.partial = epochImages < n;
        for (size_t b = 0; b < bucketImages.size() && bucketImages[b] > 0; ++b) {
            record.stepLoss.push_back(float(bucketLoss[b] / bucketImages[b]));
            if (run_.spec.isVae()) {
                record.stepRecon.push_back(float(bucketRecon[b] / bucketImages[b]));
                record.stepKl.push_back(float(bucketKl[b] / bucketImages[b]));
            }
        }
        record.trainLoss = sumLoss / epochImages;
        record.trainRecon = sumRecon / epochImages;
        record.trainKl = sumKl / epochImages;
        record.seconds = epochSeconds;
        record.imagesPerSecond = epochImages / std::max(epochSeconds, 1e-9);
        const EpochRecord val = evaluate(run_, data_.validation, onCodes_, abandon_);
        record.valLoss = val.valLoss;
        record.valRecon = val.valRecon;
        record.valKl = val.valKl;
        run_.model->train();
        run_.history.push_back(record);
        if (onEpoch_)
            onEpoch_(record);
    }
    run_.model->eval();
    return outcome;
}

} // namespace lx
