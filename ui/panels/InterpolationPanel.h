#pragma once

#include "latent/Interpolation.h"

#include <QWidget>

#include <vector>

class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;

namespace lx::ui {

class ImageTile;

// Interpolation between two latent points A and B (right-click the map twice): the decode at
// a position t that a slider drags along the path, and a strip of evenly spaced decodes.
// The window decodes; this panel holds the choices and shows the images.
class InterpolationPanel : public QWidget {
    Q_OBJECT
public:
    explicit InterpolationPanel(QWidget* parent = nullptr);

    // Sets A if no end is set or both are, else B. Returns which was set: 0 for A, 1 for B.
    int pickEndpoint(const std::vector<float>& z, const QImage& image);
    void clearEndpoints();
    bool hasBothEnds() const { return !a_.empty() && !b_.empty(); }
    const std::vector<float>& endA() const { return a_; }
    const std::vector<float>& endB() const { return b_; }

    double position() const; // t in 0..1
    void setPosition(double t);
    PathKind pathKind() const;
    void setPathKind(PathKind kind);
    int stripLength() const;
    void setStripLength(int steps);
    QSlider* slider() const { return slider_; }

    void showCurrent(const QImage& image);
    void showStrip(const std::vector<QImage>& images);
    const std::vector<QImage>& strip() const { return strip_; }
    QImage current() const;

Q_SIGNALS:
    void changed(); // the ends, t, the kind of path or the strip's length changed

private:
    std::vector<float> a_, b_;
    ImageTile* tileA_;
    ImageTile* tileB_;
    ImageTile* current_;
    QSlider* slider_;
    QComboBox* kind_;
    QSpinBox* steps_;
    QLabel* hint_;
    QWidget* stripArea_;
    std::vector<QImage> strip_;
};

} // namespace lx::ui
