#pragma once

#include <QObject>

namespace lx {
class ExplorerState;
}

namespace lx::ui {

class InterpolationPanel;
class LatentMapView;

// Interpolation between two latent points: right-clicks on the map choose A and B (a data
// point's own code, or the plane's); the panel shows both ends, the decode at t and a strip,
// the map the path (projected finely, so a slerp or a PCA plane bends it) and the markers.
// Everything is decoded again when the weights change.
class InterpolationController : public QObject {
    Q_OBJECT
public:
    InterpolationController(ExplorerState* state, LatentMapView* map, InterpolationPanel* panel,
                            QObject* parent = nullptr);

private:
    void update();
    void hideOnMap();

    ExplorerState* state_;
    LatentMapView* map_;
    InterpolationPanel* panel_;
};

} // namespace lx::ui
