#include "panels/ImageTile.h"

#include <QPainter>

#include <algorithm>

namespace lx::ui {

ImageTile::ImageTile(const QString& caption, int side, QWidget* parent)
    : QWidget(parent), caption_(caption), side_(side), captioned_(!caption.isEmpty())
{
    // Takes the room its panel gives it (up to 3× its usual side; a layout decides how much)
    // and shrinks to half of it on small screens; never asks for more than its usual side.
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setToolTip(caption);
}

void ImageTile::setImage(const QImage& image)
{
    image_ = image;
    if (!image.isNull())
        imageWidth_ = image.width();
    update();
}

void ImageTile::setCaption(const QString& caption, const QString& shorter)
{
    caption_ = caption;
    shorter_ = shorter;
    setToolTip(caption); // the whole of it, when the tile is too narrow to show it
    update();
}

QFont ImageTile::captionFont(const QString& text) const
{
    // A caption a little too wide for a narrow tile ("reconstruction" at 800×600) is drawn in a
    // smaller type before anything is cut off.
    QFont f = font();
    const int full = fontMetrics().horizontalAdvance(text);
    if (full > width() && f.pointSizeF() > 0)
        f.setPointSizeF(std::max(f.pointSizeF() * 0.75, f.pointSizeF() * width() / full));
    return f;
}

bool ImageTile::fits(const QString& text) const
{
    // Measured in the type it would be drawn in: type sizes do not scale widths exactly, and a
    // caption judged to fit by proportion was then cut ("z = (2.14, -6.…" at 800×600).
    return QFontMetrics(captionFont(text)).horizontalAdvance(text) <= width();
}

QString ImageTile::shownCaption() const
{
    return shorter_.isEmpty() || fits(caption_) ? caption_ : shorter_;
}

bool ImageTile::captionFits() const
{
    return fits(shownCaption());
}

int ImageTile::captionHeight() const
{
    return captioned_ ? fontMetrics().height() + 6 : 0;
}

QSize ImageTile::sizeHint() const
{
    return QSize(side_ + 8, side_ + captionHeight() + 4);
}

QSize ImageTile::minimumSizeHint() const
{
    return QSize(side_ / 2 + 8, side_ / 2 + captionHeight() + 4);
}

int ImageTile::imageSide() const
{
    int side = std::clamp(std::min(width() - 8, height() - captionHeight() - 4), 8, 3 * side_);
    // Whole multiples of the image's own size where the tile has room for at least two (every
    // pixel of a digit the same square). Below that, all the room: snapped, a 50 px tile
    // showed its 28 px digit at 28 px, and the tile shrank and its caption jumped on every
    // hover at 800×600.
    const int n = imageWidth_;
    if (n > 0 && side >= 2 * n)
        side -= side % n;
    return side;
}

void ImageTile::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const int side = imageSide();
    const QRect box((width() - side) / 2, 2, side, side);
    if (image_.isNull()) {
        p.setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
        p.drawRect(box.adjusted(0, 0, -1, -1));
    } else {
        // Smoothed only at a scale that is not whole (the few px of a small tile).
        p.setRenderHint(QPainter::SmoothPixmapTransform, side % std::max(1, image_.width()) != 0);
        p.drawImage(box, image_);
    }
    p.setPen(palette().color(QPalette::WindowText));
    const QString caption = shownCaption();
    p.setFont(captionFont(caption));
    p.drawText(QRect(0, box.bottom() + 3, width(), fontMetrics().height() + 4), Qt::AlignHCenter | Qt::AlignTop,
               QFontMetrics(p.font()).elidedText(caption, Qt::ElideRight, width()));
}

} // namespace lx::ui
