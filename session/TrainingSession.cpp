// torch (through core and the snapshot's inside) before Qt.
#include "common/Error.h"
#include "data/Dataset.h"
#include "io/Checkpoint.h"
#include "io/CodesCache.h"
#include "latent/Evaluation.h"
#include "model/ScriptedModel.h"
#include "session/ModelSnapshotImpl.h"
#include "train/Trainer.h"

#include "session/PauseGate.h"
#include "session/TrainingSession.h"

#include <QFile>
#include <QThread>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <new>
#include <optional>

namespace lx {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStepReportInterval = std::chrono::milliseconds(200);
constexpr auto kSnapshotInterval = std::chrono::milliseconds(250);
constexpr auto kLiveCloudInterval = std::chrono::milliseconds(1000);

ModelSpec specFor(const TrainingRequest& r)
{
    ModelSpec spec = presetSpec(r.arch.toStdString(), r.latentDim, r.kind, r.loss);
    spec.beta = r.beta;
    spec.inputNoise = r.inputNoise;
    return spec;
}

std::string fileName(const QString& path)
{
    return QFile::encodeName(path).toStdString();
}

// Whatever a worker job threw, as the one line the user sees.
std::string messageOf(std::exception_ptr error)
{
    try {
        std::rethrow_exception(error);
    } catch (const c10::Error& e) {
        return e.what_without_backtrace();
    } catch (const std::bad_alloc&) {
        return "out of memory: the model or the batch is too large for this machine";
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "an unknown error";
    }
}

} // namespace

struct TrainingSession::Private {
    TrainingSession* q = nullptr;
    QThread thread;
    QObject* worker = nullptr; // lives in `thread`; work is queued to it

    // Touched on the worker thread only.
    std::unique_ptr<TrainingRun> run;
    std::shared_ptr<ScriptedModel> scripted; // or a TorchScript model (then `run` is empty)
    bool cloudExact = false; // the cloud is the current weights' exact embedding
    std::function<void()> stepHook;

    // Shared with the GUI thread.
    mutable std::mutex mutex;
    ModelSnapshotPtr snapshot;
    DatasetPtr dataset;
    CloudPtr cloud;
    QString datasetName;
    QString modelPath;
    QString trainedOn;
    QString autosavePath;
    TrainingRequest request;
    std::vector<EpochRecord> history;
    struct PendingSave {
        QString path;
        SaveDone done;
    };
    std::vector<PendingSave> pendingSaves; // asked for during training: written between steps

    PauseGate gate;
    std::atomic<bool> training{false};
    std::atomic<bool> shuttingDown{false};   // the session is being destroyed: give up long work
    std::atomic<bool> interruptEmbed{false}; // resume, stop or shutdown: give up a pause's map
    std::atomic<int> pending{0};

    template <typename Fn>
    void toGui(Fn fn)
    {
        QMetaObject::invokeMethod(q, std::move(fn), Qt::QueuedConnection);
    }

    void fail(const std::string& message)
    {
        toGui([q = q, m = QString::fromStdString(message)] { Q_EMIT q->failed(m); });
    }

    void say(const QString& text)
    {
        toGui([q = q, text] { Q_EMIT q->progressText(text); });
    }

    // Runs `fn` on the worker. Every exception stops there and becomes a `failed` signal.
    template <typename Fn>
    void post(Fn fn)
    {
        ++pending;
        QMetaObject::invokeMethod(
            worker,
            [this, fn = std::move(fn)]() mutable {
                try {
                    fn();
                } catch (...) {
                    fail(messageOf(std::current_exception()));
                }
                if (--pending == 0)
                    toGui([q = q] { Q_EMIT q->idle(); });
            },
            Qt::QueuedConnection);
    }

    DatasetPtr currentDataset() const
    {
        std::lock_guard<std::mutex> lock(mutex);
        return dataset;
    }

    void publishSnapshot()
    {
        ModelSnapshotPtr s = scripted ? snapshotOf(std::shared_ptr<LatentModel>(scripted)) : snapshotOf(run->model);
        {
            std::lock_guard<std::mutex> lock(mutex);
            snapshot = std::move(s);
        }
        toGui([q = q] { Q_EMIT q->snapshotUpdated(); });
    }

    void setCloud(CloudPtr c)
    {
        {
            std::lock_guard<std::mutex> lock(mutex);
            cloud = std::move(c);
        }
        toGui([q = q] { Q_EMIT q->cloudChanged(); });
    }

