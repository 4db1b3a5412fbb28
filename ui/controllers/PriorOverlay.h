#pragma once

#include <QObject>

namespace lx {
class ExplorerState;
}

namespace lx::ui {

class LatentMapView;

// A VAE's prior N(0, I) on the map: its 1-σ and 2-σ circles (on a plane of orthonormal axes
// the prior's section is N(projection of 0, I) too). Nothing for a plain autoencoder or a
// t-SNE map.
class PriorOverlay : public QObject {
    Q_OBJECT
public:
    PriorOverlay(ExplorerState* state, LatentMapView* map, QObject* parent = nullptr);

private:
    void update();

    ExplorerState* state_;
    LatentMapView* map_;
};

} // namespace lx::ui
