#include "controllers/InterpolationController.h"

#include "controllers/MapShapes.h"
#include "map/LatentMapView.h"
#include "panels/InterpolationPanel.h"
#include "session/ExplorerState.h"

namespace lx::ui {

InterpolationController::InterpolationController(ExplorerState* state, LatentMapView* map, InterpolationPanel* panel,
                                                 QObject* parent)
    : QObject(parent), state_(state), map_(map), panel_(panel)
{
    connect(map_, &LatentMapView::rightClicked, this, [this](QPointF plane, qint64 point) {
        if (const ExplorerState::Current now = state_->current())
            state_->pickEnd(state_->codeAt(plane, point));
    });
    connect(panel_, &InterpolationPanel::positionChanged, state_, &ExplorerState::setInterpolationPosition);
    connect(panel_, &InterpolationPanel::pathKindChanged, state_, &ExplorerState::setPathKind);
    connect(panel_, &InterpolationPanel::stripLengthChanged, state_, &ExplorerState::setStripLength);
    for (auto signal : {&ExplorerState::interpolationChanged, &ExplorerState::weightsChanged,
                        &ExplorerState::cloudChanged, &ExplorerState::modelChanged})
        connect(state_, signal, this, &InterpolationController::update);
    update();
}

void InterpolationController::hideOnMap()
{
    map_->setPath({});
    for (auto mark : {LatentMapView::Mark::EndA, LatentMapView::Mark::EndB, LatentMapView::Mark::Position})
        map_->setMark(mark, std::nullopt);
}

void InterpolationController::update()
{
    const ExplorerState::Interpolation& in = state_->interpolation();
    panel_->setChoices(in.t, in.kind, in.steps);
    const ExplorerState::Current now = state_->current();
    const size_t d = now ? size_t(now.model->latentDim()) : 0;
    const bool hasA = now && in.a.size() == d, hasB = hasA && in.b.size() == d;
    panel_->showEnds(hasA ? now.model->decode(in.a) : QImage(), hasB ? now.model->decode(in.b) : QImage());
    hideOnMap();
    if (!hasB) {
        panel_->showCurrent(QImage());
        panel_->showStrip({});
        panel_->setHint(hasA ? tr("Now right-click B.")
                             : tr("Right-click the map (or a data point) twice to choose A and B."));
        if (hasA)
            map_->setMark(LatentMapView::Mark::EndA, projected(now.cloud->projection, in.a));
        return;
    }
    panel_->setHint(tr("Drag the slider to move along the path from A to B."));
    panel_->showStrip(now.model->decodeMany(interpolationPath(in.a, in.b, in.steps, in.kind)));
    const std::vector<float> here = interpolate(in.a, in.b, in.t, in.kind);
    panel_->showCurrent(now.model->decode(here));

    // The path as the map shows it: many points, projected (a slerp or a PCA plane bends it).
    const std::vector<QPointF> path = toPoints(now.cloud->projection.projectAll(interpolationPath(in.a, in.b, 48, in.kind)));
    map_->setPath(path);
    map_->setMark(LatentMapView::Mark::EndA, path.front());
    map_->setMark(LatentMapView::Mark::EndB, path.back());
    map_->setMark(LatentMapView::Mark::Position, projected(now.cloud->projection, here));
}

} // namespace lx::ui
