#pragma once

#include <QObject>
#include <QRectF>

#include <vector>

class QAction;

namespace lx {
class ExplorerState;
struct LatentCloud;
}

namespace lx::ui {

class LatentMapView;

// The decoded grid: the visible map tiled with the decodes of its cell centres, under the
// points. Shown or hidden by its (checkable) action and the state; asked for again by the
// map when the view moves and here when the weights change.
class DecodedGridController : public QObject {
    Q_OBJECT
public:
    DecodedGridController(ExplorerState* state, LatentMapView* map, QObject* parent = nullptr);

    QAction* action() const { return action_; }
    // The codes under the centres of a grid of cells over `plane` (the map's order), row after row.
    static std::vector<float> gridCodes(const LatentCloud& cloud, const QRectF& plane, int cols, int rows);

private:
    ExplorerState* state_;
    LatentMapView* map_;
    QAction* action_;
};

} // namespace lx::ui
