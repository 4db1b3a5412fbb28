#include "controllers/HoverController.h"

#include "Palette.h"
#include "controllers/MapShapes.h"
#include "map/LatentMapView.h"
#include "panels/DecodePanel.h"
#include "session/ExplorerState.h"

#include <QCursor>

namespace lx::ui {

HoverController::HoverController(ExplorerState* state, LatentMapView* map, DecodePanel* panel, QObject* parent)
    : QObject(parent), state_(state), map_(map), panel_(panel)
{
    connect(map_, &LatentMapView::hovered, this, [this](QPointF plane, qint64 point) { hover(plane, point); });
    connect(map_, &LatentMapView::left, this, &HoverController::clearMarks);
    connect(map_, &LatentMapView::clicked, this, [this](QPointF plane, qint64) {
        if (const ExplorerState::Current now = state_->current())
            state_->pin(state_->codeAt(plane));
    });
    connect(state_, &ExplorerState::modelChanged, this, &HoverController::clear);
    connect(state_, &ExplorerState::datasetChanged, this, &HoverController::clear);
    // Pins are marked where they are, on whatever map is shown.
    connect(state_, &ExplorerState::pinsChanged, this, &HoverController::markPins);
    connect(state_, &ExplorerState::cloudChanged, this, &HoverController::markPins);
    // New weights, or the map moved under a still pointer: what is under it now.
    // Queued: the map takes the new cloud (and maybe a new view) first.
    connect(state_, &ExplorerState::weightsChanged, this, &HoverController::hoverAgain, Qt::QueuedConnection);
    connect(state_, &ExplorerState::cloudChanged, this, &HoverController::hoverAgain, Qt::QueuedConnection);
}

void HoverController::hoverAgain()
{
    if (!map_->isVisible())
        return;
    const QPoint at = map_->mapFromGlobal(QCursor::pos());
    if (map_->underMouse() && map_->rect().contains(at))
        return hover(map_->planeAt(at), map_->pointAt(at));
    // The pointer has left the map: the panel still shows what was last under it, with the
    // new weights (a data point where it is now), so it never shows an older model's picture.
    // A ring still shown (Qt may not have seen the pointer leave) follows its point: it stood
    // on an empty spot, the point long gone, beside the point's pictures.
    if (!last_)
        return;
    QPointF plane = last_->first;
    const qint64 point = last_->second;
    if (const ExplorerState::Current now = state_->current(); now && point >= 0 && point < now.cloud->count())
        plane = QPointF(now.cloud->xy[size_t(2 * point)], now.cloud->xy[size_t(2 * point + 1)]);
    hover(plane, point, point >= 0 && map_->mark(LatentMapView::Mark::Hover).has_value());
}

void HoverController::markPins()
{
    std::vector<QPointF> marks;
    if (const ExplorerState::Current now = state_->current())
        for (const std::vector<float>& z : state_->pins()->codes())
            if (int(z.size()) == now.cloud->dim)
                marks.push_back(projected(now.cloud->projection, z));
    map_->setPinMarks(marks);
}

void HoverController::clearMarks()
{
    map_->setMark(LatentMapView::Mark::Hover, std::nullopt);
    map_->setOutline("hoverSigma", {}, QPen());
}

void HoverController::clear()
{
    last_.reset();
    clearMarks();
    panel_->clear();
}

void HoverController::hover(QPointF plane, qint64 point, bool mark)
{
    const ExplorerState::Current now = state_->current();
    if (!now)
        return;
    last_ = std::make_pair(plane, point);
    const std::vector<float> z = now.cloud->projection.unproject(plane.x(), plane.y());
    const QImage original = point >= 0 ? state_->datasetImage(point) : QImage();
    if (original.isNull()) {
        panel_->showDecoded(now.model->decode(z), codeText(z), codeText(z, false));
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
    panel_->showDecoded(decoded[0], codeText(z), codeText(z, false));
    panel_->showDataPoint(original, decoded[1], state_->labelText(point));
    if (!mark) // a refresh while the pointer is elsewhere: the panel only
        return;
    map_->setOutline("hoverSigma", sigmaEllipse(now.cloud->projection, mu, logVar), QPen(ink(map_), 1.5));
    map_->setMark(LatentMapView::Mark::Hover,
                  QPointF(now.cloud->xy[size_t(2 * point)], now.cloud->xy[size_t(2 * point + 1)]));
}

} // namespace lx::ui
