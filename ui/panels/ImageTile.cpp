#include "panels/ImageTile.h"

#include <QPainter>

namespace lx::ui {

ImageTile::ImageTile(const QString& caption, int side, QWidget* parent) : QWidget(parent), caption_(caption), side_(side)
{
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    setMinimumSize(sizeHint());
}

void ImageTile::setImage(const QImage& image)
{
    image_ = image;
    update();
}

void ImageTile::setCaption(const QString& caption)
{
    caption_ = caption;
    update();
}

QSize ImageTile::sizeHint() const
{
    return QSize(side_ + 8, side_ + fontMetrics().height() + 10);
}

void ImageTile::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const QRect box((width() - side_) / 2, 2, side_, side_);
    if (image_.isNull()) {
        p.setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
        p.drawRect(box.adjusted(0, 0, -1, -1));
    } else {
        p.setRenderHint(QPainter::SmoothPixmapTransform, false);
        p.drawImage(box, image_);
    }
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(QRect(0, box.bottom() + 3, width(), fontMetrics().height() + 4), Qt::AlignHCenter | Qt::AlignTop,
               fontMetrics().elidedText(caption_, Qt::ElideRight, width()));
}

} // namespace lx::ui
