#pragma once

#include "session/TrainingSession.h"

#include <QObject>
#include <QPointer>
#include <QString>

class QAction;
class QProgressDialog;
class QWidget;

namespace lx {
class ExplorerState;
}

namespace lx::ui {

// Models, datasets and sessions from the File menu, and what the app opens at start: the
// last model (autosaved whenever training ends or the window closes mid-training), else the
// default model trained on the last dataset. Settings record only what succeeded: the last
// dataset once it has loaded, the last model once it is saved. Asked for while training
// runs, New, Open and Open Dataset offer to stop it first.
class ModelController : public QObject {
    Q_OBJECT
public:
    ModelController(ExplorerState* state, QWidget* dialogParent, QObject* parent = nullptr);

    QAction* newModelAction() const { return newModel_; }
    QAction* newLectureAction() const { return newLecture_; }
    QAction* openModelAction() const { return openModel_; }
    QAction* saveModelAction() const { return saveModel_; }
    QAction* openDatasetAction() const { return openDataset_; }
    QAction* openSessionAction() const { return openSession_; }
    QAction* saveSessionAction() const { return saveSession_; }

    static QString autosavePath();
    void startFromSettings();
    void startDefaultTraining(const QString& dataset, int epochs = TrainingRequest::kDefaultEpochs);
    void openModel(const QString& path,
                   TrainingSession::DatasetChoice dataset = TrainingSession::DatasetChoice::FromCheckpoint);
    void openDataset(const QString& nameOrPath);
    void createModel(const TrainingRequest& request, bool trainNow);
    void saveSessionTo(const QString& path); // the result comes as a status line or a warning
    // A file given on the command line or by the desktop (a file manager's "Open With"): a
    // session (*.lxsession) or a model (our checkpoint, or a TorchScript module).
    void openFile(const QString& path);

Q_SIGNALS:
    void status(const QString& text);
    void error(const QString& message); // shown in a box that does not block the event loop

private:
    // Before the model is replaced: while training runs, stop it; and when it is training or has
    // trained since it was last saved, save it first or not? True: go on.
    bool stopTrainingFirst(const QString& what);
    // Before other images are opened: the model stays, so only a running training stops (asked).
    bool stopTrainingForDataset(const QString& what);
    QString askSavePath(); // the Save Model dialog; "" if cancelled
    // "Opening …" with Cancel, shown after a second, gone when the session has answered.
    void showOpening(const QString& title, const QString& text);
    void newModelDialog();
    void openModelDialog();
    void saveModelDialog();
    void openDatasetDialog();
    void openSessionDialog();
    void saveSessionDialog();
    void updateActions();

    ExplorerState* state_;
    TrainingSession* session_;
    QWidget* dialogParent_;
    QAction* newModel_;
    QAction* newLecture_;
    QAction* openModel_;
    QAction* saveModel_;
    QAction* openDataset_;
    QAction* openSession_;
    QAction* saveSession_;
    QPointer<QProgressDialog> opening_; // while an imported model is probed, or a folder of images converted
};

} // namespace lx::ui
