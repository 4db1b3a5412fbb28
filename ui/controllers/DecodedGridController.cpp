#include "controllers/DecodedGridController.h"

#include "map/LatentMapView.h"
#include "session/ExplorerState.h"

#include <QAction>

namespace lx::ui {

DecodedGridController::DecodedGridController(ExplorerState* state, LatentMapView* map, QObject* parent)
    : QObject(parent), state_(state), map_(map)
{
    action_ = new QAction(tr("Decoded &Grid"), this);
    action_->setCheckable(true);
    action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));
    action_->setToolTip(tr("Tile the visible map with the decodes of its points (Ctrl+G)"));
    connect(action_, &QAction::toggled, state_, &ExplorerState::setDecodedGridShown);
    connect(state_, &ExplorerState::decodedGridShownChanged, this, [this](bool shown) {
        action_->setChecked(shown);
        map_->setDecodedGridVisible(shown);
    });
    connect(state_, &ExplorerState::weightsChanged, map_, &LatentMapView::requestDecodedGrid);
    connect(state_, &ExplorerState::cloudChanged, map_, &LatentMapView::requestDecodedGrid);
    connect(map_, &LatentMapView::decodedGridNeeded, this, [this](QRectF plane, int cols, int rows) {
        if (const ExplorerState::Current now = state_->current())
            map_->setDecodedGrid(plane, cols, rows, now.model->decodeMany(gridCodes(*now.cloud, plane, cols, rows)));
    });
}

std::vector<float> DecodedGridController::gridCodes(const LatentCloud& cloud, const QRectF& plane, int cols, int rows)
{
    std::vector<float> z;
    z.reserve(size_t(cols * rows * cloud.dim));
    for (const QPointF& c : LatentMapView::gridCentres(plane, cols, rows)) {
        const std::vector<float> code = cloud.projection.unproject(c.x(), c.y());
        z.insert(z.end(), code.begin(), code.end());
    }
    return z;
}

} // namespace lx::ui
