#include "controllers/StatusLine.h"

#include "data/Dataset.h"
#include "session/ExplorerState.h"

#include <QEvent>
#include <QFontMetrics>
#include <QLabel>
#include <QMessageBox>
#include <QStatusBar>

namespace lx::ui {
namespace {
const QString kSeparator = QStringLiteral("  ·  ");
} // namespace

StatusLine::StatusLine(ExplorerState* state, QStatusBar* bar, QWidget* dialogParent, QObject* parent)
    : QObject(parent), state_(state), dialogParent_(dialogParent), label_(new QLabel(bar))
{
    label_->setObjectName("statusLine");
    // Shown whole or fitted (fit), never pushing the window wider.
    label_->setMinimumWidth(1);
    label_->installEventFilter(this);
    bar->addWidget(label_, 1);
    TrainingSession* session = state_->session();
    connect(session, &TrainingSession::progressText, this, [this](const QString& text) {
        work_ = text;
        refresh();
    });
    connect(session, &TrainingSession::failed, this, [this](const QString& message) {
        work_.clear();
        message_.clear(); // "Training 20 epochs" is no longer true

        refresh();
        showError(message);
    });
    connect(session, &TrainingSession::notice, this, &StatusLine::show);
    // A model that fails on the GUI thread (an imported one whose decode raises, returns NaN
    // or does not answer): a warning the first time it says something new, the status line
    // after that (a hover calls it again at every move).
    setModelProblemReporter([this](const QString& message) {
        QMetaObject::invokeMethod(this, [this, message] {
            if (message != lastProblem_) {
                lastProblem_ = message;
                showError(message);
            }
            show(message);
        }, Qt::QueuedConnection);
    });
    // A message was about what was shown before: another dataset or model starts afresh.
    for (auto signal : {&ExplorerState::datasetChanged, &ExplorerState::modelChanged})
        connect(state_, signal, this, [this] {
            message_.clear();
            refresh();
        });
    refresh();
}

StatusLine::~StatusLine()
{
    setModelProblemReporter({});
}

void StatusLine::show(const QString& message)
{
    message_ = message;
    refresh();
}

void StatusLine::showError(const QString& message)
{
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Latent Explorer"), message, QMessageBox::Ok, dialogParent_);
    box->setObjectName("errorMessage");
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

QString StatusLine::text() const
{
    return parts_.join(kSeparator);
}

QString StatusLine::shownText() const
{
    return label_->text();
}

bool StatusLine::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == label_ && event->type() == QEvent::Resize)
        fit();
    return QObject::eventFilter(watched, event);
}

void StatusLine::fit()
{
    const int room = label_->contentsRect().width();
    const QFontMetrics metrics = label_->fontMetrics();
    QStringList parts = parts_;
    QString line = parts.join(kSeparator);
    // Before the window is laid out (no width yet) the whole line.
    if (room > 1)
        while (parts.size() > 1 && metrics.horizontalAdvance(line) > room) {
            // The message is last; the model's description, then the dataset's, give way to it.
            parts.removeAt(parts.size() >= 3 ? 1 : 0);
            line = parts.join(kSeparator);
        }
    if (room > 1 && metrics.horizontalAdvance(line) > room)
        line = metrics.elidedText(line, Qt::ElideMiddle, room);
    label_->setText(line);
}

void StatusLine::refresh()
{
    QStringList parts;
    if (const DatasetPtr data = state_->dataset())
        parts << tr("%1: %L2 images").arg(state_->datasetName()).arg(data->totalCount());
    if (const ModelSnapshotPtr model = state_->model()) {
        // A model shown on another dataset than it learned from says so.
        const QString trainedOn = state_->session()->trainedOn();
        parts << (trainedOn.isEmpty() || trainedOn == state_->datasetName()
                      ? model->description()
                      : tr("%1 (trained on %2)").arg(model->description(), trainedOn));
    }
    if (const QString& m = work_.isEmpty() ? message_ : work_; !m.isEmpty())
        parts << m;
    if (parts.isEmpty())
        parts << tr("No model loaded");
    parts_ = parts;
    label_->setToolTip(text());
    fit();
}

} // namespace lx::ui
