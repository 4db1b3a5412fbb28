#pragma once

#include "session/TrainingSession.h"

#include <QPointF>
#include <QWidget>

#include <optional>
#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPLayoutGrid;
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

    // `plannedEpochs` (the last run's plan, 0 when not known) sets the bar: 4 epochs of 20 done
    // show a fifth of it, not a full bar.
    void reset(const std::vector<EpochRecord>& history, int plannedEpochs = 0);
    void addStep(const TrainingProgress& progress);
    void addEpoch(const EpochRecord& epoch);
    void setIdle(const QString& text);
    // The bar at `fraction` of the plan (a run stopped during a UMAP layout left the layout's).
    void setProgress(double fraction);
    // Work before the first step (a UMAP model's layout): its line, and the bar at how far it is.
    void showPreparing(const QString& text, double fraction);
    // Shows or hides the VAE's terms. Its loss per pixel is reconstruction + β·KL / pixels:
    // the status line says the terms in those units, so that they add up.
    void setVae(bool vae, double beta = 1.0, int pixels = 784);
    QString statusText() const;
    // What the last epoch's validation pass measured: reconstruction error and how well the
    // map sorts the labels (5-NN), with the change since the epoch before; empty before one.
    QString qualityText() const;

    // Keeps the current validation curve on the plot, under `label`, for comparison.
    void keepForComparison(const QString& label);
    void clearComparisons();
    int comparisonCount() const { return int(kept_.size()); }

    QCustomPlot* plot() const { return plot_; }
    int trainPointCount() const;
    int validationPointCount() const;
    int reconstructionPointCount() const;
    int klPointCount() const;
    // The shaded gap's outlines (empty when validation is nowhere above training).
    std::vector<QPointF> gapOutline(bool top) const;
    bool saysGap() const; // its legend entry is shown
    // Whether the legend stands beside the curves: only while they keep 200 px and 40 % of the
    // width (in a narrow panel it left them a sliver; the plot's tooltip names the curves).
    bool legendShown() const;

protected:
    void changeEvent(QEvent* event) override;

private:
    void rescale();
    void updateGap();

    void placeLegend();
    void describeCurves();

    QCustomPlot* plot_;
    QCPLayoutGrid* legendColumn_;
    QCPGraph* train_;
    QCPGraph* validation_;
    QCPGraph* gapTop_;      // the gap's outlines: validation where it is above training,
    QCPGraph* gapBottom_;   // and training (filled between: the area between the curves drawn)
    QCPGraph* recon_;       // VAE: reconstruction term, training (smoothed)
    QCPGraph* kl_;          // VAE: KL term per image, training (smoothed), right axis
    QCPGraph* validationKl_;
    std::vector<QCPGraph*> kept_;
    bool vae_ = false;
    double beta_ = 1.0;
    int pixels_ = 784;
    double smoothedRecon_ = -1, smoothedKl_ = -1;
    QProgressBar* progress_;
    QLabel* status_;
    QLabel* quality_;
    std::optional<EpochRecord> lastWhole_; // the last shown that was not a stop's partial epoch
    void showQuality(const EpochRecord* e, const EpochRecord* before);
    double smoothed_ = -1;
    bool userView_ = false; // zoomed or dragged by the user: training's new points leave the view as it is
};

} // namespace lx::ui
