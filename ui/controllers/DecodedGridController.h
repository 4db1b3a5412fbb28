#pragma once

#include <QObject>
#include <QRectF>

#include <optional>
#include <vector>

class QAction;

namespace lx {
class BackgroundJob;
class ExplorerState;
struct LatentCloud;
}

namespace lx::ui {

class LatentMapView;

// The decoded grid: the visible map tiled with the decodes of its cell centres, under the
// points. Shown or hidden by its (checkable) action and the state; asked for again by the
// map when the view moves and here when the weights change. Decoded off the GUI thread (a
// 30×30 grid of the `conv` decoder is ~4.7 GFLOP: 60–80 ms on 2 idle cores, more while the
// model trains), one grid at a time; asks that come meanwhile are answered with the latest.
class DecodedGridController : public QObject {
    Q_OBJECT
public:
    DecodedGridController(ExplorerState* state, LatentMapView* map, QObject* parent = nullptr);

    QAction* action() const { return action_; }
    // The codes under the centres of a grid of cells over `plane` (the map's order), row after row.
    static std::vector<float> gridCodes(const LatentCloud& cloud, const QRectF& plane, int cols, int rows);

private:
    struct Request {
        QRectF plane;
        int cols = 0, rows = 0;
    };
    void startPending();

    ExplorerState* state_;
    LatentMapView* map_;
    QAction* action_;
    BackgroundJob* job_;
    std::optional<Request> pending_;
};

} // namespace lx::ui
