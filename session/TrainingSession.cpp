#include "session/TrainingSessionPrivate.h"

#include <QFileInfo>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace lx {
namespace {

// The worker's nice value (the GUI's is 0): see the constructor.
constexpr int kWorkerNice = 0;

} // namespace

TrainingSession::TrainingSession(QObject* parent) : QObject(parent), d_(std::make_unique<Private>())
{
    d_->q = this;
    d_->worker = new QObject;
    d_->worker->moveToThread(&d_->thread);
    d_->thread.setObjectName("training");
    // Normal priority, not idle: SCHED_IDLE starved the trainer (and the OpenMP team it
    // starts, which inherits it) whenever any other process wanted a core: 109 img/s beside one
    // busy process against 1,019 at normal priority. A raised nice value starves it as badly
    // (nice 5: 113 img/s): an OpenMP team whose threads get unequal shares waits at every
    // barrier. The price on an idle machine: hover while training p50 ~3.9 ms instead of
    // ~2.1, p99 ~8.7 instead of ~6. LX_WORKER_PRIORITY=idle or a nice value (0..19) for
    // side-by-side measurements; bench/RESULTS.md has the figures.
    const QByteArray priority = qgetenv("LX_WORKER_PRIORITY");
    const bool idle = priority == "idle";
    if (!idle) {
        bool given = false;
        const int value = priority.toInt(&given);
        // Run in the new thread as it starts (a direct connection from its own signal).
        QObject::connect(&d_->thread, &QThread::started, d_->worker,
                         [nice = given ? std::clamp(value, 0, 19) : kWorkerNice] {
                             ::setpriority(PRIO_PROCESS, pid_t(::syscall(SYS_gettid)), nice); // this thread only
                         },
                         Qt::DirectConnection);
    }
    d_->thread.start(idle ? QThread::IdlePriority : QThread::NormalPriority);
}

TrainingSession::~TrainingSession()
{
    d_->shuttingDown = true;
    d_->cancelOpen = true;
    d_->interruptEmbed = true;
    d_->gate.stop();
    d_->thread.quit();
    d_->thread.wait();
    delete d_->worker;
}

void TrainingSession::openDataset(const QString& nameOrPath)
{
    d_->cancelOpen = false;
    d_->post([d = d_.get(), nameOrPath] {
        if (!d->loadDataset(nameOrPath))
            return; // cancelled: the dataset before stays
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
        QString dataset;
        {
            std::lock_guard<std::mutex> lock(d->mutex);
            dataset = d->datasetName;
        }
        auto run = std::make_unique<TrainingRun>(
            TrainingRun::create(specFor(request, dataset), request.learningRate, request.seed));
        run->dataset = dataset.toStdString();
        d->adoptRun(std::move(run), QString());
    });
}

void TrainingSession::openModel(const QString& path, DatasetChoice choice)
{
    d_->cancelOpen = false;
    d_->post([d = d_.get(), path, choice] {
        if (isTorchScriptFile(fileName(path))) {
            std::shared_ptr<ScriptedModel> model;
            try {
                model = ScriptedModel::load(fileName(path), &d->cancelOpen);
            } catch (const Cancelled&) {
                if (!d->shuttingDown)
                    d->toGui([q = d->q, file = QFileInfo(path).fileName()] {
                        // (Its call runs on, at idle priority, until the program quits:
                        // TorchScript cannot be interrupted. The README says so.)
                        Q_EMIT q->notice(TrainingSession::tr("Opening %1 cancelled; the model before stays").arg(file));
                    });
                return;
            }
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
            if (run->spec.isUmap())
                d->request.umapWeight = run->spec.umapWeight;
        }
        d->adoptRun(std::move(run), path);
    });
}

void TrainingSession::cancelOpening()
{
    d_->cancelOpen = true;
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

bool TrainingSession::hasUnsavedTraining() const
{
    return d_->unsavedTraining;
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

int TrainingSession::targetEpoch() const
{
    std::lock_guard<std::mutex> lock(d_->mutex);
    return d_->targetEpoch;
}

void TrainingSession::setStepHookForTesting(std::function<void()> hook)
{
    // Read by the worker between steps; set before training starts.
    d_->post([d = d_.get(), hook = std::move(hook)] { d->stepHook = hook; });
}

} // namespace lx
