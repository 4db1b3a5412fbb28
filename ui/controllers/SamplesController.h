#pragma once

#include "latent/Sampling.h"

#include <QObject>
#include <QString>

#include <cstdint>
#include <vector>

namespace lx {
class BackgroundJob;
class ExplorerState;
}

namespace lx::ui {

class LatentMapView;
class SamplesPanel;

// Random latent points, decoded: the prior N(0, I) for a VAE, the box of the training codes
// for a plain autoencoder. The points stay put until "New samples" (the same draws follow
// the box as training moves it), so the same points are decoded again and again while a
// model trains; those farther from every training code than 99 % of training codes are from
// their nearest neighbour are framed red. Computed and marked on the map only while the
// panel is in view. "Compare with…" puts another model's samples beside, loaded and encoded
// by a background job (cancelled when the window closes).
class SamplesController : public QObject {
    Q_OBJECT
public:
    SamplesController(ExplorerState* state, LatentMapView* map, SamplesPanel* panel, QWidget* dialogParent,
                      QObject* parent = nullptr);
    ~SamplesController() override;

    void setShown(bool shown); // the panel is in view (its dock tab is the current one)
    const std::vector<float>& points() const { return points_; } // kCount×D; empty before the first draw
    uint64_t seed() const { return seed_; }

    // Another model's samples beside these. Returns "" or why it cannot start.
    QString compareWith(const QString& path);
    bool isComparing() const;
    void cancelComparison();

Q_SIGNALS:
    void status(const QString& text);

private:
    void resample();
    void update();

    ExplorerState* state_;
    LatentMapView* map_;
    SamplesPanel* panel_;
    QWidget* dialogParent_;
    BackgroundJob* comparison_;
    bool shown_ = false;
    uint64_t seed_ = 1;
    std::vector<float> points_;
    quint64 measuredGeneration_ = 0; // the cloud offData_ was measured on
    OffDataTest offData_;
};

} // namespace lx::ui
