#pragma once

#include <QWidget>

#include <vector>

class QSlider;

namespace lx::ui {

class DrawingCanvas;
class ImageTile;

// Draw a digit: the canvas, the MNIST-style 28×28 the model sees, its reconstruction and the
// nearest training images. The window places its code on the map.
class DrawPanel : public QWidget {
    Q_OBJECT
public:
    explicit DrawPanel(QWidget* parent = nullptr);

    DrawingCanvas* canvas() const { return canvas_; }
    // The drawing as the model sees it (28×28 bytes, all zero when nothing is drawn).
    std::vector<uint8_t> preprocessed() const;
    void showResult(const QImage& preprocessed, const QImage& reconstruction, const std::vector<QImage>& nearest,
                    const QString& caption);
    ImageTile* preprocessedTile() const { return preprocessed_; }
    ImageTile* reconstructionTile() const { return reconstruction_; }

Q_SIGNALS:
    void drawingChanged();

private:
    DrawingCanvas* canvas_;
    QSlider* pen_;
    ImageTile* preprocessed_;
    ImageTile* reconstruction_;
    std::vector<ImageTile*> nearest_;
};

} // namespace lx::ui
