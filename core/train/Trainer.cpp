#include "train/Trainer.h"

#include <ATen/Parallel.h>

#include "common/Error.h"
#include "common/SystemInfo.h"
#include "data/Deskew.h"
#include "io/Crc32.h"
#include "latent/Evaluation.h"
#include "latent/Umap.h"
#include "train/AdamStep.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <cmath>
#include <limits>

namespace lx {
namespace {

// 60000 as "60,000", as the window writes counts.
std::string groupedThousands(int64_t n)
{
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-')
            out += ',';
        out += digits[i];
    }
    return out;
}


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

// The encoder's batch statistics measured afresh on the clean training images (no noise, no
// augmentation): what eval mode then normalises with is what clean images look like, not
// what the noisy, turned copies it trained on looked like. Weights unchanged.
void recalibrateEncoder(TrainingRun& run, const torch::Tensor& images, const std::atomic<bool>* abandon)
{
    // Each BatchNorm layer's options and its statistics' reset (1-D and 2-D alike).
    struct Norm {
        torch::nn::BatchNormOptions* options;
        std::function<void()> reset;
    };
    std::vector<Norm> norms;
    for (const auto& m : run.model->encoderLayers()->modules(false)) {
        if (auto* b = m->as<torch::nn::BatchNorm1d>())
            norms.push_back({&b->options, [b] { b->reset_running_stats(); }});
        else if (auto* b2 = m->as<torch::nn::BatchNorm2d>())
            norms.push_back({&b2->options, [b2] { b2->reset_running_stats(); }});
    }
    if (norms.empty())
        return;
    std::vector<c10::optional<double>> momenta;
    for (Norm& b : norms) {
        momenta.push_back(b.options->momentum());
        b.options->momentum(c10::nullopt); // a plain average over the pass
        b.reset();
    }
    // The layers' own momenta back however the pass ends (a cancel throws).
    struct Restore {
        std::vector<Norm>& norms;
        std::vector<c10::optional<double>>& momenta;
        ~Restore()
        {
            for (size_t i = 0; i < norms.size(); ++i)
                norms[i].options->momentum(momenta[i]);
        }
    } restore{norms, momenta};
    torch::NoGradGuard noGrad;
    run.model->train();
    const int64_t n = images.size(0);
    for (int64_t start = 0; start < n; start += kEvaluationBatch) {
        if (abandon && abandon->load(std::memory_order_relaxed))
            throw Cancelled();
        run.model->encode(imagesToTensor(images.slice(0, start, std::min(start + kEvaluationBatch, n))));
    }
}

// What keepBest goes back to: the weights, the batch statistics and Adam's state.
struct SavedState {
    std::vector<torch::Tensor> values;  // parameters, then buffers
    std::vector<torch::Tensor> moments; // per parameter: exp_avg, exp_avg_sq, max_exp_avg_sq (undefined: none)
    std::vector<int64_t> steps;         // per parameter: Adam's step count, −1 where it had no state
};

SavedState saveState(TrainingRun& run)
{
    torch::NoGradGuard noGrad;
    SavedState s;
    for (const torch::Tensor& p : run.model->parameters())
        s.values.push_back(p.detach().clone());
    for (const torch::Tensor& b : run.model->buffers())
        s.values.push_back(b.detach().clone());
    auto clone = [](const torch::Tensor& t) { return t.defined() ? t.clone() : torch::Tensor(); };
    for (auto& group : run.optimizer->param_groups())
        for (const torch::Tensor& p : group.params()) {
            const auto it = run.optimizer->state().find(adamStateKey(p));
            if (it == run.optimizer->state().end() || !it->second) {
                s.moments.insert(s.moments.end(), 3, torch::Tensor());
                s.steps.push_back(-1);
                continue;
            }
            const auto& st = static_cast<const torch::optim::AdamParamState&>(*it->second);
            s.moments.push_back(clone(st.exp_avg()));
            s.moments.push_back(clone(st.exp_avg_sq()));
            s.moments.push_back(clone(st.max_exp_avg_sq()));
            s.steps.push_back(st.step());
        }
    return s;
}

void restoreState(TrainingRun& run, const SavedState& s)
{
    torch::NoGradGuard noGrad;
    size_t i = 0;
    for (torch::Tensor& p : run.model->parameters())
        p.copy_(s.values.at(i++));
    for (torch::Tensor& b : run.model->buffers())
        b.copy_(s.values.at(i++));
    size_t k = 0;
    for (auto& group : run.optimizer->param_groups())
        for (const torch::Tensor& p : group.params()) {
            const int64_t step = s.steps.at(k);
            const torch::Tensor* m = &s.moments.at(3 * k);
            ++k;
            if (step < 0) {
                run.optimizer->state().erase(adamStateKey(p));
                continue;
            }
            auto& slot = run.optimizer->state()[adamStateKey(p)];
            auto state = std::make_unique<torch::optim::AdamParamState>();
            state->step(step);
            state->exp_avg(m[0].clone());
            state->exp_avg_sq(m[1].clone());
            if (m[2].defined())
                state->max_exp_avg_sq(m[2].clone());
            slot = std::move(state);
        }
}

} // namespace

