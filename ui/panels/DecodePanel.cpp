#include "panels/DecodePanel.h"

#include "panels/ImageTile.h"

#include <QEvent>
#include <QGridLayout>
#include <QLabel>
#include <QPainter>
#include <QResizeEvent>

#include <cstdlib>

namespace lx::ui {
namespace {

// A line of text cut with "…" where the panel is too narrow for it (a plain label cut it off
// at both ends).
class ElidingLabel : public QLabel {
public:
    using QLabel::QLabel;

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter p(this);
        const QRect r = contentsRect();
        p.drawText(r, int(alignment()), fontMetrics().elidedText(text(), Qt::ElideRight, r.width()));
    }
};

} // namespace

DecodePanel::DecodePanel(QWidget* parent) : QWidget(parent)
{
    decoded_ = new ImageTile(tr("hover the map"), 140, this);
    decoded_->setObjectName("decodedTile");
    original_ = new ImageTile(tr("original"), 64, this);
    reconstruction_ = new ImageTile(tr("reconstruction"), 64, this);
    error_ = new ImageTile(tr("error"), 64, this);
    error_->setToolTip(tr("Per-pixel error |original − reconstruction|: the redder, the larger"));
    setToolTip(tr("Top: the decoder's image of the latent point under the mouse.\n"
                  "Below, over a data point: its image and what the model makes of it."));
    // One line, always there (empty when no data point is hovered): a label that appeared and
    // wrapped on hover made the panel taller than its dock at 800×600, which then scrolled
    // the decode out of view. Elided when narrow; the tooltip has all of it.
    point_ = new ElidingLabel(this);
    point_->setObjectName("dataPoint");
    point_->setAlignment(Qt::AlignHCenter);
    point_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    point_->setFixedHeight(point_->fontMetrics().height());
    grid_ = new QGridLayout(this);
    grid_->setContentsMargins(4, 4, 4, 4);
    grid_->setSpacing(4);
    arrange(false);
}

void DecodePanel::arrange(bool compact)
{
    compact_ = compact;
    grid_->setContentsMargins(compact ? QMargins(2, 2, 2, 2) : QMargins(4, 4, 4, 4));
    for (QWidget* w : {static_cast<QWidget*>(decoded_), static_cast<QWidget*>(point_), static_cast<QWidget*>(original_),
                       static_cast<QWidget*>(reconstruction_), static_cast<QWidget*>(error_)})
        grid_->removeWidget(w);
    for (int i = 0; i < 4; ++i) {
        grid_->setRowStretch(i, 0);
        grid_->setColumnStretch(i, 0);
    }
    if (compact) {
        // Wider than tall (a short window: 800×600 left the column's tabs too little height):
        // the decode on the left, the trio beside it, the data point's line under the trio.
        // Room beyond the trio's own height goes below the line, not between the trio and it.
        grid_->addWidget(decoded_, 0, 0, 3, 1);
        grid_->addWidget(original_, 0, 1);
        grid_->addWidget(reconstruction_, 0, 2);
        grid_->addWidget(error_, 0, 3);
        grid_->addWidget(point_, 1, 1, 1, 3);
        grid_->setRowStretch(2, 1);
        // At 300 px: the decode ~80 px ("z = (13.99, -5.12)" in three-quarter type), each of
        // the trio ~65 ("reconstruction").
        grid_->setColumnStretch(0, 6);
        for (int c = 1; c < 4; ++c)
            grid_->setColumnStretch(c, 5);
    } else {
        // The room the dock gives goes to the images, shared by the decode and the trio.
        grid_->addWidget(decoded_, 0, 0, 1, 3);
        grid_->addWidget(point_, 1, 0, 1, 3);
        grid_->addWidget(original_, 2, 0);
        grid_->addWidget(reconstruction_, 2, 1);
        grid_->addWidget(error_, 2, 2);
        grid_->setRowStretch(0, 1);
        grid_->setRowStretch(2, 1);
        for (int c = 0; c < 3; ++c)
            grid_->setColumnStretch(c, 1);
    }
}

