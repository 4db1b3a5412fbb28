#include "controllers/HoverController.h"

#include "controllers/MapShapes.h"
#include "map/LatentMapView.h"
#include "panels/DecodePanel.h"
#include "session/ExplorerState.h"

namespace lx::ui {

HoverController::HoverController(ExplorerState* state, LatentMapView* map, DecodePanel* panel, QObject* parent)
    : QObject(parent), state_(state), map_(map), panel_(panel)
{
    connect(map_, &LatentMapView::hovered, this, &HoverController::hover);
    connect(map_, &LatentMapView::left, this, &HoverController::clearMarks);
    connect(map_, &LatentMapView::clicked, this, [this](QPointF plane, qint64) {
        if (const ExplorerState::Current now = state_->current())
            state_->pin(state_->codeAt(plane));
    });
    connect(state_, &ExplorerState::modelChanged, this, &HoverController::clear);
    connect(state_, &ExplorerState::datasetChanged, this, &HoverController::clear);
}

void HoverController::clearMarks()
{
    map_->setMarker("hover", {}, Qt::black, false);
    map_->setOutline("hoverSigma", {}, QPen());
}

void HoverController::clear()
{
    clearMarks();
    panel_->clear();
}

void HoverController::hover(QPointF plane, qint64 point)
{
    const ExplorerState::Current now = state_->current();
    if (!now)
        return;
    const std::vector<float> z = now.cloud->projection.unproject(plane.x(), plane.y());
    const QImage original = point >= 0 ? state_->datasetImage(point) : QImage();
    if (original.isNull()) {
        panel_->showDecoded(now.model->decode(z), codeText(z));
        panel_->clearDataPoint();
        clearMarks();
        return;
    }
    // Over a data point: the pointer's decode and the point's reconstruction in one batch.
    std::vector<float> logVar;
    const std::vector<float> mu = now.model->encode(original.constBits(), &logVar);
    std::vector<float> both = z;
    both.insert(both.end(), mu.begin(), mu.end());
    const std::vector<QImage> decoded = now.model->decodeMany(both);
    if (decoded.size() != 2)
        return;
    panel_->showDecoded(decoded[0], codeText(z));
    map_->setOutline("hoverSigma", sigmaEllipse(now.cloud->projection, mu, logVar), QPen(QColor(20, 20, 20), 1.5));
    panel_->showDataPoint(original, decoded[1], state_->labelText(point));
    map_->setMarker("hover", QPointF(now.cloud->xy[size_t(2 * point)], now.cloud->xy[size_t(2 * point + 1)]),
                    Qt::black);
}

} // namespace lx::ui
