#pragma once

#include <QObject>

namespace lx {
class ExplorerState;
}

namespace lx::ui {

class DrawPanel;
class LatentMapView;

// Draw a digit: the drawing preprocessed as MNIST was, encoded, reconstructed, marked on the
// map (with its 1-σ ellipse for a VAE) and shown with its five nearest training images.
// Follows the drawing, the model and its map.
class DrawingController : public QObject {
    Q_OBJECT
public:
    DrawingController(ExplorerState* state, LatentMapView* map, DrawPanel* panel, QObject* parent = nullptr);

private:
    void update();

    ExplorerState* state_;
    LatentMapView* map_;
    DrawPanel* panel_;
};

} // namespace lx::ui
