#pragma once

#include <QObject>

#include <vector>

namespace lx {
class ExplorerState;
}

namespace lx::ui {

class ArithmeticPanel;
class LatentMapView;

// Latent arithmetic: the interpolation's A moved along the difference of two class means of
// the training codes, decoded at the chosen strength and as a strip, with the line drawn on
// the map. Computed only while the panel is in view. The means are kept for one cloud
// (keyed by the state's cloud generation, never by an address).
class ArithmeticController : public QObject {
    Q_OBJECT
public:
    ArithmeticController(ExplorerState* state, LatentMapView* map, ArithmeticPanel* panel, QObject* parent = nullptr);

    void setShown(bool shown);
    const std::vector<std::vector<float>>& classMeans() const { return means_; } // of the last cloud used

private:
    void update();
    void clear(const QString& hint);

    ExplorerState* state_;
    LatentMapView* map_;
    ArithmeticPanel* panel_;
    bool shown_ = false;
    quint64 meansGeneration_ = 0; // the cloud means_ were computed from
    std::vector<std::vector<float>> means_;
};

} // namespace lx::ui
