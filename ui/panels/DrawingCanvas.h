#pragma once

#include <QImage>
#include <QPainterPath>
#include <QWidget>

#include <vector>

namespace lx::ui {

// A square canvas to draw a digit on with the mouse: white ink on black, like MNIST.
// Strokes can be undone one at a time; `changed` fires as you draw.
class DrawingCanvas : public QWidget {
    Q_OBJECT
public:
    explicit DrawingCanvas(QWidget* parent = nullptr);

    QImage image() const; // greyscale, the canvas's size
    bool isEmpty() const { return strokes_.empty(); }
    void setPenWidth(int pixels);
    int penWidth() const { return penWidth_; }
    QSize sizeHint() const override { return QSize(224, 224); }
    // Where the drawing is: the largest square centred in the widget. (The widget itself takes
    // whatever shape its panel gives it: a square by height-for-width pushed the results
    // below it out of a short panel.)
    QRect square() const;

public Q_SLOTS:
    void clear();
    void undo();

Q_SIGNALS:
    void changed();

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    struct Stroke {
        QPainterPath path;
        int width;
    };
    void render(QPainter& painter, const QSize& size) const;
    QPointF unit(const QPointF& position) const; // a widget position in the square's 0..1 coordinates
    std::vector<Stroke> strokes_;
    int penWidth_ = 18;
    bool drawing_ = false;
};

} // namespace lx::ui
