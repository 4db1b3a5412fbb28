#pragma once
// Private to session/TrainingSession.cpp and session/TrainingLoop.cpp: the inside of a
// TrainingSession (its worker thread, the model it trains, what it shares with the GUI).
// Includes torch: never included by a header moc reads.

// torch (through core and the snapshot's inside) before Qt.
#include "common/Error.h"
#include "data/Dataset.h"
#include "io/Checkpoint.h"
#include "io/CodesCache.h"
#include "latent/Evaluation.h"
#include "model/ScriptedModel.h"
#include "session/ImageFolder.h"
#include "session/ModelSnapshotImpl.h"
#include "train/Trainer.h"

#include "session/PauseGate.h"
#include "session/TrainingSession.h"

#include <QFile>
#include <QFileInfo>
#include <QThread>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <new>
#include <optional>

namespace lx {
namespace sessiondetail {

using Clock = std::chrono::steady_clock;
inline constexpr auto kStepReportInterval = std::chrono::milliseconds(200);
inline constexpr auto kSnapshotInterval = std::chrono::milliseconds(250);
inline constexpr auto kLiveCloudInterval = std::chrono::milliseconds(1000);

// Progress of a long load or map, said at most four times a second.
class ProgressPacer {
public:
    bool due()
    {
        const auto now = Clock::now();
        if (now - last_ < std::chrono::milliseconds(250))
            return false;
        last_ = now;
        return true;
    }

private:
    Clock::time_point last_ = Clock::now();
};

// The model a request makes for the dataset it will train on (a preset's augmentation follows it).
inline ModelSpec specFor(const TrainingRequest& r, const QString& dataset)
{
    ModelSpec spec = presetSpec(r.arch.toStdString(), r.latentDim, r.kind, r.loss, dataset.toStdString());
    spec.beta = r.beta;
    spec.inputNoise = r.inputNoise;
    spec.umapWeight = r.umapWeight;
    checkSpec(spec);
    return spec;
}

inline std::string fileName(const QString& path)
{
    return QFile::encodeName(path).toStdString();
}

// Whatever a worker job threw, as the one line the user sees.
inline std::string messageOf(std::exception_ptr error)
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

} // namespace sessiondetail

// This header is private to the session's two .cpp files.
using namespace sessiondetail;

struct TrainingSession::Private {
    TrainingSession* q = nullptr;
    QThread thread;
    QObject* worker = nullptr; // lives in `thread`; work is queued to it

    // Touched on the worker thread only.
    std::unique_ptr<TrainingRun> run;
    std::shared_ptr<ScriptedModel> scripted; // or a TorchScript model (then `run` is empty)
    bool cloudExact = false; // the cloud is the current weights' exact embedding
    std::function<void()> stepHook;
    SnapshotRecycler snapshots; // publishSnapshot's copies of the training model

    // Shared with the GUI thread.
    mutable std::mutex mutex;
    ModelSnapshotPtr snapshot;
    DatasetPtr dataset;
    CloudPtr cloud;
    QString datasetName;
    QString modelPath;
    QString trainedOn;
    QString autosavePath;
    // Whether the model has trained since it was made, opened or saved to a file other than the
    // automatic save (which the next model's overwrites).
    std::atomic<bool> unsavedTraining{false};
    TrainingRequest request;
    std::vector<EpochRecord> history;
    int targetEpoch = 0; // the run's TrainingRun::targetEpoch, for the GUI thread
    struct PendingSave {
        QString path;
        SaveDone done;
    };
    std::vector<PendingSave> pendingSaves; // asked for during training: written between steps

