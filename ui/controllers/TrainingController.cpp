#include "controllers/TrainingController.h"

#include "panels/ArchitecturePanel.h"
#include "panels/CurvesPanel.h"
#include "panels/NewModelDialog.h"
#include "session/ExplorerState.h"

#include <QAction>
#include <QSettings>
#include <QToolBar>

#include <algorithm>

namespace lx::ui {
namespace {

QString stoppingText()
{
    return TrainingController::tr("Stopping… then computing the exact map");
}

QString pauseText(bool paused)
{
    return paused ? TrainingController::tr("&Resume") : TrainingController::tr("&Pause");
}

} // namespace

TrainingController::TrainingController(ExplorerState* state, CurvesPanel* curves, ArchitecturePanel* architecture,
                                       QObject* parent)
    : QObject(parent), state_(state), session_(state->session()), curves_(curves), architecture_(architecture)
{
    train_ = new QAction(tr("&Train"), this);
    train_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    connect(train_, &QAction::triggered, this, &TrainingController::train);
    pause_ = new QAction(pauseText(false), this);
    pause_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    connect(pause_, &QAction::triggered, this, &TrainingController::togglePause);
    stop_ = new QAction(tr("S&top"), this);
    stop_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    connect(stop_, &QAction::triggered, session_, &TrainingSession::stop);
    keepCurves_ = new QAction(tr("&Keep Curves for Comparison"), this);
    keepCurves_->setToolTip(tr("Keep this model's validation curve on the plot, to compare the next model with it"));
    connect(keepCurves_, &QAction::triggered, this, [this] {
        const ModelSnapshotPtr m = state_->model();
        curves_->keepForComparison(
            m ? tr("%1, %2 epochs").arg(m->description()).arg(session_->history().size()) : QString());
    });
    clearCurves_ = new QAction(tr("C&lear Compared Curves"), this);
    connect(clearCurves_, &QAction::triggered, curves_, &CurvesPanel::clearComparisons);

    // Reports still on their way when Stop was pressed add their points, but the line keeps
    // saying that it is stopping (it read "Training… 2:31 left" after Stop).
    connect(session_, &TrainingSession::stepReported, this, [this](const TrainingProgress& p) {
        curves_->addStep(p);
        if (session_->isStopping())
            curves_->setIdle(stoppingText());
    });
    connect(session_, &TrainingSession::epochFinished, curves_, &CurvesPanel::addEpoch);
    // A UMAP model's layout comes before its first step: the panel says so (it said "Not
    // trained yet" while the status bar alone counted the layout's progress).
    connect(session_, &TrainingSession::preparing, this, [this](const QString& what, double fraction) {
        if (!session_->isStopping())
            // Once the layout is done the bar is the run's again (it stood full while the first
            // step was on its way).
            curves_->showPreparing(fraction >= 1 ? tr("Starting training…")
                                                 : tr("%1… %2% (before training starts)").arg(what).arg(int(100 * fraction)),
                                   fraction >= 1 ? startFraction_ : fraction);
    });
    connect(session_, &TrainingSession::trainingStarted, this, [this] {
        Q_EMIT status(startMessage_.isEmpty() ? tr("Training…") : startMessage_);
        startMessage_.clear();
        updateActions();
    });
    connect(session_, &TrainingSession::stopping, this, [this] {
        curves_->setIdle(stoppingText());
        Q_EMIT status(stoppingText());
        updateActions();
    });
    connect(session_, &TrainingSession::trainingFinished, this, [this](TrainingOutcome outcome) {
        const QString text = outcome == TrainingOutcome::Failed    ? tr("Training failed; the last good weights are kept")
                             : outcome == TrainingOutcome::Stopped ? tr("Stopped; the weights trained so far are kept")
                                                                   : tr("Finished");
        curves_->setIdle(text);
        // The bar at the epochs done of the plan (stopped during a UMAP layout, it kept the
        // layout's fraction).
        if (const int target = session_->targetEpoch(); target > 0)
            curves_->setProgress(double(wholeEpochs(session_->history())) / target);
        Q_EMIT status(text);
        updateActions();
    });
    connect(state_, &ExplorerState::modelChanged, this, &TrainingController::showModel);
    connect(session_, &TrainingSession::idle, this, &TrainingController::updateActions);
    connect(session_, &TrainingSession::failed, this, &TrainingController::updateActions);
    updateActions();
}

void TrainingController::showModel()
{
    if (const ModelSnapshotPtr model = state_->model()) {
        const ModelSpec* spec = model->spec();
        curves_->setVae(model->isVae(), spec ? spec->beta : 1.0, model->imageRows() * model->imageCols());
        if (spec)
            architecture_->setSpec(*spec);
        else
            architecture_->showText(tr("%1: a TorchScript module; its layers are Python's to show "
                                       "(latent-explorer inspect lists its submodules).")
                                        .arg(model->description()));
    }
    curves_->reset(session_->history(), session_->hasModel() ? planEnd() : 0);
    updateActions();
}

void TrainingController::train()
{
    if (!session_->hasModel()) { // a new model of the remembered kind, on the last dataset if none is open
        if (!session_->dataset())
            session_->openDataset(QSettings().value("session/lastDataset", "mnist").toString());
        session_->newModel(NewModelDialog::remembered());
    }
    // Up to the epoch the last run was to end at (a run stopped part-way, or cut short by a
    // relaunch, goes on to it: "20 more" from where it stopped grew the plan each time), else
    // the planned number of epochs; once they are done, that many more. Said as the plan.
    const int planned = std::max(1, session_->lastRequest().epochs);
    const int goal = planEnd();
    const int done = wholeEpochs(session_->history());
    const int epochs = done < goal ? goal - done : planned;
    startFraction_ = double(done) / double(done + epochs); // of the epochs up to this run's last
    session_->train(epochs);
    startMessage_ = done == 0      ? tr("Training %1 epochs").arg(epochs)
                    : done < goal ? tr("Training on to epoch %1").arg(goal)
                                  : tr("Training epochs %1 to %2").arg(done + 1).arg(done + epochs);
    // The panel says it at once (it kept "Stopped…" or "Finished" until the first step).
    curves_->setIdle(startMessage_ + QStringLiteral("…"));
    // More epochs after a finished plan: the rate, down to 5 % at its end, goes up again to
    // where a plan to the new last epoch would be now (Trainer: TrainConfig::scheduleEnd), and
    // the validation loss may rise for an epoch or two before it goes below where it was.
    // The status bar says it now and again when the first step starts (trainingStarted).
    if (done > 0 && done >= goal)
        // Short enough for the status bar at 1280 px (the longer first wording was cut there).
        startMessage_ = tr("%1 · learning rate back up to %2 %: the loss may rise for an epoch or two first")
                            .arg(startMessage_)
                            .arg(std::lround(100 * cosineRate(1.0, double(done) / double(done + epochs))));
    Q_EMIT status(startMessage_);
}

int TrainingController::planEnd() const
{
    return session_->targetEpoch() > 0 ? session_->targetEpoch() : std::max(1, session_->lastRequest().epochs);
}

void TrainingController::holdPauseWidth(QToolBar* bar) const
{
    QWidget* button = bar->widgetForAction(pause_);
    if (!button)
        return;
    const QString now = pause_->text();
    int widest = 0;
    for (const bool paused : {false, true}) {
        pause_->setText(pauseText(paused));
        widest = std::max(widest, button->sizeHint().width());
    }
    pause_->setText(now);
    button->setMinimumWidth(widest);
}

void TrainingController::togglePause()
{
    if (session_->isPaused())
        session_->resume();
    else
        session_->pause();
    const bool paused = session_->isPaused();
    if (paused)
        curves_->setIdle(tr("Paused (Ctrl+P resumes)"));
    Q_EMIT status(paused ? tr("Pausing… then computing the exact map") : tr("Training…"));
    updateActions();
}

void TrainingController::updateActions()
{
    const bool training = session_->isTraining();
    const bool stopping = session_->isStopping();
    const ModelSnapshotPtr model = state_->model();
    const bool trainable = !model || model->isTrainable(); // TorchScript models are explored only
    train_->setEnabled(!training && trainable);
    // While a run stops, Train waits for the exact map (a few seconds): said, not silent.
    train_->setToolTip(!trainable ? tr("TorchScript models are explored here, not trained")
                       : stopping ? tr("Train again once the exact map is computed (a few seconds)")
                                  : tr("Train the model (Ctrl+T)"));
    pause_->setEnabled(training && !stopping);
    pause_->setText(pauseText(session_->isPaused()));
    stop_->setEnabled(training && !stopping);
}

} // namespace lx::ui
