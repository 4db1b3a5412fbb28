// torch (through core and the snapshot's inside) before Qt.
#include "bridge/ModelSnapshotImpl.h"
#include "common/Error.h"
#include "data/Dataset.h"
#include "io/Checkpoint.h"
#include "io/CodesCache.h"
#include "model/ScriptedModel.h"
#include "latent/Evaluation.h"
#include "train/Trainer.h"

#include "training/TrainingSession.h"

#include <QThread>

#include <atomic>
#include <cstdio>
#include <optional>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace lx::ui {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStepReportInterval = std::chrono::milliseconds(200);
constexpr auto kSnapshotInterval = std::chrono::milliseconds(250);
constexpr auto kLiveCloudInterval = std::chrono::milliseconds(1000);

EpochInfo epochInfo(const EpochRecord& e)
{
    EpochInfo i;
    i.epoch = e.epoch;
    i.trainLoss = e.trainLoss;
    i.valLoss = e.valLoss;
    i.trainRecon = e.trainRecon;
    i.valRecon = e.valRecon;
    i.trainKl = e.trainKl;
    i.valKl = e.valKl;
    i.partial = e.partial;
    return i;
}

ModelSpec specFor(const TrainingRequest& r)
{
    ModelSpec spec = presetSpec(r.arch.toStdString(), r.latentDim, parseKind(r.kind.toStdString()),
                                parseLoss(r.loss.toStdString()));
    spec.beta = r.beta;
    spec.inputNoise = r.inputNoise;
    return spec;
}

} // namespace

struct TrainingSession::Private {
    TrainingSession* q = nullptr;
    QThread thread;
    QObject* worker = nullptr; // lives in `thread`; work is queued to it

    // Touched on the worker thread only.
    std::unique_ptr<TrainingRun> run;
    std::shared_ptr<ScriptedModel> scripted; // or a TorchScript model (then `run` is empty)

    // Shared with the GUI thread.
    mutable std::mutex mutex;
    ModelSnapshotPtr snapshot;
    DatasetPtr dataset;
    CloudPtr cloud;
    QString datasetName;
    QString modelPath;
    QString pendingSave;
    TrainingRequest request;
    std::vector<EpochInfo> history;

    std::atomic<bool> training{false};
    std::atomic<bool> paused{false};
    std::atomic<bool> stopRequested{false};
    std::atomic<bool> saveRequested{false};
    std::atomic<bool> shuttingDown{false}; // the session is being destroyed: give up long work
    std::atomic<bool> interruptEmbed{false}; // resume, stop or shutdown: give up a pause's map
    bool cloudExact = false; // worker only: the cloud is the current weights' exact embedding
    std::atomic<int> pending{0};
    std::mutex pauseMutex;
    std::condition_variable pauseCv;

    template <typename Fn>
    void toGui(Fn fn)
    {
        QMetaObject::invokeMethod(q, std::move(fn), Qt::QueuedConnection);
    }

    void fail(const std::string& message)
    {
        toGui([q = q, m = QString::fromStdString(message)] { Q_EMIT q->failed(m); });
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
                } catch (const c10::Error& e) {
                    fail(e.what_without_backtrace());
                } catch (const std::exception& e) {
                    fail(e.what());
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

    void setCloud(std::shared_ptr<const LatentCloud> c)
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
        try {
            NativeModel native(run ? run->model : Autoencoder(nullptr));
            LatentModel& model = scripted ? static_cast<LatentModel&>(*scripted) : native;
            setCloud(std::make_shared<const LatentCloud>(
                embedSplits(model, *data, interruptible ? &interruptEmbed : &shuttingDown)));
            cloudExact = true;
        } catch (const Cancelled&) {
        }
    }

    // A TorchScript model: explored (map, hover, interpolation, drawing), never trained.
    void adoptScripted(std::shared_ptr<ScriptedModel> m, const QString& path)
    {
        run.reset();
        scripted = std::move(m);
        cloudExact = false;
        {
            std::lock_guard<std::mutex> lock(mutex);
            history.clear();
            modelPath = path;
        }
        publishSnapshot();
        toGui([q = q] { Q_EMIT q->modelChanged(); });
        publishCloud();
    }

    void adoptRun(std::unique_ptr<TrainingRun> r, const QString& path)
    {
        scripted.reset();
        run = std::move(r);
        std::vector<EpochInfo> h;
        for (const EpochRecord& e : run->history)
            h.push_back(epochInfo(e));
        {
            std::lock_guard<std::mutex> lock(mutex);
            history = std::move(h);
            modelPath = path;
        }
        publishSnapshot();
        toGui([q = q] { Q_EMIT q->modelChanged(); });
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
        c.checkpointCrc = uint32_t(readCheckpointHeader(path.toStdString()).value("payload_crc32").toDouble());
        c.dataset = datasetName.toStdString();
        c.trainCount = data->train.count;
        c.validationCount = data->validation.count;
        c.dim = run->spec.latentDim;
        return c;
    }

