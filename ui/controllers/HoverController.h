#pragma once

#include <QObject>
#include <QPointF>

#include <optional>
#include <utility>

namespace lx {
class ExplorerState;
}

namespace lx::ui {

class DecodePanel;
class LatentMapView;

// Hovering and clicking the map: the Decoder panel shows the decode of the latent point under
// the pointer and, over a data point, its original, reconstruction and error, with the hover
// marker and (VAE) the posterior's 1-σ ellipse on the map; a click pins the decode, and the
// pins are marked on the map.
class HoverController : public QObject {
    Q_OBJECT
public:
    HoverController(ExplorerState* state, LatentMapView* map, DecodePanel* panel, QObject* parent = nullptr);

private:
    std::optional<std::pair<QPointF, qint64>> last_; // what was last hovered (plane point, data point or -1)
    void hover(QPointF plane, qint64 point, bool mark = true);
    void clearMarks();
    void markPins();
    void hoverAgain();
    void clear(); // another model or map: nothing shown belongs to it

    ExplorerState* state_;
    LatentMapView* map_;
    DecodePanel* panel_;
};

} // namespace lx::ui