torch::Tensor augmentedImages(const torch::Tensor& x, const ModelSpec& spec, at::Generator& generator)
{
    namespace F = torch::nn::functional;
    const int64_t n = x.size(0);
    auto uniform = [&](double half) { return (torch::rand({n}, generator) * 2 - 1) * half; };
    const torch::Tensor angle = uniform(spec.rotateAugment * M_PI / 180.0);
    const torch::Tensor scale = 1 + uniform(spec.scaleAugment);
    // affine_grid's coordinates run from −1 to 1 across the image: a pixel is 2/size.
    const torch::Tensor dx = uniform(spec.shiftAugment * 2.0 / double(x.size(3)));
    const torch::Tensor dy = uniform(spec.shiftAugment * 2.0 / double(x.size(2)));
    const torch::Tensor c = torch::cos(angle) / scale, s = torch::sin(angle) / scale;
    const torch::Tensor theta = torch::stack({torch::stack({c, -s, dx}, 1), torch::stack({s, c, dy}, 1)}, 1);
    const torch::Tensor grid = F::affine_grid(theta, x.sizes(), false);
    return F::grid_sample(x, grid,
                          F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
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
    configureMemoryForBatch(config_.batchSize);
    checkCompatible(run, data);
}

std::vector<float> Trainer::umapTargets(const ModelSpec& spec, const Dataset& train, const std::atomic<bool>* cancel,
                                        const PrepareCallback& progress)
{
    UmapOptions options;
    options.neighbours = spec.umapNeighbours;
    options.minDist = spec.umapMinDist;
    options.seed = 1; // the layout depends on the data alone, so a resumed run finds the same one
    const std::string what = "Laying out the " + groupedThousands(train.count) + " training images by UMAP"
                             + (spec.umapDeskew ? ", their slant undone" : "")
                             + (spec.umapGamma != 1.0 ? ", their shades compressed" : "");
    // Said at once: the deskewing and the principal components come before UMAP's own first
    // word (the window said "Training…" for the first ~5 s of a first launch).
    if (progress)
        progress(what, 0.0);
    std::vector<uint8_t> deskewed;
    const uint8_t* pixels = train.pixels.data();
    if (spec.umapDeskew) {
        deskewed = deskewedImages(pixels, train.count, train.rows, train.cols);
        pixels = deskewed.data();
    }
    return umapOfImages(pixels, train.count, train.rows * train.cols, options, [&](double f) {
        if (progress)
            progress(what, f);
    }, cancel, spec.umapGamma);
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

    // The learning rate's plan: this call's epochs alone, or, given config_.scheduleEnd, the
    // model's epochs from its first to that one (or this call's last, if later), of which
    // scheduleDone are behind it.
    const int scheduleDone = config_.scheduleEnd > 0 ? firstEpoch - 1 : 0;
    const int scheduleEpochs = std::max(config_.scheduleEnd, scheduleDone + config_.epochs);

    const bool umapModel = run_.spec.isUmap();
    torch::Tensor umapTarget;
    if (umapModel) {
        // The images themselves, not only their number: a file replaced by other images of
        // the same count must not inherit a saved layout.
        char crc[16];
        std::snprintf(crc, sizeof crc, "%08x", unsigned(crc32Of(data_.train.pixels.data(), data_.train.pixels.size())));
        const std::string targetOf = data_.name + " (" + std::to_string(n) + " training images, CRC-32 " + crc + ")";
        if (int64_t(run_.umapTarget.size()) != 2 * n || run_.umapTargetOf != targetOf) {
            // A stop while the layout is made ends the run before its first step; shutting
            // down (abandon) ends it with Cancelled, as everywhere else.
            try {
                run_.umapTarget = umapTargets(run_.spec, data_.train, &stop_, [&](const std::string& what, double f) {
                    if (abandon_ && abandon_->load(std::memory_order_relaxed))
                        throw Cancelled();
                    if (onPrepare_)
                        onPrepare_(what, f);
                });
            } catch (const Cancelled&) {
                if (abandon_ && abandon_->load(std::memory_order_relaxed))
                    throw;
                run_.model->eval();
                return TrainOutcome::Stopped;
            }
            run_.umapTargetOf = targetOf;
        }
        umapTarget = torch::from_blob(run_.umapTarget.data(), {n, 2}, torch::kFloat32);
    }
    // The decoder's finish (ModelSpec::decoderFinish): the codes of the clean training images,
    // made once when it begins; the encoder is not run again this run.
    torch::Tensor finishCodes;

    run_.model->train();
    double trainSeconds = 0;
    int64_t imagesSeen = 0;
    TrainOutcome outcome = TrainOutcome::Finished;

    // Early stopping and keepBest judge epochs by their validation loss.
    const bool judged = data_.validation.count > 0;
    double bestLoss = std::numeric_limits<double>::infinity();
    size_t bestHistorySize = 0;
    int sinceBest = 0;
    SavedState best;
    bestEpoch_ = 0;

    // Beside other busy processes, a thread fewer for each core they keep busy, looked at
    // every second; the configured count again after this run, however it ends.
    const int configuredThreads = at::get_num_threads();
    OtherProcessesLoad load;
    if (config_.yieldToLoad)
        load.sample();
    auto lastLoadCheck = Clock::now();
    struct RestoreThreads {
        int threads;
        ~RestoreThreads()
        {
            if (at::get_num_threads() != threads)
                at::set_num_threads(threads);
        }
    } restoreThreads{configuredThreads};

    for (int e = 0; e < config_.epochs && outcome == TrainOutcome::Finished; ++e) {
        const torch::Tensor order = torch::randperm(n, generator, torch::kLong);
        EpochRecord record;
        record.epoch = firstEpoch + e;
        double sumLoss = 0, sumRecon = 0, sumKl = 0, sumStructure = 0;
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
            double progress = double(int64_t(e + scheduleDone) * stepsPerEpoch + s) / double(int64_t(scheduleEpochs) * stepsPerEpoch);
            if (config_.timeLimitSeconds > 0)
                progress = std::max(progress, trainSeconds / config_.timeLimitSeconds);
            if (config_.cosineDecay) {
                for (auto& group : run_.optimizer->param_groups())
                    static_cast<torch::optim::AdamOptions&>(group.options()).lr(cosineRate(run_.learningRate, progress));
            }
            if (config_.yieldToLoad && secondsSince(lastLoadCheck) >= 1.0) {
                lastLoadCheck = Clock::now();
                const double others = load.sample();
                const int threads = threadsBesideLoad(configuredThreads, others, load.cores());
                if (threads != at::get_num_threads())
                    at::set_num_threads(threads);
            }
            const auto stepStart = Clock::now();
            const int64_t begin = s * config_.batchSize;
            const torch::Tensor idx = order.slice(0, begin, std::min(begin + config_.batchSize, n));
            const torch::Tensor x = imagesToTensor(images.index_select(0, idx));
            const bool decoderOnly = run_.spec.decoderFinish > 0 && progress >= 1 - run_.spec.decoderFinish;
            if (decoderOnly && !finishCodes.defined()) {
                recalibrateEncoder(run_, images, abandon_);
                finishCodes = encodeDataset(run_.model, data_.train, kEvaluationBatch, abandon_);
                run_.model->train();
                // The live map takes the codes it will hold all at once, not batch by batch
                // through the finish's first epoch (it moved while it was said to hold).
                if (onCodes_)
                    onCodes_(false, torch::arange(n, torch::kLong), finishCodes, torch::Tensor());
            }

            dropGradients(*run_.optimizer);
            ModelOutput out;
            if (decoderOnly) {
                out.mu = finishCodes.index_select(0, idx);
                out.reconstruction = run_.model->decode(out.mu);
            } else {
                // A denoising or augmented model sees a noisy or moved image and is scored
                // against the clean one.
                torch::Tensor seen = run_.spec.augments()
                                         ? augmentedImages(x, run_.spec, generator)
                                         : x;
                if (run_.spec.inputNoise > 0)
                    seen = seen + run_.spec.inputNoise * torch::randn_like(x);
                out = run_.model->forward(seen);
            }
            const LossTerms t = computeLoss(run_.spec, out, x);
            // A UMAP model minimises reconstruction + weight·‖z − y‖² but reports its
            // reconstruction as its loss, so that training and validation compare.
            torch::Tensor minimised = t.total;
            double structure = 0;
            if (umapModel) {
                // In the decoder's finish the codes are fixed: the pull is still reported, not minimised.
                const torch::Tensor pull = (out.mu - umapTarget.index_select(0, idx)).pow(2).sum(1).mean();
                if (!decoderOnly)
                    minimised = t.total + run_.spec.umapWeight * pull;
                structure = pull.item<double>();
            }
            const double loss = minimised.item<double>();
            if (!std::isfinite(loss))
                throw Error("training diverged at epoch " + std::to_string(record.epoch) + ", step " + std::to_string(s + 1)
                            + ": the loss became " + (std::isnan(loss) ? "NaN" : "infinite")
                            + ". Try a lower learning rate.");
            minimised.backward();
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
            const double reported = umapModel ? t.total.item<double>() : loss;
            sumStructure += w * structure;
            sumLoss += w * reported;
            sumRecon += w * recon;
            sumKl += w * kl;
            const auto bucket = size_t(s * buckets / stepsPerEpoch);
            bucketLoss[bucket] += w * reported;
            bucketRecon[bucket] += w * recon;
            bucketKl[bucket] += w * kl;
            bucketImages[bucket] += w;

            if (onStep_) {
                StepReport r;
                r.epoch = record.epoch;
                r.epochOfRun = e + 1;
                r.step = s + 1;
                r.stepsPerEpoch = stepsPerEpoch;
                r.loss = reported;
                r.recon = recon;
                r.kl = kl;
                r.structure = structure;
                r.decoderOnly = decoderOnly;
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
        record.trainStructure = sumStructure / epochImages;
        record.seconds = epochSeconds;
        record.imagesPerSecond = epochImages / std::max(epochSeconds, 1e-9);
        // The validation codes, kept for the k-NN figure as they go by to onCodes_.
        const bool knn = config_.measureKnn && data_.validation.count > 0
                         && data_.validation.labels.size() == size_t(data_.validation.count)
                         && data_.train.labels.size() == size_t(n);
        std::vector<torch::Tensor> valCodes;
        const EpochRecord val = evaluate(run_, data_.validation,
            [&](bool validation, const torch::Tensor& indices, const torch::Tensor& codes, const torch::Tensor& logVar) {
                if (knn)
                    valCodes.push_back(codes.detach().clone());
                if (onCodes_)
                    onCodes_(validation, indices, codes, logVar);
            }, abandon_);
        if (knn && !valCodes.empty()) {
            // The training images' codes (and a VAE's log σ²) with the weights as they are
            // now, in eval mode: to onCodes_ too, so that with the validation pass above the
            // whole map is exact at the epoch's end and need not be encoded again after it.
            NativeModel native(run_.model);
            const auto [trainCodes, trainLogVar] = encodeDatasetDistribution(native, data_.train, kEvaluationBatch, abandon_);
            if (onCodes_)
                onCodes_(false, torch::arange(n, torch::kLong), trainCodes, trainLogVar);
            record.valKnn = knnAccuracy(trainCodes, data_.train.labels, torch::cat(valCodes), data_.validation.labels, 5);
        }
        record.valLoss = val.valLoss;
        record.valRecon = val.valRecon;
        record.valKl = val.valKl;
        run_.model->train();
        run_.history.push_back(record);
        if (onEpoch_)
            onEpoch_(record);
        if (judged && std::isfinite(record.valLoss) && record.valLoss < bestLoss) {
            bestLoss = record.valLoss;
            bestEpoch_ = record.epoch;
            bestHistorySize = run_.history.size();
            sinceBest = 0;
            if (config_.keepBest)
                best = saveState(run_);
        } else if (judged && !record.partial && ++sinceBest >= config_.patience && config_.patience > 0
                   && outcome == TrainOutcome::Finished) {
            outcome = TrainOutcome::NoImprovement;
        }
    }
    if (config_.keepBest && bestEpoch_ > 0 && bestHistorySize < run_.history.size()) {
        restoreState(run_, best);
        run_.history.resize(bestHistorySize);
    }
    run_.model->eval();
    return outcome;
}

} // namespace lx