    // The map from the codes saved beside the checkpoint, if they are for exactly it.
    bool publishCachedCloud(const QString& path)
    {
        const DatasetPtr data = currentDataset();
        const std::optional<CodesCache> expected = expectedCache(path);
        if (!expected)
            return false;
        std::optional<CodesCache> cache = readCodesCache(codesCachePath(path.toStdString()), *expected);
        if (!cache)
            return false;
        setCloud(std::make_shared<const LatentCloud>(cloudFromCodes(std::move(cache->codes), cache->dim, *data)));
        cloudExact = true;
        return true;
    }

    void loadDataset(const QString& name)
    {
        toGui([q = q, name] { Q_EMIT q->progressText(tr("Loading dataset %1…").arg(name)); });
        auto data = std::make_shared<const DatasetSplits>(lx::openDataset(name.toStdString()));
        {
            std::lock_guard<std::mutex> lock(mutex);
            dataset = std::move(data);
            datasetName = name;
        }
        toGui([q = q] { Q_EMIT q->datasetChanged(); });
    }

    void saveNow(const QString& path)
    {
        if (!run)
            throw Error(scripted ? "a TorchScript model is saved from Python (torch.jit.save); here it is only explored"
                                 : "there is no model to save");
        saveCheckpoint(*run, path.toStdString());
        // The map's codes beside it, when they are exactly this model's (not a live map
        // in the middle of training): reopening it then needs no encoding.
        const std::string cachePath = codesCachePath(path.toStdString());
        std::remove(cachePath.c_str());
        const CloudPtr current = q->cloud();
        if (std::optional<CodesCache> cache = expectedCache(path);
            cache && cloudExact && current && current->dim == cache->dim
            && current->count() == cache->trainCount + cache->validationCount) {
            cache->codes = current->codes;
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

    // A save asked for while training runs is done between two steps, or when training ends
    // (however it ends, even when the session is closing), never lost.
    void flushPendingSave()
    {
        if (!saveRequested.exchange(false))
            return;
        QString path;
        {
            std::lock_guard<std::mutex> lock(mutex);
            path = pendingSave;
        }
        try {
            saveNow(path);
        } catch (const Error& e) {
            fail(e.what());
        }
    }

    void trainOnWorker(int epochs);
};

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
    cloudExact = false; // from the first step on, the weights move away from the map

    // The live map: every image's code as the trainer last computed it (its own forward
    // passes, so the map moves at no extra cost), published once a second. Starts from the
    // current cloud; the exact re-embedding (eval mode, all images) comes when training ends
    // or pauses.
    const int dim = run->spec.latentDim;
    std::vector<float> live;
    if (const CloudPtr current = q->cloud(); current && current->dim == dim && current->count() == data->totalCount())
        live = current->codes;
    else
        live.assign(size_t(data->totalCount()) * size_t(dim), 0.0f);
    bool liveChanged = false;
    trainer.onCodes([&](bool validation, const torch::Tensor& indices, const torch::Tensor& codes) {
        const torch::Tensor c = codes.to(torch::kFloat32).contiguous();
        const torch::Tensor ix = indices.to(torch::kLong).contiguous();
        const float* from = c.data_ptr<float>();
        const int64_t* at = ix.data_ptr<int64_t>();
        const int64_t offset = validation ? data->train.count : 0;
        for (int64_t i = 0; i < ix.numel(); ++i)
            std::copy_n(from + i * dim, dim, live.data() + (offset + at[i]) * dim);
        liveChanged = true;
    });

    stopRequested = false;
    training = true;
    toGui([q = q] { Q_EMIT q->trainingStarted(); });

    const int lastEpoch = run->epochsDone() + epochs;
    const int64_t totalSteps = int64_t(epochs) * ((data->train.count + config.batchSize - 1) / config.batchSize);
    int64_t stepsDone = 0;
    auto lastReport = Clock::time_point{};
    auto lastSnapshot = Clock::now();
    auto lastCloud = Clock::now();

    trainer.onStep([&](const StepReport& r) {
        ++stepsDone;
        if (paused.load()) {
            toGui([q = q] { Q_EMIT q->progressText(tr("Paused")); });
            publishSnapshot();
            interruptEmbed = false;
            if (paused.load() && !stopRequested.load())
                publishCloud(true); // while paused, the exact map of the weights so far
            std::unique_lock<std::mutex> lock(pauseMutex);
            pauseCv.wait(lock, [&] { return !paused.load() || stopRequested.load(); });
            cloudExact = false;
        }
        if (stopRequested.load())
            trainer.requestStop();
        flushPendingSave();
        const auto now = Clock::now();
        if (now - lastReport >= kStepReportInterval || r.step == r.stepsPerEpoch) {
            lastReport = now;
            StepInfo info;
            info.epoch = r.epoch;
            info.lastEpoch = lastEpoch;
            info.step = r.step;
            info.stepsPerEpoch = r.stepsPerEpoch;
            info.loss = r.loss;
            info.recon = r.recon;
            info.kl = r.kl;
            info.imagesPerSecond = r.imagesPerSecond;
            info.fractionDone = double(stepsDone) / double(std::max<int64_t>(totalSteps, 1));
            info.secondsLeft = r.imagesPerSecond > 0
                                   ? double(totalSteps - stepsDone) * config.batchSize / r.imagesPerSecond
                                   : -1;
            toGui([q = q, info] { Q_EMIT q->stepReported(info); });
        }
        if (now - lastSnapshot >= kSnapshotInterval) {
            publishSnapshot();
            lastSnapshot = Clock::now();
        }
        if (liveChanged && now - lastCloud >= kLiveCloudInterval) {
            setCloud(std::make_shared<const LatentCloud>(cloudFromCodes(live, dim, *data)));
            liveChanged = false;
            lastCloud = Clock::now();
        }
    });
    trainer.onEpoch([&](const EpochRecord& e) {
        const EpochInfo info = epochInfo(e);
        {
            std::lock_guard<std::mutex> lock(mutex);
            history.push_back(info);
        }
        toGui([q = q, info] { Q_EMIT q->epochFinished(info); });
    });

    QString outcome = "finished";
    try {
        outcome = trainer.run() == TrainOutcome::Finished ? "finished" : "stopped";
    } catch (const Cancelled&) {
        training = false;
        flushPendingSave();
        return; // the session is going away
    } catch (const Error& e) {
        outcome = "failed";
        fail(e.what());
    }
    training = false;
    paused = false;
    flushPendingSave();
    if (shuttingDown)
        return;
    publishSnapshot();
    publishCloud();
    toGui([q = q, outcome] { Q_EMIT q->trainingFinished(outcome); });
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
    stop();
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
        run->dataset = d->datasetName.toStdString();
        d->adoptRun(std::move(run), QString());
    });
}