    // Encodes every image with the current weights (eval mode). Given up, quietly, when the
    // session shuts down or, with `interruptible`, when training resumes or stops.
    void publishCloud(bool interruptible = false)
    {
        const DatasetPtr data = currentDataset();
        if ((!run && !scripted) || !data || shuttingDown)
            return;
        say(tr("Computing the map of %L1 images…").arg(data->totalCount()));
        try {
            NativeModel native(run ? run->model : Autoencoder(nullptr));
            LatentModel& model = scripted ? static_cast<LatentModel&>(*scripted) : native;
            setCloud(std::make_shared<const LatentCloud>(
                embedSplits(model, *data, interruptible ? &interruptEmbed : &shuttingDown)));
            cloudExact = true;
        } catch (const Cancelled&) {
        }
        say(QString());
    }

    // A new model: its snapshot, the old map withdrawn, then its own map.
    // The model and its (missing) map change together, under one lock: a reader never sees
    // the new model with the old model's cloud.
    void adopt(const QString& path, std::vector<EpochRecord> records)
    {
        cloudExact = false;
        ModelSnapshotPtr s = scripted ? snapshotOf(std::shared_ptr<LatentModel>(scripted)) : snapshotOf(run->model);
        {
            std::lock_guard<std::mutex> lock(mutex);
            snapshot = std::move(s);
            cloud.reset();
            history = std::move(records);
            modelPath = path;
            trainedOn = run ? QString::fromStdString(run->dataset) : QString();
        }
        toGui([q = q] {
            Q_EMIT q->cloudChanged();
            Q_EMIT q->modelChanged();
        });
    }

    // A TorchScript model: explored (map, hover, interpolation, drawing), never trained.
    void adoptScripted(std::shared_ptr<ScriptedModel> m, const QString& path)
    {
        run.reset();
        scripted = std::move(m);
        adopt(path, {});
        publishCloud();
    }

    void adoptRun(std::unique_ptr<TrainingRun> r, const QString& path)
    {
        scripted.reset();
        run = std::move(r);
        adopt(path, run->history);
        if (!path.isEmpty() && publishCachedCloud(path))
            return;
        publishCloud();
    }

    // What a codes cache must match to be used for the checkpoint at `path`.
    std::optional<CodesCache> expectedCache(const QString& path)
    {
        const DatasetPtr data = currentDataset();
        if (!run || !data)
            return std::nullopt;
        CodesCache c;
        c.checkpointCrc = uint32_t(readCheckpointHeader(fileName(path)).value("payload_crc32").toDouble());
        {
            std::lock_guard<std::mutex> lock(mutex);
            c.dataset = datasetName.toStdString();
        }
        c.trainCount = data->train.count;
        c.validationCount = data->validation.count;
        c.dim = run->spec.latentDim;
        c.withLogVar = run->spec.isVae();
        return c;
    }

    // The map from the codes saved beside the checkpoint, if they are for exactly it.
    bool publishCachedCloud(const QString& path)
    {
        const DatasetPtr data = currentDataset();
        const std::optional<CodesCache> expected = expectedCache(path);
        if (!expected)
            return false;
        std::optional<CodesCache> cache = readCodesCache(codesCachePath(fileName(path)), *expected);
        if (!cache)
            return false;
        setCloud(std::make_shared<const LatentCloud>(
            cloudFromCodes(std::move(cache->codes), cache->dim, *data, std::move(cache->logVar))));
        cloudExact = true;
        return true;
    }

    void loadDataset(const QString& name)
    {
        say(tr("Loading dataset %1…").arg(name));
        auto data = std::make_shared<const DatasetSplits>(lx::openDataset(fileName(name)));
        {
            std::lock_guard<std::mutex> lock(mutex);
            dataset = std::move(data);
            datasetName = name;
            cloud.reset(); // the old map's points are other images
        }
        toGui([q = q] {
            Q_EMIT q->cloudChanged();
            Q_EMIT q->datasetChanged();
        });
        say(QString());
    }

    void saveNow(const QString& path)
    {
        if (!run)
            throw Error(scripted ? "a TorchScript model is saved from Python (torch.jit.save); here it is only explored"
                                 : "there is no model to save");
        saveCheckpoint(*run, fileName(path));
        // The map's codes beside it, when they are exactly this model's (not a live map
        // in the middle of training): reopening it then needs no encoding.
        const std::string cachePath = codesCachePath(fileName(path));
        std::remove(cachePath.c_str());
        const CloudPtr current = q->cloud();
        if (std::optional<CodesCache> cache = expectedCache(path);
            cache && cloudExact && current && current->dim == cache->dim
            && current->count() == cache->trainCount + cache->validationCount) {
            cache->codes = current->codes;
            cache->logVar = cache->withLogVar ? current->logVar : std::vector<float>();
            try {
                writeCodesCache(cachePath, *cache);
            } catch (const Error&) {
                // Only a cache: the checkpoint itself is saved.
            }
        }
        {
            std::lock_guard<std::mutex> lock(mutex);
            modelPath = path;
        }
        toGui([q = q, path] { Q_EMIT q->saved(path); });
    }

