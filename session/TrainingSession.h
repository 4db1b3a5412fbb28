#pragma once

#include "latent/LatentCloud.h"
#include "model/ModelSpec.h"
#include "session/ModelSnapshot.h"
#include "train/Records.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

namespace lx {

struct DatasetSplits;

// What a new model is and how it trains: core's enums, the preset's name.
struct TrainingRequest {
    static constexpr int kDefaultEpochs = 20;

    ModelKind kind = ModelKind::Autoencoder;
    QString arch = QStringLiteral("conv"); // a preset: presetNames()
    LossKind loss = LossKind::Mse;
    int latentDim = 2;
    int batchSize = 128;
    int epochs = kDefaultEpochs;
    double learningRate = 1e-3;
    double beta = 1.0;
    double inputNoise = 0; // σ of the denoising noise (0: a plain autoencoder)
    double umapWeight = ModelSpec().umapWeight; // a UMAP model's pull towards its layout
    quint64 seed = 0;

    // What a first launch trains (and New Model offers first): the model with the clearest map
    // in its first minute, the UMAP-regularised `conv` (README, "Which model first"), with the
    // preset's noise and weight for `dataset` (a name or path; none: handwriting).
    static TrainingRequest firstLaunch(const std::string& dataset = {})
    {
        TrainingRequest r;
        r.kind = ModelKind::Umap;
        const ModelSpec preset = presetSpec("conv", 2, ModelKind::Umap, LossKind::Mse, dataset);
        r.inputNoise = preset.inputNoise;
        r.umapWeight = preset.umapWeight;
        return r;
    }
};

// A training step as the window shows it: core's report and where this run stands.
struct TrainingProgress {
    StepReport step;
    int lastEpoch = 0;       // the epoch this run ends at
    double fractionDone = 0; // of the epochs up to lastEpoch, as the label counts them
    double secondsLeft = -1; // -1: not known yet
};

enum class TrainingOutcome { Finished, Stopped, Failed };

using DatasetPtr = std::shared_ptr<const DatasetSplits>;
using CloudPtr = std::shared_ptr<const LatentCloud>;

// The GUI's handle on a model and its dataset, widget-free. Everything slow (loading,
// training, embedding, saving) runs on one worker thread; results come back as signals
// carrying plain values, and readers use immutable snapshots, so the GUI thread never waits
// on the trainer. Pause, resume and stop act within one training step. Destroying the
// session stops training, saves the weights trained so far (to the autosave path, if set)
// and joins the thread.
//
// A cloud, when there is one, always belongs to the current model and dataset: a new model
// or dataset withdraws the old cloud (cloudChanged with none) before its own arrives.
class TrainingSession : public QObject {
    Q_OBJECT
public:
    // The dataset a checkpoint names, or the one open now (a session file says which).
    enum class DatasetChoice { FromCheckpoint, KeepCurrent };
    // Called on the GUI thread once a save has run: "" or why it failed (then the caller
    // reports it: no `failed` signal for that save).
    using SaveDone = std::function<void(const QString& error)>;

    explicit TrainingSession(QObject* parent = nullptr);
    ~TrainingSession() override;

    void openDataset(const QString& nameOrPath);
    void newModel(const TrainingRequest& request); // on the current dataset
    void openModel(const QString& path, DatasetChoice dataset = DatasetChoice::FromCheckpoint);
    // Gives up an openModel that is still probing an imported model (one that does not answer):
    // the model shown before stays, and `notice` says so.
    void cancelOpening();
    void saveModel(const QString& path, SaveDone done = {});
    // Where the model is written whenever training ends (finished, stopped or failed with
    // good weights) and when the session closes mid-training; "" for nowhere.
    void setAutosavePath(const QString& path);
    void train(int epochs);
    void pause();
    void resume();
    void stop();

    bool isTraining() const;
    bool isPaused() const;
    bool isStopping() const; // a stop was asked for and training has not ended yet
    bool hasModel() const;
    bool isBusy() const; // any work queued or running on the worker
    // The model has trained since it was created, opened or last saved to a file of the
    // user's (the automatic save does not count: the next model's overwrites it).
    bool hasUnsavedTraining() const;

    // The model, its cloud and the dataset as they are at one instant (read under one lock).
    struct Current {
        ModelSnapshotPtr model;
        CloudPtr cloud;
        DatasetPtr dataset;
    };
    Current current() const;
    ModelSnapshotPtr snapshot() const;
    DatasetPtr dataset() const;
    CloudPtr cloud() const;
    QString datasetName() const;
    QString modelPath() const;    // where it was last opened from or saved to, or ""
    QString trainedOn() const;    // the dataset the model was trained on (its checkpoint says), or ""
    TrainingRequest lastRequest() const;
    // The epoch the model's last run was to end at (kept in its checkpoint), 0 when not known.
    int targetEpoch() const;
    std::vector<EpochRecord> history() const;

    // Tests only: called on the worker before every training step, so that a test can make a
    // step throw what LibTorch or the allocator would (c10::Error, std::bad_alloc).
    void setStepHookForTesting(std::function<void()> hook);

Q_SIGNALS:
    void datasetChanged();
    void modelChanged();    // a new or opened model (history reset)
    void snapshotUpdated(); // newer weights of the same model
    void cloudChanged();
    void stepReported(const lx::TrainingProgress& progress);
    void epochFinished(const lx::EpochRecord& record);
    void trainingStarted();
    // Before the first step (a UMAP model lays out its training images): what, and how far (0–1).
    void preparing(const QString& what, double fraction);
    void stopping();                                   // stop() was asked for during training
    void trainingFinished(lx::TrainingOutcome outcome); // however training ended
    void progressText(const QString& text);
    void failed(const QString& message);
    void notice(const QString& message); // worth a line in the status bar, not a warning
    void saved(const QString& path);
    void idle(); // the worker has nothing left to do

private:
    struct Private;
    std::unique_ptr<Private> d_;
};

} // namespace lx

Q_DECLARE_METATYPE(lx::TrainingProgress)
Q_DECLARE_METATYPE(lx::EpochRecord)
Q_DECLARE_METATYPE(lx::TrainingOutcome)
