#include "panels/DecodePanel.h"

#include "panels/ImageTile.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace lx::ui {

DecodePanel::DecodePanel(QWidget* parent) : QWidget(parent)
{
    decoded_ = new ImageTile(tr("move over the map"), 140, this);
    decoded_->setObjectName("decodedTile");
    original_ = new ImageTile(tr("original"), 64, this);
    reconstruction_ = new ImageTile(tr("reconstruction"), 64, this);
    setToolTip(tr("Top: the decoder's image of the latent point under the mouse.\n"
                  "Below, over a data point: its image and what the model makes of it."));
    auto* pair = new QHBoxLayout;
    pair->addWidget(original_);
    pair->addWidget(reconstruction_);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(decoded_);
    layout->addLayout(pair);
    layout->addStretch(1);
}

void DecodePanel::showDecoded(const QImage& image, const QString& caption)
{
    decoded_->setImage(image);
    decoded_->setCaption(caption);
}

void DecodePanel::showDataPoint(const QImage& original, const QImage& reconstruction, const QString& label)
{
    original_->setImage(original);
    original_->setCaption(tr("original: %1").arg(label));
    reconstruction_->setImage(reconstruction);
    reconstruction_->setCaption(tr("reconstruction"));
}

void DecodePanel::clearDataPoint()
{
    original_->setImage(QImage());
    original_->setCaption(tr("original"));
    reconstruction_->setImage(QImage());
}

} // namespace lx::ui
