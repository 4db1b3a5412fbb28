// The session's training loop: the trainer on the worker thread, with the live map, the
// step reports and the pause gate between steps.
#include "session/TrainingSessionPrivate.h"

#include "common/SystemInfo.h"

#include <numeric>

namespace lx {

// The training loop proper; throws whatever the trainer or the callbacks throw.
TrainingOutcome TrainingSession::Private::runTrainer(Trainer& trainer, const DatasetSplits& data,
                                                    const TrainConfig& config, int epochs)
{
    // The live map: every image's code as the trainer last computed it (its own forward
    // passes, so the map moves at no extra cost), published once a second. Starts from the
    // current cloud; the exact re-embedding (eval mode, all images) comes when training ends
    // or pauses.
    const int dim = run->spec.latentDim;
    const size_t liveSize = size_t(data.totalCount()) * size_t(dim);
    std::vector<float> live, liveLogVar; // log σ²: a VAE's, for what its decoder was trained on
    if (const CloudPtr current = q->cloud(); current && current->dim == dim && current->count() == data.totalCount()) {
        live = current->codes;
        liveLogVar = current->logVar;
    }
    live.resize(liveSize, 0.0f);
    if (run->spec.isVae())
        liveLogVar.resize(liveSize, 0.0f);
    bool liveChanged = false;
    // Every code in `live` is the current weights' own, in eval mode: an epoch's end measured
    // its 5-NN figure (all images encoded) and no step came after it. Training that ends so
    // needs no second pass over the images for its exact map.
    bool liveExact = false;
    auto scatter = [&](std::vector<float>& to, int64_t offset, const int64_t* at, int64_t n, const torch::Tensor& rows) {
        const torch::Tensor c = rows.to(torch::kFloat32).contiguous();
        const float* from = c.data_ptr<float>();
        for (int64_t i = 0; i < n; ++i)
            std::copy_n(from + i * dim, dim, to.data() + (offset + at[i]) * dim);
    };
    trainer.onCodes([&](bool validation, const torch::Tensor& indices, const torch::Tensor& codes,
                        const torch::Tensor& logVar) {
        const torch::Tensor ix = indices.to(torch::kLong).contiguous();
        const int64_t offset = validation ? data.train.count : 0;
        scatter(live, offset, ix.data_ptr<int64_t>(), ix.numel(), codes);
        if (logVar.defined() && !liveLogVar.empty())
            scatter(liveLogVar, offset, ix.data_ptr<int64_t>(), ix.numel(), logVar);
        liveChanged = true;
    });

    // The plan's last epoch, which the learning rate's decay spans too (trainOnWorker).
    const int lastEpoch = config.scheduleEnd;
    run->targetEpoch = lastEpoch; // saved with it: a stop or a relaunch goes on to it
    {
        std::lock_guard<std::mutex> lock(mutex);
        targetEpoch = lastEpoch;
    }
    const int64_t totalSteps = int64_t(epochs) * ((data.train.count + config.batchSize - 1) / config.batchSize);
    int64_t stepsDone = 0;
    auto lastReport = Clock::time_point{};
    auto lastSnapshot = Clock::now();
    auto lastCloud = Clock::now();
    // Time left: the recent time per step (the mean of the last 31 steps, the first few of the
    // run left out, so the slow first steps and a faster stretch later, such as the decoder's
    // finish, weigh no more than they last) times the steps left, plus an epoch's end (validation, 5-NN, measured at the last
    // one) times the epoch ends left. Time paused is left out. The run's mean time per step,
    // used before, read 4× too long at first and ~1.8× mid-run; the trainer's own rate counts
    // the steps alone and jumped at every epoch's end.
    Clock::time_point lastStepAt{};
    Clock::duration paused{}, pausedAtLastStep{};
    std::vector<double> recentSteps; // a ring of the last steps' seconds
    size_t nextRecent = 0;
    double stepSeconds = -1, epochEndSeconds = -1;
    const double imagesPerEpochEnd = double(data.totalCount());

    trainer.onStep([&](const StepReport& r) {
        liveExact = false;
        {
            const auto at = Clock::now();
            const double since = std::chrono::duration<double>(at - lastStepAt - (paused - pausedAtLastStep)).count();
            if (++stepsDone > 1) {
                if (r.step == 1 && r.epochOfRun > 1) // this interval held the last epoch's end
                    epochEndSeconds = std::max(0.0, since - std::max(stepSeconds, 0.0));
                else if (stepsDone > 5) { // the first few after a start or a resume are slow
                    constexpr size_t kRecent = 31;
                    if (recentSteps.size() < kRecent)
                        recentSteps.push_back(since);
                    else
                        recentSteps[nextRecent++ % kRecent] = since;
                    // The mean, not the median: on a busy machine the steps another program
                    // delays are part of the pace (the median read 30-45 % short beside a build).
                    if (recentSteps.size() >= 3)
                        stepSeconds = std::accumulate(recentSteps.begin(), recentSteps.end(), 0.0) / double(recentSteps.size());
                }
            }
            lastStepAt = at;
            pausedAtLastStep = paused;
        }
        unsavedTraining = true;
        if (stepHook)
            stepHook();
        if (gate.isPaused()) {
            const auto pauseStarted = Clock::now();
            say(tr("Paused"));
            publishSnapshot();
            interruptEmbed = false;
            if (gate.isPaused() && !gate.isStopped())
                publishCloud(true); // while paused, the exact map of the weights so far
            say(tr("Paused"));
            gate.waitWhilePaused();
            // "Paused" is over: the window's own line ("Training…", or "Stopping…" if Stop
            // came next) shows again (a "Training…" said here outlived a Stop after a Resume).
            say(QString());
            cloudExact = false;
            paused += Clock::now() - pauseStarted;
        }
        if (gate.isStopped())
            trainer.requestStop();
        flushPendingSaves();
        const auto now = Clock::now();
        if (now - lastReport >= kStepReportInterval || r.step == r.stepsPerEpoch) {
            lastReport = now;
            TrainingProgress p;
            p.step = r;
            p.lastEpoch = lastEpoch;
            // Through the epochs the label counts ("Epoch 7 of 20"), so the bar matches it.
            p.fractionDone = std::clamp(
                (double(r.epoch - 1) + double(r.step) / double(std::max<int64_t>(r.stepsPerEpoch, 1))) / lastEpoch, 0.0, 1.0);
            if (stepSeconds > 0) {
                // Before the first epoch's end is seen: encoding every image once, at about a
                // third of a training step's time per image.
                const double end = epochEndSeconds >= 0
                                       ? epochEndSeconds
                                       : stepSeconds / double(std::max(config.batchSize, 1)) * imagesPerEpochEnd / 3;
                const int endsLeft = lastEpoch - r.epoch + 1;
                p.secondsLeft = stepSeconds * double(totalSteps - stepsDone) + end * endsLeft;
                // The rate shown is the recent one too, not the run's mean since its first step.
                p.step.imagesPerSecond = double(config.batchSize) / stepSeconds;
            }
            toGui([q = q, p] { Q_EMIT q->stepReported(p); });
        }
        if (now - lastSnapshot >= kSnapshotInterval) {
            publishSnapshot(/*midTraining=*/true);
            lastSnapshot = Clock::now();
        }
        if (liveChanged && now - lastCloud >= kLiveCloudInterval) {
            setCloud(std::make_shared<const LatentCloud>(cloudFromCodes(live, dim, data, liveLogVar)));
            liveChanged = false;
            lastCloud = Clock::now();
        }
    });
    // A UMAP model lays out its training images before the first step: say how far it is,
    // and let Stop end it there.
    trainer.onPrepare([&](const std::string& what, double f) {
        if (gate.isStopped())
            trainer.requestStop();
        const auto now = Clock::now();
        if (now - lastReport >= kStepReportInterval || f >= 1) {
            lastReport = now;
            say(f >= 1 ? QString() : tr("%1… %2%").arg(QString::fromStdString(what)).arg(int(100 * f)));
            toGui([q = q, what = QString::fromStdString(what), f] { Q_EMIT q->preparing(what, f); });
        }
    });
    trainer.onEpoch([&](const EpochRecord& e) {
        liveExact = e.valKnn >= 0 && !config.keepBest; // keepBest may restore older weights after it
        {
            std::lock_guard<std::mutex> lock(mutex);
            history.push_back(e);
        }
        toGui([q = q, e] { Q_EMIT q->epochFinished(e); });
    });
    const TrainOutcome outcome = trainer.run();
    if (liveExact) {
        setCloud(std::make_shared<const LatentCloud>(cloudFromCodes(std::move(live), dim, data, std::move(liveLogVar))));
        cloudExact = true;
    }
    return outcome == TrainOutcome::Finished ? TrainingOutcome::Finished : TrainingOutcome::Stopped;
}

void TrainingSession::Private::trainOnWorker(int epochs)
{
    const DatasetPtr data = currentDataset();
    if (scripted)
        throw Error("TorchScript models are explored here, not trained: train it in Python and save it again, "
                    "or create a new model here (Model ▸ New Model)");
    if (!run)
        throw Error("there is no model to train: create or open one first");
    if (!data)
        throw Error("there is no dataset to train on: open one first");
    TrainConfig config;
    config.epochs = epochs;
    // The plan's last epoch: its rate goes on from where the plan stands, not from full again.
    config.scheduleEnd = run->epochsDone() + epochs;
    {
        std::lock_guard<std::mutex> lock(mutex);
        config.batchSize = request.batchSize;
        config.seed = request.seed;
    }
    Trainer trainer(*run, *data, config);
    trainer.abandonWhen(&shuttingDown);
    {
        std::lock_guard<std::mutex> lock(mutex);
        run->dataset = datasetName.toStdString(); // what it is trained on from now on
        trainedOn = datasetName;
    }
    cloudExact = false; // from the first step on, the weights move away from the map

    gate.reset();
    training = true;
    toGui([q = q] { Q_EMIT q->trainingStarted(); });

    // From here on, however training ends (an error of any kind included), `training` goes
    // back to false and trainingFinished is sent: the window's actions never stay locked.
    TrainingOutcome outcome = TrainingOutcome::Failed;
    try {
        outcome = runTrainer(trainer, *data, config, epochs);
    } catch (const Cancelled&) {
        // The session is closing: keep what was trained, then let it go.
        training = false;
        flushPendingSaves();
        autosave();
        return;
    } catch (...) {
        fail(messageOf(std::current_exception()));
    }
    training = false;
    gate.reset();
    toGui([q = q, outcome] { Q_EMIT q->trainingFinished(outcome); });
    flushPendingSaves();
    if (shuttingDown) {
        autosave();
        return;
    }
    publishSnapshot();
    // The exact map, unless the last epoch's end already made it (runTrainer), or more work
    // waits behind this (a stop, then another dataset or model): that work replaces the map
    // anyway, and should not wait for it.
    if (!cloudExact && pending.load() <= 1)
        publishCloud();
    autosave(); // after the exact map, so that its codes are saved beside it
    releaseFreeMemory(); // what training's steps kept for reuse, back while the window is idle
}

} // namespace lx