void TrainingSession::openModel(const QString& path)
{
    d_->post([d = d_.get(), path] {
        if (isTorchScriptFile(path.toStdString())) {
            auto model = ScriptedModel::load(path.toStdString());
            if (!d->currentDataset()) // the file does not say what it was trained on
                d->loadDataset(QStringLiteral("mnist"));
            d->adoptScripted(std::move(model), path);
            return;
        }
        auto run = std::make_unique<TrainingRun>(loadCheckpoint(path.toStdString()));
        const QString wanted = QString::fromStdString(run->dataset);
        const DatasetPtr current = d->currentDataset();
        if (!wanted.isEmpty() && (!current || d->datasetName != wanted))
            d->loadDataset(wanted);
        {
            std::lock_guard<std::mutex> lock(d->mutex);
            d->request.arch = QString::fromStdString(run->spec.arch);
            d->request.kind = QString::fromStdString(kindName(run->spec.kind));
            d->request.loss = QString::fromStdString(lossName(run->spec.loss));
            d->request.latentDim = run->spec.latentDim;
            d->request.learningRate = run->learningRate;
            d->request.beta = run->spec.beta;
            d->request.inputNoise = run->spec.inputNoise;
        }
        d->adoptRun(std::move(run), path);
    });
}

void TrainingSession::saveModel(const QString& path)
{
    if (d_->training) { // saved between two steps, without stopping
        {
            std::lock_guard<std::mutex> lock(d_->mutex);
            d_->pendingSave = path;
        }
        d_->saveRequested = true;
        // Should training end before its next step, the save still happens, right after it.
        d_->post([d = d_.get()] { d->flushPendingSave(); });
        return;
    }
    d_->post([d = d_.get(), path] { d->saveNow(path); });
}

void TrainingSession::train(int epochs)
{
    d_->post([d = d_.get(), epochs] { d->trainOnWorker(epochs); });
}

void TrainingSession::pause()
{
    if (d_->training)
        d_->paused = true;
}

void TrainingSession::resume()
{
    d_->interruptEmbed = true;
    d_->paused = false;
    d_->pauseCv.notify_all();
    if (d_->training)
        Q_EMIT progressText(tr("Training…"));
}

void TrainingSession::stop()
{
    d_->interruptEmbed = true;
    d_->stopRequested = true;
    d_->paused = false;
    d_->pauseCv.notify_all();
}

bool TrainingSession::isTraining() const { return d_->training; }
bool TrainingSession::isPaused() const { return d_->paused; }
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

std::vector<EpochInfo> TrainingSession::history() const
{
    std::lock_guard<std::mutex> lock(d_->mutex);
    return d_->history;
}

} // namespace lx::ui
