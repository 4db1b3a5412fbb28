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
// A view: the ends and choices live in the explorer state; the interpolation controller
// decodes and shows them here, and hears the user's choices through the signals.
class InterpolationPanel : public QWidget {
    Q_OBJECT
public:
    explicit InterpolationPanel(QWidget* parent = nullptr);

    void showEnds(const QImage& a, const QImage& b);
    void showCurrent(const QImage& image);
    void showStrip(const std::vector<QImage>& images);
    void setHint(const QString& text);
    // The choices as the state holds them (no signals back).
    void setChoices(double t, PathKind kind, int steps);

    double position() const; // t in 0..1
    PathKind pathKind() const;
    int stripLength() const;
    QSlider* slider() const { return slider_; }
    const std::vector<QImage>& strip() const { return strip_; }
    QImage current() const;
    QImage endImage(int end) const; // 0: A, 1: B

Q_SIGNALS:
    void positionChanged(double t);
    void pathKindChanged(lx::PathKind kind);
    void stripLengthChanged(int steps);

private:
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
