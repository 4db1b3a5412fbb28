#include "panels/DrawingCanvas.h"

#include <QMouseEvent>
#include <QPainter>

namespace lx::ui {

DrawingCanvas::DrawingCanvas(QWidget* parent) : QWidget(parent)
{
    setObjectName("drawingCanvas");
    setMinimumSize(140, 140);
    setCursor(Qt::CrossCursor);
    setToolTip(tr("Draw with the mouse: white on black, like the data"));
}

void DrawingCanvas::render(QPainter& painter, const QSize& size) const
{
    painter.fillRect(QRect(QPoint(0, 0), size), Qt::black);
    painter.setRenderHint(QPainter::Antialiasing);
    // Strokes are stored in a 0..1 square, so the drawing scales with the widget.
    painter.scale(size.width(), size.height());
    for (const Stroke& s : strokes_) {
        painter.setPen(QPen(Qt::white, double(s.width) / 224.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        painter.drawPath(s.path);
    }
}

QImage DrawingCanvas::image() const
{
    QImage canvas(size().isEmpty() ? QSize(224, 224) : size(), QImage::Format_Grayscale8);
    QPainter painter(&canvas);
    render(painter, canvas.size());
    return canvas;
}

void DrawingCanvas::setPenWidth(int pixels)
{
    penWidth_ = std::clamp(pixels, 2, 60);
}

void DrawingCanvas::clear()
{
    strokes_.clear();
    update();
    Q_EMIT changed();
}

void DrawingCanvas::undo()
{
    if (strokes_.empty())
        return;
    strokes_.pop_back();
    update();
    Q_EMIT changed();
}

void DrawingCanvas::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    render(painter, size());
    if (strokes_.empty()) {
        painter.resetTransform();
        painter.setPen(QColor(150, 150, 150));
        painter.drawText(rect(), Qt::AlignCenter, tr("draw here"));
    }
}

void DrawingCanvas::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton)
        return;
    const QPointF p(event->position().x() / width(), event->position().y() / height());
    Stroke s{QPainterPath(p), penWidth_};
    s.path.lineTo(p + QPointF(1e-4, 0)); // a click leaves a dot
    strokes_.push_back(s);
    drawing_ = true;
    update();
    Q_EMIT changed();
}

void DrawingCanvas::mouseMoveEvent(QMouseEvent* event)
{
    if (!drawing_ || strokes_.empty())
        return;
    strokes_.back().path.lineTo(QPointF(event->position().x() / width(), event->position().y() / height()));
    update();
    Q_EMIT changed();
}

void DrawingCanvas::mouseReleaseEvent(QMouseEvent*)
{
    drawing_ = false;
}

} // namespace lx::ui