    PauseGate gate;
    std::atomic<bool> training{false};
    std::atomic<bool> shuttingDown{false};   // the session is being destroyed: give up long work
    std::atomic<bool> cancelOpen{false};     // give up opening a model (its probe did not answer)
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
                    ScriptedModel::ThreadCancel closing(&shuttingDown); // an imported model never holds up closing
                    fn();
                } catch (const Cancelled&) { // asked for: the job that asked says so, if anything
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

    // midTraining: taken between two steps of a training that goes on (see ModelSnapshot::Impl).
    void publishSnapshot(bool midTraining = false)
    {
        ModelSnapshotPtr s =
            scripted ? snapshotOf(std::shared_ptr<LatentModel>(scripted)) : snapshots.take(run->model, midTraining);
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
        const int64_t total = data->totalCount();
        say(tr("Computing the map of %L1 images…").arg(total));
        // How far it is, a few times a second: 70,000 images take a while on a slow machine.
        ProgressPacer pacer;
        int64_t previewRows = 0; // once a first map from these rows is shown
        const EncodeProgress progress = [&](int64_t done) {
            if (done >= total || !pacer.due())
                return;
            if (previewRows > 0) // how far through the others
                say(tr("Map drawn from the first %L1 images; adding the other %L2… %3%")
                        .arg(previewRows)
                        .arg(total - previewRows)
                        .arg(100 * (done - previewRows) / std::max<int64_t>(total - previewRows, 1)));
            else
                say(tr("Computing the map of %L1 images… %2%").arg(total).arg(100 * done / std::max<int64_t>(total, 1)));
        };
        // With no map shown yet (a model just opened), a first map from the first 10,000
        // images while the rest are encoded: a user sees the model's map in about a second
        // instead of after all 70,000 (bench_gui). A map already shown stays until all are done.
        CloudPreview preview;
        if (!q->cloud())
            preview = [&](LatentCloud partial) {
                previewRows = partial.count();
                setCloud(std::make_shared<const LatentCloud>(std::move(partial)));
            };
        try {
            NativeModel native(run ? run->model : Autoencoder(nullptr));
            LatentModel& model = scripted ? static_cast<LatentModel&>(*scripted) : native;
            setCloud(std::make_shared<const LatentCloud>(
                embedSplits(model, *data, interruptible ? &interruptEmbed : &shuttingDown, progress, preview)));
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
        unsavedTraining = false;
        ModelSnapshotPtr s = scripted ? snapshotOf(std::shared_ptr<LatentModel>(scripted)) : snapshotOf(run->model);
        {
            std::lock_guard<std::mutex> lock(mutex);
            snapshot = std::move(s);
            cloud.reset();
            history = std::move(records);
            targetEpoch = run ? run->targetEpoch : 0;
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

    // False if the user cancelled (an image folder's conversion): nothing changed.
    bool loadDataset(const QString& name)
    {
        say(tr("Loading dataset %1…").arg(name));
        // An image folder is converted image by image: how far it is, a few times a second.
        std::vector<std::string> skipped;
        ImageFolderOptions options;
        options.cancel = &cancelOpen; // set by Cancel, and when the session shuts down
        ProgressPacer pacer;
        options.progress = [&](int64_t done, int64_t total) {
            if (!pacer.due())
                return;
            say(tr("Loading dataset %1… %L2 of %L3 images").arg(name).arg(done).arg(total));
        };
        std::shared_ptr<const DatasetSplits> data;
        try {
            data = std::make_shared<const DatasetSplits>(openAnyDataset(fileName(name), &skipped, options));
        } catch (const Cancelled&) {
            say(QString());
            if (!shuttingDown)
                toGui([q = q, name] {
                    Q_EMIT q->notice(tr("Opening %1 cancelled; the dataset before stays").arg(QFileInfo(name).fileName()));
                });
            return false;
        }

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
        if (!skipped.empty()) // listed, and the rest opened (after datasetChanged, which clears the line)
            toGui([q = q, n = skipped.size(), first = QString::fromStdString(skipped.front())] {
                Q_EMIT q->notice(tr("%n image(s) could not be read and were skipped; the first: %1", "", int(n)).arg(first));
            });
        say(QString());
        return true;
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
            if (path != autosavePath)
                unsavedTraining = false;
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

} // namespace lx