    // Saves and tells `done` (on the GUI thread) how it went; a failure is also `failed`.
    void saveAndReport(const QString& path, const SaveDone& done)
    {
        QString error;
        try {
            saveNow(path);
        } catch (...) {
            const std::string message = messageOf(std::current_exception());
            error = QString::fromStdString(message);
            if (!done) // else the caller reports it, in its own words
                fail(message);
        }
        if (done)
            toGui([done, error] { done(error); });
    }

    // Saves asked for while training runs are done between two steps, or when training ends
    // (however it ends, even when the session is closing), never lost.
    void flushPendingSaves()
    {
        std::vector<PendingSave> saves;
        {
            std::lock_guard<std::mutex> lock(mutex);
            saves.swap(pendingSaves);
        }
        for (const PendingSave& s : saves)
            saveAndReport(s.path, s.done);
    }

    // The weights trained so far, to the autosave path (if any). Never over a good file with
    // weights that are not finite: a diverged run keeps the last good save.
    void autosave()
    {
        QString path;
        {
            std::lock_guard<std::mutex> lock(mutex);
            path = autosavePath;
        }
        if (path.isEmpty() || !run || !parametersAreFinite(*run))
            return;
        saveAndReport(path, {});
    }

    void trainOnWorker(int epochs);
    TrainingOutcome runTrainer(Trainer& trainer, const DatasetSplits& data, const TrainConfig& config, int epochs);
};

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

    const int lastEpoch = run->epochsDone() + epochs;
    const int64_t totalSteps = int64_t(epochs) * ((data.train.count + config.batchSize - 1) / config.batchSize);
    int64_t stepsDone = 0;
    auto lastReport = Clock::time_point{};
    auto lastSnapshot = Clock::now();
    auto lastCloud = Clock::now();

    trainer.onStep([&](const StepReport& r) {
        ++stepsDone;
        if (stepHook)
            stepHook();
        if (gate.isPaused()) {
            say(tr("Paused"));
            publishSnapshot();
            interruptEmbed = false;
            if (gate.isPaused() && !gate.isStopped())
                publishCloud(true); // while paused, the exact map of the weights so far
            say(tr("Paused"));
            gate.waitWhilePaused();
            if (!gate.isStopped())
                say(tr("Training…"));
            cloudExact = false;
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
            p.secondsLeft = r.imagesPerSecond > 0
                                ? double(totalSteps - stepsDone) * config.batchSize / r.imagesPerSecond
                                : -1;
            toGui([q = q, p] { Q_EMIT q->stepReported(p); });
        }
        if (now - lastSnapshot >= kSnapshotInterval) {
            publishSnapshot();
            lastSnapshot = Clock::now();
        }
        if (liveChanged && now - lastCloud >= kLiveCloudInterval) {
            setCloud(std::make_shared<const LatentCloud>(cloudFromCodes(live, dim, data, liveLogVar)));
            liveChanged = false;
            lastCloud = Clock::now();
        }
    });
    trainer.onEpoch([&](const EpochRecord& e) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            history.push_back(e);
        }
        toGui([q = q, e] { Q_EMIT q->epochFinished(e); });
    });
    return trainer.run() == TrainOutcome::Finished ? TrainingOutcome::Finished : TrainingOutcome::Stopped;
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
    // The exact map, unless more work waits behind this (a stop, then another dataset or
    // model): that work replaces the map anyway, and should not wait for it.
    if (pending.load() <= 1)
        publishCloud();
    autosave(); // after the exact map, so that its codes are saved beside it
}

TrainingSession::TrainingSession(QObject* parent) : QObject(parent), d_(std::make_unique<Private>())
{
    d_->q = this;
    d_->worker = new QObject;
    d_->worker->moveToThread(&d_->thread);
    d_->thread.setObjectName("training");
    d_->thread.start(QThread::IdlePriority); // SCHED_IDLE on Linux: the GUI always comes first
}

TrainingSession::~TrainingSession()
{
    d_->shuttingDown = true;
    d_->interruptEmbed = true;
    d_->gate.stop();
    d_->thread.quit();
    d_->thread.wait();
    delete d_->worker;
}

void TrainingSession::openDataset(const QString& nameOrPath)
{
    d_->post([d = d_.get(), nameOrPath] {
        d->loadDataset(nameOrPath);
        if (d->run || d->scripted)
            d->publishCloud();
    });
}

void TrainingSession::newModel(const TrainingRequest& request)
{
    {
        std::lock_guard<std::mutex> lock(d_->mutex);
        d_->request = request;
    }
    d_->post([d = d_.get(), request] {
        if (!d->currentDataset())
            throw Error("open a dataset before creating a model");
        auto run = std::make_unique<TrainingRun>(TrainingRun::create(specFor(request), request.learningRate, request.seed));
        {
            std::lock_guard<std::mutex> lock(d->mutex);
            run->dataset = d->datasetName.toStdString();
        }
        d->adoptRun(std::move(run), QString());
    });
}

