#include "controllers/DecodedGridController.h"

#include "map/LatentMapView.h"
#include "session/BackgroundJob.h"
#include "session/ExplorerState.h"

#include <QAction>

namespace lx::ui {

DecodedGridController::DecodedGridController(ExplorerState* state, LatentMapView* map, QObject* parent)
    : QObject(parent), state_(state), map_(map), job_(new BackgroundJob(QStringLiteral("decoded grid"), this))
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
        pending_ = Request{plane, cols, rows};
        startPending();
    });
    connect(job_, &BackgroundJob::finished, this, &DecodedGridController::startPending);
}

void DecodedGridController::startPending()
{
    if (!pending_ || job_->isRunning())
        return; // the running decode's end starts the latest ask
    const ExplorerState::Current now = state_->current();
    const Request ask = *pending_;
    pending_.reset();
    if (!now || !map_->isDecodedGridVisible())
        return;
    const quint64 generation = state_->cloudGeneration();
    job_->start([this, now, ask, generation](BackgroundJob::Context& context) {
        std::vector<QImage> tiles = now.model->decodeMany(gridCodes(*now.cloud, ask.plane, ask.cols, ask.rows));
        context.deliver([this, ask, generation, tiles = std::move(tiles)] {
            // Not for another map since (other codes under the same plane); the map itself
            // ignores a grid that comes once it is turned off.
            if (state_->cloudGeneration() == generation)
                map_->setDecodedGrid(ask.plane, ask.cols, ask.rows, tiles);
        });
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
