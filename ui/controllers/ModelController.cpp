#include "controllers/ModelController.h"

#include "panels/Export.h"
#include "panels/NewModelDialog.h"
#include "session/ExplorerState.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMessageBox>
#include <QPushButton>
#include <QPointer>
#include <QProgressDialog>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>

#include <limits>

namespace lx::ui {
namespace {

QAction* makeAction(const QString& text, const QKeySequence& shortcut, QObject* parent)
{
    auto* action = new QAction(text, parent);
    action->setShortcut(shortcut);
    return action;
}

} // namespace

ModelController::ModelController(ExplorerState* state, QWidget* dialogParent, QObject* parent)
    : QObject(parent), state_(state), session_(state->session()), dialogParent_(dialogParent)
{
    newModel_ = makeAction(tr("&New Model…"), QKeySequence::New, this);
    newModel_->setToolTip(tr("Choose a type, architecture, latent size and training settings (Ctrl+N)"));
    connect(newModel_, &QAction::triggered, this, &ModelController::newModelDialog);
    // The lecture's own model one click away: the first launch trains the UMAP model, and the
    // lessons of a plain autoencoder (random points off the data decode to garbage) need this.
    newLecture_ = makeAction(tr("New &Lecture Autoencoder"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N), this);
    newLecture_->setToolTip(tr("Train the lecture's plain conv autoencoder (2-D code, MSE) on this dataset now"));
    connect(newLecture_, &QAction::triggered, this, [this] {
        if (!stopTrainingFirst(tr("create the lecture's model")))
            return;
        TrainingRequest lecture;
        lecture.kind = ModelKind::Autoencoder;
        lecture.arch = QStringLiteral("lecture");
        lecture.inputNoise = 0;
        createModel(lecture, true);
    });
    openModel_ = makeAction(tr("&Open Model…"), QKeySequence::Open, this);
    connect(openModel_, &QAction::triggered, this, &ModelController::openModelDialog);
    saveModel_ = makeAction(tr("&Save Model…"), QKeySequence::Save, this);
    connect(saveModel_, &QAction::triggered, this, &ModelController::saveModelDialog);
    openDataset_ = makeAction(tr("Open &Dataset…"), QKeySequence(Qt::CTRL | Qt::Key_D), this);
    connect(openDataset_, &QAction::triggered, this, &ModelController::openDatasetDialog);
    openSession_ = makeAction(tr("Open Sess&ion…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this);
    connect(openSession_, &QAction::triggered, this, &ModelController::openSessionDialog);
    saveSession_ = makeAction(tr("Save S&ession…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), this);
    connect(saveSession_, &QAction::triggered, this, &ModelController::saveSessionDialog);

    QDir().mkpath(QFileInfo(autosavePath()).path());
    session_->setAutosavePath(autosavePath());
    // Settings record what succeeded, and only that.
    connect(session_, &TrainingSession::datasetChanged, this,
            [this] { QSettings().setValue("session/lastDataset", session_->datasetName()); });
    connect(session_, &TrainingSession::saved, this, [this](const QString& path) {
        if (path == autosavePath())
            QSettings().setValue("session/lastModel", path);
        else
            Q_EMIT status(tr("Saved %1").arg(QDir::toNativeSeparators(path)));
    });
    connect(state_, &ExplorerState::sessionSaved, this, [this](const QString& path) {
        Q_EMIT status(tr("Session saved to %1").arg(QDir::toNativeSeparators(path)));
    });
    connect(state_, &ExplorerState::sessionRestored, this, [this] { Q_EMIT status(tr("Session restored")); });
    connect(state_, &ExplorerState::sessionFailed, this, [this](const QString& path, const QString& message) {
        Q_EMIT error(tr("Could not use the session %1:\n%2").arg(QDir::toNativeSeparators(path), message));
    });
    for (auto signal : {&TrainingSession::trainingStarted, &TrainingSession::idle, &TrainingSession::modelChanged})
        connect(session_, signal, this, &ModelController::updateActions);
    connect(session_, &TrainingSession::trainingFinished, this, &ModelController::updateActions);
    updateActions();
}

QString ModelController::autosavePath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/last-model.ckpt";
}

void ModelController::updateActions()
{
    const ModelSnapshotPtr model = state_->model();
    saveModel_->setEnabled(model && model->isTrainable());
    saveSession_->setEnabled(model != nullptr);
}

bool ModelController::stopTrainingFirst(const QString& what)
{
    if (!session_->isTraining() && !session_->hasUnsavedTraining())
        return true;
    // What follows replaces the model, and the automatic save is the next model's too: the
    // weights trained since the model's own file are kept only if saved now.
    QMessageBox box(QMessageBox::Question, QString(), QString(),
                    QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, dialogParent_);
    box.button(QMessageBox::Save)->setText(tr("Save…"));
    box.setDefaultButton(QMessageBox::Save);
    const auto describe = [&](bool training) {
        box.setWindowTitle(training ? tr("Training Is Running") : tr("Unsaved Model"));
        box.setText(training ? tr("The model is training. Stop it and %1? The new model takes its place: save this one "
                                  "first to keep what it has learnt.")
                                   .arg(what)
                             : tr("The model has trained since it was last saved. %1 anyway? The new model takes its "
                                  "place: save this one first to keep what it has learnt.")
                                   .arg(what.left(1).toUpper() + what.mid(1)));
        box.button(QMessageBox::Discard)->setText(training ? tr("Stop Without Saving") : tr("Replace Without Saving"));
    };
    describe(session_->isTraining());
    // Training goes on behind the question and may end while it is asked: the words follow.
    // Stopped before its first step (during a UMAP layout): nothing to lose, nothing to ask.
    connect(session_, &TrainingSession::trainingFinished, &box, [&] {
        if (session_->hasUnsavedTraining())
            describe(false);
        else
            box.done(QMessageBox::Discard);
    });
    const int answer = box.exec();
    if (answer == QMessageBox::Cancel)
        return false;
    QString path;
    if (answer == QMessageBox::Save && (path = askSavePath()).isEmpty())
        return false; // the file dialog cancelled: nothing stops
    session_->stop(); // what follows waits for the stop: the worker takes one job at a time
    if (!path.isEmpty())
        session_->saveModel(path);
    return true;
}

bool ModelController::stopTrainingForDataset(const QString& what)
{
    // Other images, the same model: its weights stay (Train goes on from them), so nothing is
    // lost and nothing needs saving; only a running training stops first.
    if (!session_->isTraining())
        return true;
    QMessageBox box(QMessageBox::Question, tr("Training Is Running"),
                    tr("The model is training. Stop it and %1? The model keeps what it has learnt: Train goes on "
                       "from its weights, on the new images.")
                        .arg(what),
                    QMessageBox::Yes | QMessageBox::Cancel, dialogParent_);
    box.button(QMessageBox::Yes)->setText(tr("Stop and Open"));
    box.setDefaultButton(QMessageBox::Yes);
    connect(session_, &TrainingSession::trainingFinished, &box, [&] { box.done(QMessageBox::Yes); });
    if (box.exec() != QMessageBox::Yes)
        return false;
    session_->stop();
    return true;
}

QString ModelController::askSavePath()
{
    // Where the model came from, but never the automatic save (the next model's overwrites it).
    QString start = session_->modelPath();
    if (start.isEmpty() || QFileInfo(start) == QFileInfo(autosavePath()))
        start = QDir(startFolder()).filePath("model.ckpt"); // where Open starts (Documents, else home)
    QString path = QFileDialog::getSaveFileName(dialogParent_, tr("Save Model"), start,
                                                tr("Latent Explorer checkpoints (*.ckpt)"));
    if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty())
        path += ".ckpt";
    return path;
}

void ModelController::startFromSettings()
{
    QSettings settings;
    QString last = settings.value("session/lastModel").toString();
    if (last.isEmpty() || !QFileInfo::exists(last))
        last = QFileInfo::exists(autosavePath()) ? autosavePath() : QString();
    const QString dataset = settings.value("session/lastDataset").toString();
    if (!last.isEmpty() && !dataset.isEmpty()) { // as they were at the end: the model on that dataset
        openDataset(dataset);
        return openModel(last, TrainingSession::DatasetChoice::KeepCurrent);
    }
    if (!last.isEmpty())
        return openModel(last);
    startDefaultTraining(dataset.isEmpty() ? QStringLiteral("mnist") : dataset);
}

void ModelController::startDefaultTraining(const QString& dataset, int epochs)
{
    openDataset(dataset);
    session_->newModel(TrainingRequest::firstLaunch(dataset.toStdString()));
    session_->train(epochs);
}

void ModelController::openModel(const QString& path, TrainingSession::DatasetChoice dataset)
{
    session_->openModel(path, dataset);
    if (!isTorchScriptModel(path))
        return;
    // A model from elsewhere runs its own code when probed: should it take long (or never
    // return), the window stays usable and offers to give up waiting.
    showOpening(tr("Opening Model"),
                tr("Opening %1: trying its encode and decode on two images…").arg(QFileInfo(path).fileName()));
}

void ModelController::openDataset(const QString& nameOrPath)
{
    session_->openDataset(nameOrPath);
    // A folder of images is converted one by one: progress, and Cancel (the dataset before stays).
    if (QFileInfo(nameOrPath).isDir())
        showOpening(tr("Opening Dataset"), tr("Opening %1: converting its images…").arg(QFileInfo(nameOrPath).fileName()));
}

void ModelController::showOpening(const QString& title, const QString& text)
{
    delete opening_;
    opening_ = new QProgressDialog(text, tr("Cancel"), 0, 0, dialogParent_);
    opening_->setObjectName("openingModel");
    opening_->setWindowTitle(title);
    // Shown after a second (QProgressDialog's own timer waits 4 s when no value is ever set).
    opening_->setMinimumDuration(std::numeric_limits<int>::max());
    QTimer::singleShot(1000, opening_, [dialog = opening_] { dialog->show(); });
    opening_->setAutoReset(false);
    opening_->setAutoClose(false);
    connect(session_, &TrainingSession::progressText, opening_, [dialog = opening_](const QString& line) {
        if (!line.isEmpty())
            dialog->setLabelText(line);
    });
    connect(opening_, &QProgressDialog::canceled, session_, &TrainingSession::cancelOpening);
    const auto done = [dialog = QPointer<QProgressDialog>(opening_)] {
        if (dialog)
            dialog->deleteLater();
    };
    connect(opening_, &QProgressDialog::canceled, opening_, done);
    for (auto signal : {&TrainingSession::modelChanged, &TrainingSession::datasetChanged, &TrainingSession::idle})
        connect(session_, signal, opening_, done);
    connect(session_, &TrainingSession::failed, opening_, done);
    connect(session_, &TrainingSession::notice, opening_, done);
}

void ModelController::createModel(const TrainingRequest& request, bool trainNow)
{
    if (!session_->dataset() && !session_->isBusy())
        openDataset(QSettings().value("session/lastDataset", "mnist").toString());
    session_->newModel(request);
    if (trainNow)
        session_->train(request.epochs);
}

void ModelController::newModelDialog()
{
    NewModelDialog dialog(dialogParent_);
    dialog.setDataset(session_->datasetName());
    if (session_->isTraining())
        dialog.setNote(tr("The model is training: Create stops it first, and asks whether to save it."));
    if (dialog.exec() != QDialog::Accepted || !stopTrainingFirst(tr("create the new model")))
        return;
    createModel(dialog.request(), dialog.trainNow());
}

void ModelController::openModelDialog()
{
    const QString path = QFileDialog::getOpenFileName(
        dialogParent_, tr("Open Model"), startFolder(),
        tr("Models (*.ckpt *.pt *.pth);;Latent Explorer checkpoints (*.ckpt);;TorchScript modules (*.pt *.pth);;"
           "All files (*)"));
    if (!path.isEmpty() && stopTrainingFirst(tr("open %1").arg(QFileInfo(path).fileName())))
        openModel(path);
}

void ModelController::saveModelDialog()
{
    const QString path = askSavePath();
    if (!path.isEmpty())
        session_->saveModel(path);
}

void ModelController::openDatasetDialog()
{
    bool ok = false;
    const QString file = tr("A file (IDX or NumPy)…");
    const QString folder = tr("A folder of images (one subfolder a class)…");
    const QString name = QInputDialog::getItem(dialogParent_, tr("Open Dataset"), tr("A named dataset, a file or a folder:"),
                                               {"mnist", "fashion", file, folder}, 0, false, &ok);
    if (!ok)
        return;
    QString chosen = name;
    if (name == file)
        chosen = QFileDialog::getOpenFileName(
            dialogParent_, tr("Open Images File"), startFolder(),
            tr("Images (*idx3-ubyte *idx3-ubyte.gz *.npy *.npz);;IDX images (*idx3-ubyte *idx3-ubyte.gz);;"
               "NumPy arrays (*.npy *.npz);;All files (*)"));
    else if (name == folder)
        chosen = QFileDialog::getExistingDirectory(dialogParent_, tr("Open a Folder of Images (root/<class>/*.png)"),
                                                   startFolder());
    if (chosen.isEmpty())
        return;
    if (name == file || name == folder)
        rememberFolder(name == folder ? QDir(chosen).filePath("x") : chosen);
    if (stopTrainingForDataset(tr("open %1").arg(name == file || name == folder ? QFileInfo(chosen).fileName() : chosen)))
        openDataset(chosen);
}

void ModelController::openSessionDialog()
{
    const QString path = QFileDialog::getOpenFileName(dialogParent_, tr("Open Session"), startFolder(),
                                                      tr("Latent Explorer sessions (*.lxsession);;All files (*)"));
    if (path.isEmpty() || !stopTrainingFirst(tr("open the session")))
        return;
    if (const QString why = state_->openSession(path); !why.isEmpty())
        Q_EMIT error(tr("Could not open %1:\n%2").arg(QDir::toNativeSeparators(path), why));
}

void ModelController::openFile(const QString& path)
{
    if (QFileInfo(path).suffix().compare("lxsession", Qt::CaseInsensitive) != 0)
        return openModel(path);
    if (const QString why = state_->openSession(path); !why.isEmpty())
        Q_EMIT error(tr("Could not open %1:\n%2").arg(QDir::toNativeSeparators(path), why));
}

void ModelController::saveSessionDialog()
{
    QString path = QFileDialog::getSaveFileName(dialogParent_, tr("Save Session"),
                                                QDir(startFolder()).filePath("session.lxsession"),
                                                tr("Latent Explorer sessions (*.lxsession)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += ".lxsession";
    rememberFolder(path);
    saveSessionTo(path);
}

void ModelController::saveSessionTo(const QString& path)
{
    if (const QString why = state_->saveSession(path); !why.isEmpty())
        Q_EMIT error(tr("Could not save %1:\n%2").arg(QDir::toNativeSeparators(path), why));
    else
        Q_EMIT status(tr("Saving the session…"));
}

} // namespace lx::ui
