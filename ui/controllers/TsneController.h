#pragma once

#include <QObject>
#include <QPointer>

#include "session/TrainingSession.h"

class QProgressDialog;
class QWidget;

namespace lx {
class BackgroundJob;
class ExplorerState;
}

namespace lx::ui {

// The map as a t-SNE of the current codes: a background job with a progress dialog and
// Cancel. Its result is shown only if the codes did not change meanwhile; hovering then
// decodes through the nearest embedded points. New codes (training) bring the exact
// projection back by themselves.
class TsneController : public QObject {
    Q_OBJECT
public:
    TsneController(ExplorerState* state, QWidget* dialogParent, QObject* parent = nullptr);
    ~TsneController() override;

    void ask(); // perplexity and seed (remembered), then compute
    void compute(double perplexity = 30, quint64 seed = 1);
    void cancel();
    bool isRunning() const;
    void showExactProjection();

Q_SIGNALS:
    void status(const QString& text);
    void error(const QString& message);

private:
    ExplorerState* state_;
    QWidget* dialogParent_;
    BackgroundJob* job_;
    QPointer<QProgressDialog> progress_;
    CloudPtr source_;      // the codes of the layout under way or shown
    bool showing_ = false; // the map shows a t-SNE layout
};

} // namespace lx::ui