void TrainingSession::openModel(const QString& path, DatasetChoice choice)
{
    d_->post([d = d_.get(), path, choice] {
        if (isTorchScriptFile(fileName(path))) {
            auto model = ScriptedModel::load(fileName(path));
            if (!d->currentDataset()) // the file does not say what it was trained on
                d->loadDataset(QStringLiteral("mnist"));
            d->adoptScripted(std::move(model), path);
            return;
        }
        auto run = std::make_unique<TrainingRun>(loadCheckpoint(fileName(path)));
        const QString wanted = QString::fromStdString(run->dataset);
        QString current;
        {
            std::lock_guard<std::mutex> lock(d->mutex);
            current = d->dataset ? d->datasetName : QString();
        }
        if (current.isEmpty() || (choice == DatasetChoice::FromCheckpoint && !wanted.isEmpty() && current != wanted))
            d->loadDataset(wanted.isEmpty() ? QStringLiteral("mnist") : wanted);
        {
            std::lock_guard<std::mutex> lock(d->mutex);
            d->request.arch = QString::fromStdString(run->spec.arch);
            d->request.kind = run->spec.kind;
            d->request.loss = run->spec.loss;
            d->request.latentDim = run->spec.latentDim;
            d->request.learningRate = run->learningRate;
            d->request.beta = run->spec.beta;
            d->request.inputNoise = run->spec.inputNoise;
        }
        d->adoptRun(std::move(run), path);
    });
}

void TrainingSession::saveModel(const QString& path, SaveDone done)
{
    if (d_->training) { // saved between two steps, without stopping
        {
            std::lock_guard<std::mutex> lock(d_->mutex);
            d_->pendingSaves.push_back({path, std::move(done)});
        }
        // Should training end before its next step, the save still happens, right after it.
        d_->post([d = d_.get()] { d->flushPendingSaves(); });
        return;
    }
    d_->post([d = d_.get(), path, done = std::move(done)] { d->saveAndReport(path, done); });
}

void TrainingSession::setAutosavePath(const QString& path)
{
    std::lock_guard<std::mutex> lock(d_->mutex);
    d_->autosavePath = path;
}

void TrainingSession::train(int epochs)
{
    d_->post([d = d_.get(), epochs] { d->trainOnWorker(epochs); });
}

void TrainingSession::pause()
{
    if (d_->training)
        d_->gate.pause();
}

void TrainingSession::resume()
{
    d_->interruptEmbed = true;
    d_->gate.resume();
}

void TrainingSession::stop()
{
    d_->interruptEmbed = true;
    if (!d_->training)
        return;
    d_->gate.stop();
    Q_EMIT stopping();
}

bool TrainingSession::isTraining() const { return d_->training; }
bool TrainingSession::isPaused() const { return d_->training && d_->gate.isPaused(); }
bool TrainingSession::isStopping() const { return d_->training && d_->gate.isStopped(); }
bool TrainingSession::isBusy() const { return d_->pending > 0; }

bool TrainingSession::hasModel() const
{
    std::lock_guard<std::mutex> lock(d_->mutex);
    return d_->snapshot != nullptr;
}

ModelSnapshotPtr TrainingSession::snapshot() const
{
    std::lock_guard<std::mutex> lock(d_->mutex);
    return d_->snapshot;
}

DatasetPtr TrainingSession::dataset() const
{
    return d_->currentDataset();
}

TrainingSession::Current TrainingSession::current() const
{
    std::lock_guard<std::mutex> lock(d_->mutex);
    return {d_->snapshot, d_->cloud, d_->dataset};
}

CloudPtr TrainingSession::cloud() const
{
    std::lock_guard<std::mutex> lock(d_->mutex);
    return d_->cloud;
}

QString TrainingSession::datasetName() const
{
    std::lock_guard<std::mutex> lock(d_->mutex);
    return d_->datasetName;
}

QString TrainingSession::trainedOn() const
{
    std::lock_guard<std::mutex> lock(d_->mutex);
    return d_->trainedOn;
}

QString TrainingSession::modelPath() const
{
    std::lock_guard<std::mutex> lock(d_->mutex);
    return d_->modelPath;
}

TrainingRequest TrainingSession::lastRequest() const
{
    std::lock_guard<std::mutex> lock(d_->mutex);
    return d_->request;
}

std::vector<EpochRecord> TrainingSession::history() const
{
    std::lock_guard<std::mutex> lock(d_->mutex);
    return d_->history;
}

void TrainingSession::setStepHookForTesting(std::function<void()> hook)
{
    // Read by the worker between steps; set before training starts.
    d_->post([d = d_.get(), hook = std::move(hook)] { d->stepHook = hook; });
}

} // namespace lx
