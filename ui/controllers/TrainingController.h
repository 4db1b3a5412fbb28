#pragma once

#include <QObject>

class QAction;
class QToolBar;

namespace lx {
class ExplorerState;
class TrainingSession;
}

namespace lx::ui {

class ArchitecturePanel;
class CurvesPanel;

// Training from the window: Train, Pause/Resume and Stop (their state follows the session's,
// Stop says at once that it is stopping), the live curves and progress, the kept curves for
// comparison, and the Architecture panel of the current model.
class TrainingController : public QObject {
    Q_OBJECT
public:
    TrainingController(ExplorerState* state, CurvesPanel* curves, ArchitecturePanel* architecture,
                       QObject* parent = nullptr);

    QAction* trainAction() const { return train_; }
    QAction* pauseAction() const { return pause_; }
    QAction* stopAction() const { return stop_; }
    QAction* keepCurvesAction() const { return keepCurves_; }
    QAction* clearCurvesAction() const { return clearCurves_; }

    // Pause's button in `bar` keeps the width of its longer text ("Resume"), so the buttons
    // after it do not shift under the mouse as it changes.
    void holdPauseWidth(QToolBar* bar) const;

    void train(); // the current model (a new one as last chosen, if there is none)
    void togglePause();

Q_SIGNALS:
    void status(const QString& text);

private:
    void updateActions();
    void showModel();
    // The epoch the model's plan ends at: its last run's (kept in the checkpoint), else the
    // planned number of epochs.
    int planEnd() const;

    ExplorerState* state_;
    TrainingSession* session_;
    CurvesPanel* curves_;
    ArchitecturePanel* architecture_;
    QAction* train_;
    QAction* pause_;
    QAction* stop_;
    QAction* keepCurves_;
    QAction* clearCurves_;
    double startFraction_ = 0; // where the bar starts, of this run's epochs
    QString startMessage_; // what the next trainingStarted says ("Training on to epoch 20")
};

} // namespace lx::ui
