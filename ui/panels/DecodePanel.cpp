#include "panels/DecodePanel.h"

#include "panels/ImageTile.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

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
    decoded_ = new ImageTile(tr("move over the map"), 140, this);
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
    auto* pair = new QHBoxLayout;
    pair->addWidget(original_);
    pair->addWidget(reconstruction_);
    pair->addWidget(error_);
    pair->setSpacing(4);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    // The room the dock gives goes to the images, shared by the decode and the trio.
    layout->addWidget(decoded_, 1);
    layout->addWidget(point_);
    layout->addLayout(pair, 1);
}

void DecodePanel::showDecoded(const QImage& image, const QString& caption)
{
    decoded_->setImage(image);
    decoded_->setCaption(caption);
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
    showDecoded(QImage(), tr("move over the map"));
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
