#pragma once

#include "session/TrainingSession.h"

#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QLabel;
class QProgressBar;

namespace lx::ui {

// Live training curves (training loss per step, smoothed; validation loss per epoch) on an
// epoch axis, with a progress bar: epoch, images per second, time left. The gap between the
// training and validation losses of each epoch is shaded (a growing gap is overfitting). For
// a VAE, the reconstruction term and the KL term (nats per image, right axis) are drawn too.
// Runs can be kept on the plot to compare with the next (e.g. latent sizes 2, 8, 32).
class CurvesPanel : public QWidget {
    Q_OBJECT
public:
    explicit CurvesPanel(QWidget* parent = nullptr);

    void reset(const std::vector<EpochRecord>& history);
    void addStep(const TrainingProgress& progress);
    void addEpoch(const EpochRecord& epoch);
    void setIdle(const QString& text);
    void setVae(bool vae); // shows or hides the VAE's terms

    // Keeps the current validation curve on the plot, under `label`, for comparison.
    void keepForComparison(const QString& label);
    void clearComparisons();
    int comparisonCount() const { return int(kept_.size()); }

    QCustomPlot* plot() const { return plot_; }
    int trainPointCount() const;
    int validationPointCount() const;
    int reconstructionPointCount() const;
    int klPointCount() const;

private:
    void rescale();

    QCustomPlot* plot_;
    QCPGraph* train_;
    QCPGraph* validation_;
    QCPGraph* trainEpoch_;  // the training loss per epoch: the lower edge of the shaded gap
    QCPGraph* recon_;       // VAE: reconstruction term, training (smoothed)
    QCPGraph* kl_;          // VAE: KL term per image, training (smoothed), right axis
    QCPGraph* validationKl_;
    std::vector<QCPGraph*> kept_;
    bool vae_ = false;
    double smoothedRecon_ = -1, smoothedKl_ = -1;
    QProgressBar* progress_;
    QLabel* status_;
    double smoothed_ = -1;
};

} // namespace lx::ui
