#pragma once

#include "bridge/ModelSnapshot.h"
#include "latent/LatentCloud.h"

#include <QObject>
#include <QString>

#include <memory>

namespace lx {
struct DatasetSplits;
}

namespace lx::ui {

struct TrainingRequest {
    QString kind = "ae";
    QString arch = "conv";
    QString loss = "mse";
    int latentDim = 2;
    int batchSize = 128;
    int epochs = 20;
    double learningRate = 1e-3;
    double beta = 1.0;
    double inputNoise = 0; // σ of the denoising noise (0: a plain autoencoder)
    quint64 seed = 0;
};

struct StepInfo {
    int epoch = 0;     // over the model's life
    int lastEpoch = 0; // the epoch this run ends at
    qint64 step = 0;
    qint64 stepsPerEpoch = 0;
    double loss = 0;
    double recon = 0;
    double kl = 0;
    double imagesPerSecond = 0;
    double fractionDone = 0; // of this run
    double secondsLeft = -1;
};

struct EpochInfo {
    int epoch = 0;
    double trainLoss = 0, valLoss = 0, trainRecon = 0, valRecon = 0, trainKl = 0, valKl = 0;
    bool partial = false;
};

using DatasetPtr = std::shared_ptr<const DatasetSplits>;
using CloudPtr = std::shared_ptr<const LatentCloud>;

// The GUI's handle on a model and its dataset. Everything slow (loading, training, embedding,
// saving) runs on one worker thread at idle priority; results come back as signals carrying
// plain values, and readers use immutable snapshots, so the GUI thread never waits on the
// trainer. Pause, resume and stop act within one training step. Destroying the session stops
// training and joins the thread.
class TrainingSession : public QObject {
    Q_OBJECT
public:
    explicit TrainingSession(QObject* parent = nullptr);
    ~TrainingSession() override;

    void openDataset(const QString& nameOrPath);
    void newModel(const TrainingRequest& request); // on the current dataset
    void openModel(const QString& path);
    void saveModel(const QString& path);
    void train(int epochs);
    void pause();
    void resume();
    void stop();

    bool isTraining() const;
    bool isPaused() const;
    bool hasModel() const;
    bool isBusy() const; // any work queued or running on the worker

    ModelSnapshotPtr snapshot() const;
    DatasetPtr dataset() const;
    CloudPtr cloud() const;
    QString datasetName() const;
    QString modelPath() const; // where it was last opened from or saved to, or ""
    TrainingRequest lastRequest() const;
    std::vector<EpochInfo> history() const;

Q_SIGNALS:
    void datasetChanged();
    void modelChanged();    // a new or opened model (history reset)
    void snapshotUpdated(); // newer weights of the same model
    void cloudChanged();
    void stepReported(const lx::ui::StepInfo& info);
    void epochFinished(const lx::ui::EpochInfo& info);
    void trainingStarted();
    void trainingFinished(const QString& outcome); // "finished", "stopped", or "failed"
    void progressText(const QString& text);
    void failed(const QString& message);
    void saved(const QString& path);
    void idle(); // the worker has nothing left to do

private:
    struct Private;
    std::unique_ptr<Private> d_;
};

} // namespace lx::ui

Q_DECLARE_METATYPE(lx::ui::StepInfo)
Q_DECLARE_METATYPE(lx::ui::EpochInfo)
