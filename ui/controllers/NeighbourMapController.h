#pragma once

#include <QObject>
#include <QPointer>

#include "session/BackgroundJob.h"
#include "session/TrainingSession.h"

#include <functional>
#include <vector>

class QProgressDialog;
class QWidget;

namespace lx {
class ExplorerState;
}

namespace lx::ui {

// The map as a neighbourhood embedding of the current codes, t-SNE or UMAP: a background job
// with a progress dialog and Cancel. Its result is shown only if the codes did not change
// meanwhile; hovering then decodes through the nearest embedded points. New codes (training)
// bring the exact projection back by themselves.
class NeighbourMapController : public QObject {
    Q_OBJECT
public:
    enum class Method { Tsne, Umap };

    NeighbourMapController(ExplorerState* state, QWidget* dialogParent, QObject* parent = nullptr);
    ~NeighbourMapController() override;

    void ask(Method method); // its settings (remembered), then compute
    void compute(double perplexity = 30, quint64 seed = 1); // t-SNE
    void computeUmap(int neighbours = 15, double minDist = 0.1, quint64 seed = 1);
    void cancel();
    bool isRunning() const;
    void showExactProjection();

Q_SIGNALS:
    void status(const QString& text);
    void error(const QString& message);

private:
    using Layout = std::function<std::vector<float>(const LatentCloud& codes, BackgroundJob::Context& job)>;
    // Runs `layout` in the background (its progress dialog says `what`), then shows its map.
    void run(const QString& title, const QString& what, Layout layout);

    ExplorerState* state_;
    QWidget* dialogParent_;
    BackgroundJob* job_;
    QPointer<QProgressDialog> progress_;
    CloudPtr source_;      // the codes of the layout under way or shown
    bool showing_ = false; // the map shows a neighbourhood layout
    QString title_;        // "t-SNE" or "UMAP": of the layout under way or shown
};

} // namespace lx::ui
