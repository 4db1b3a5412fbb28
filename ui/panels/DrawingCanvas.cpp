#include "panels/DrawingCanvas.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

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

QRect DrawingCanvas::square() const
{
    const int side = std::max(1, std::min(width(), height()));
    return QRect((width() - side) / 2, (height() - side) / 2, side, side);
}

QImage DrawingCanvas::image() const
{
    QImage canvas(size().isEmpty() ? QSize(224, 224) : square().size(), QImage::Format_Grayscale8);
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
    const QRect at = square();
    painter.setClipRect(at); // a stroke that runs off the square is not drawn beside it
    painter.translate(at.topLeft());
    render(painter, at.size());
    if (strokes_.empty()) {
        painter.resetTransform();
        painter.setPen(QColor(150, 150, 150));
        painter.drawText(at, Qt::AlignCenter, tr("draw here"));
    }
}

QPointF DrawingCanvas::unit(const QPointF& position) const
{
    const QRect at = square();
    return QPointF((position.x() - at.left()) / at.width(), (position.y() - at.top()) / at.height());
}

void DrawingCanvas::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton)
        return;
    const QPointF p = unit(event->position());
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
    strokes_.back().path.lineTo(unit(event->position()));
    update();
    Q_EMIT changed();
}

void DrawingCanvas::mouseReleaseEvent(QMouseEvent*)
{
    drawing_ = false;
}

} // namespace lx::ui
