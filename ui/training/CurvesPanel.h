#pragma once

#include "training/TrainingSession.h"

#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QLabel;
class QProgressBar;

namespace lx::ui {

// Live training curves (training loss per step, smoothed; validation loss per epoch) on an
// epoch axis, with a progress bar: epoch, images per second, time left.
class CurvesPanel : public QWidget {
    Q_OBJECT
public:
    explicit CurvesPanel(QWidget* parent = nullptr);

    void reset(const std::vector<EpochInfo>& history);
    void addStep(const StepInfo& step);
    void addEpoch(const EpochInfo& epoch);
    void setIdle(const QString& text);

    QCustomPlot* plot() const { return plot_; }
    int trainPointCount() const;
    int validationPointCount() const;

private:
    QCustomPlot* plot_;
    QCPGraph* train_;
    QCPGraph* validation_;
    QProgressBar* progress_;
    QLabel* status_;
    double smoothed_ = -1;
};

} // namespace lx::ui
