#include "controllers/PriorOverlay.h"

#include "Palette.h"
#include "controllers/MapShapes.h"
#include "map/LatentMapView.h"
#include "session/ExplorerState.h"

namespace lx::ui {

PriorOverlay::PriorOverlay(ExplorerState* state, LatentMapView* map, QObject* parent)
    : QObject(parent), state_(state), map_(map)
{
    connect(state_, &ExplorerState::cloudChanged, this, &PriorOverlay::update);
    connect(state_, &ExplorerState::modelChanged, this, &PriorOverlay::update);
}

void PriorOverlay::update()
{
    const ExplorerState::Current now = state_->current();
    const bool show = now && now.model->isVae() && !now.cloud->projection.isNeighbourhood();
    QColor faint = ink(map_); // the prior's circles: the theme's ink, half strength
    faint.setAlphaF(0.6);
    for (int k = 1; k <= 2; ++k) {
        std::vector<QPointF> points;
        if (show) {
            const QPointF c = projected(now.cloud->projection, std::vector<float>(size_t(now.cloud->dim), 0.0f));
            points = toPoints(covarianceEllipse(c.x(), c.y(), 1, 0, 1, k));
        }
        map_->setOutline(QStringLiteral("prior%1").arg(k), points, QPen(faint, 1.2, Qt::DotLine));
    }
}

} // namespace lx::ui