void DecodePanel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    // Compact below 0.7 of the width, tall again above 0.8: between the two it stays as it is,
    // so that the change in its minimum height cannot make it flip to and fro. (Tall at 0.7
    // of 290 px still shows the decode and the trio at 56 px.)
    const QSize s = event->size();
    if (!compact_ && s.height() * 10 < s.width() * 7)
        arrange(true);
    else if (compact_ && s.height() * 10 > s.width() * 8)
        arrange(false);
}

void DecodePanel::showDecoded(const QImage& image, const QString& caption, const QString& shorter)
{
    decoded_->setImage(image);
    decoded_->setCaption(caption, shorter);
}

void DecodePanel::showDataPoint(const QImage& original, const QImage& reconstruction, const QString& label)
{
    original_->setImage(original);
    original_->setCaption(tr("original"));
    // The label on a line of its own: "Ankle boot (validation)" fits there, not under a tile.
    point_->setText(tr("Data point labelled %1").arg(label));
    point_->setToolTip(point_->text());
    reconstruction_->setImage(reconstruction);
    reconstruction_->setCaption(tr("reconstruction"));
    double mse = 0;
    shownOriginal_ = original;
    shownReconstruction_ = reconstruction;
    error_->setImage(errorImage(original, reconstruction, &mse, palette().color(QPalette::Base)));
    error_->setCaption(tr("MSE %1").arg(mse, 0, 'f', 3));
}

void DecodePanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && !shownOriginal_.isNull())
        error_->setImage(errorImage(shownOriginal_, shownReconstruction_, nullptr, palette().color(QPalette::Base)));
}

QImage DecodePanel::errorImage(const QImage& original, const QImage& reconstruction, double* mse, const QColor& ground)
{
    const bool dark = ground.lightness() < 128;
    if (original.isNull() || original.size() != reconstruction.size())
        return {};
    const QImage a = original.convertToFormat(QImage::Format_Grayscale8);
    const QImage b = reconstruction.convertToFormat(QImage::Format_Grayscale8);
    QImage out(a.size(), QImage::Format_RGB32);
    double sum = 0;
    for (int y = 0; y < a.height(); ++y) {
        const uchar* pa = a.constScanLine(y);
        const uchar* pb = b.constScanLine(y);
        auto* row = reinterpret_cast<QRgb*>(out.scanLine(y));
        for (int x = 0; x < a.width(); ++x) {
            const int d = std::abs(int(pa[x]) - int(pb[x]));
            sum += (d / 255.0) * (d / 255.0);
            const double t = d / 255.0;
            if (dark) // the ground → bright red as the error grows
                row[x] = qRgb(int(ground.red() + (255 - ground.red()) * t), int(ground.green() * (1 - t) + 60 * t),
                              int(ground.blue() * (1 - t) + 45 * t));
            else // the ground (white) → red → dark red
                row[x] = qRgb(int(ground.red() - (ground.red() - 140) * t), int(ground.green() * (1 - t) * (1 - t)),
                              int(ground.blue() * (1 - t) * (1 - t)));
        }
    }
    if (mse)
        *mse = sum / double(a.width() * a.height());
    return out;
}

QString DecodePanel::dataPointText() const
{
    return point_->text();
}

void DecodePanel::clear()
{
    showDecoded(QImage(), tr("hover the map"));
    clearDataPoint();
}

void DecodePanel::clearDataPoint()
{
    original_->setImage(QImage());
    original_->setCaption(tr("original"));
    point_->clear();
    point_->setToolTip(QString());
    reconstruction_->setImage(QImage());
    error_->setImage(QImage());
    error_->setCaption(tr("error"));
    shownOriginal_ = shownReconstruction_ = QImage();
}

} // namespace lx::ui
