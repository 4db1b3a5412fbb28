#include "panels/SamplesPanel.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QVBoxLayout>

#include <cmath>

namespace lx::ui {
namespace {

// A 4×4 mosaic of decodes, crisp pixels; far samples get a red frame.
class SampleTiles : public QWidget {
public:
    SampleTiles(const std::vector<QImage>& images, const std::vector<bool>& far, QWidget* parent)
        : QWidget(parent), images_(images), far_(far)
    {
        setMinimumSize(4 * 40, 4 * 40);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    }
    QSize sizeHint() const override { return QSize(4 * 56, 4 * 56); }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter p(this);
        const int side = std::min(width(), height()) / 4;
        const int left = (width() - 4 * side) / 2;
        for (int i = 0; i < SamplesPanel::kCount; ++i) {
            const QRect cell(left + (i % 4) * side, (i / 4) * side, side, side);
            if (size_t(i) >= images_.size()) {
                p.setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
                p.drawRect(cell.adjusted(2, 2, -3, -3));
                continue;
            }
            p.drawImage(cell.adjusted(1, 1, -1, -1), images_[size_t(i)]);
            if (size_t(i) < far_.size() && far_[size_t(i)]) {
                p.setPen(QPen(QColor(230, 50, 50), 2));
                p.drawRect(cell.adjusted(1, 1, -2, -2));
            }
        }
    }

private:
    const std::vector<QImage>& images_;
    const std::vector<bool>& far_;
};

} // namespace

SamplesPanel::SamplesPanel(QWidget* parent) : QWidget(parent)
{
    source_ = new QComboBox(this);
    source_->setObjectName("sampleSource");
    source_->addItems({tr("prior N(0, I)"), tr("the data's box")});
    // Narrow enough for the side column at 800×600; the full text is in the list.
    source_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    source_->setMinimumContentsLength(8);
    source_->setToolTip(tr("Where random points come from: the prior N(0, I), or uniformly over the box of the\n"
                           "training codes. A VAE is trained to fill its prior; a plain autoencoder fills no region\n"
                           "in particular."));
    sample_ = new QPushButton(tr("New samples"), this);
    sample_->setObjectName("newSamples");
    sample_->setShortcut(QKeySequence(Qt::Key_F5));
    sample_->setToolTip(tr("Decode %1 new random latent points (F5)").arg(kCount));
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    summary_->setForegroundRole(QPalette::PlaceholderText); // the theme's muted text
    summary_->setText(tr("Random points of a plain autoencoder often fall between the clusters, "
                         "where the decoder was never trained: their decodes are blends, not digits."));
    tiles_ = new SampleTiles(images_, far_, this);
    compare_ = new QPushButton(tr("Compare with…"), this);
    compare_->setObjectName("compareSamples");
    compare_->setToolTip(tr("Another model's random points beside these, on the same data\n"
                            "(for instance a plain AE beside a VAE)"));
    mainTitle_ = new QLabel(this);
    compareTitle_ = new QLabel(this);
    for (QLabel* l : {mainTitle_, compareTitle_}) {
        l->setWordWrap(true);
        l->setAlignment(Qt::AlignHCenter);
    }
    compareTiles_ = new SampleTiles(compareImages_, compareFar_, this);
    compareTiles_->setVisible(false);
    compareTitle_->setVisible(false);
    mainTitle_->setVisible(false);

    auto* row = new QHBoxLayout;
    row->addWidget(source_, 1);
    row->addWidget(sample_);
    auto* grids = new QGridLayout;
    grids->addWidget(mainTitle_, 0, 0);
    grids->addWidget(compareTitle_, 0, 1);
    grids->addWidget(tiles_, 1, 0);
    grids->addWidget(compareTiles_, 1, 1);
    grids->setRowStretch(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addLayout(grids, 1);
    layout->addWidget(summary_);
    layout->addWidget(compare_);
    connect(compare_, &QPushButton::clicked, this, &SamplesPanel::compareRequested);

    connect(sample_, &QPushButton::clicked, this, &SamplesPanel::newSamplesRequested);
    connect(source_, qOverload<int>(&QComboBox::currentIndexChanged), this, &SamplesPanel::sourceChanged);
}

void SamplesPanel::showComparison(const QString& title, const std::vector<QImage>& images, const std::vector<bool>& far)
{
    compareImages_ = images;
    compareFar_ = far;
    compareTitle_->setText(title);
    mainTitle_->setText(tr("this model"));
    for (QWidget* w : {static_cast<QWidget*>(compareTitle_), static_cast<QWidget*>(mainTitle_), compareTiles_})
        w->setVisible(true);
    tiles_->setMinimumSize(4 * 30, 4 * 30);
    compareTiles_->setMinimumSize(4 * 30, 4 * 30);
    compareTiles_->update();
}

void SamplesPanel::clearComparison()
{
    compareImages_.clear();
    compareFar_.clear();
    for (QWidget* w : {static_cast<QWidget*>(compareTitle_), static_cast<QWidget*>(mainTitle_), compareTiles_})
        w->setVisible(false);
}

SamplesPanel::Source SamplesPanel::source() const
{
    return source_->currentIndex() == 0 ? Source::Prior : Source::DataBox;
}

void SamplesPanel::setSource(Source source)
{
    source_->setCurrentIndex(source == Source::Prior ? 0 : 1);
}

void SamplesPanel::showSamples(const std::vector<QImage>& images, const std::vector<bool>& far, const QString& summary)
{
    images_ = images;
    far_ = far;
    summary_->setText(summary);
    tiles_->update();
}

QString SamplesPanel::summary() const
{
    return summary_->text();
}

} // namespace lx::ui
