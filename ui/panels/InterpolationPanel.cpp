#include "panels/InterpolationPanel.h"

#include "panels/ImageTile.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

namespace lx::ui {
namespace {

// Draws the strip of decodes edge to edge, crisp pixels.
class StripView : public QWidget {
public:
    explicit StripView(const std::vector<QImage>& images, QWidget* parent) : QWidget(parent), images_(images)
    {
        setMinimumHeight(48);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter p(this);
        if (images_.empty())
            return;
        const int n = int(images_.size());
        const int side = std::min(height(), width() / n);
        for (int i = 0; i < n; ++i)
            p.drawImage(QRect(i * side, 0, side, side), images_[size_t(i)]);
    }

private:
    const std::vector<QImage>& images_;
};

} // namespace

InterpolationPanel::InterpolationPanel(QWidget* parent) : QWidget(parent)
{
    tileA_ = new ImageTile(tr("A"), 56, this);
    tileB_ = new ImageTile(tr("B"), 56, this);
    current_ = new ImageTile(tr("t = 0.50"), 84, this);
    slider_ = new QSlider(Qt::Horizontal, this);
    slider_->setObjectName("interpolationSlider");
    slider_->setRange(0, 1000);
    slider_->setValue(500);
    kind_ = new QComboBox(this);
    kind_->addItems({tr("linear"), tr("spherical (slerp)")});
    steps_ = new QSpinBox(this);
    steps_->setRange(2, 16);
    steps_->setValue(8);
    steps_->setSuffix(tr(" steps"));
    hint_ = new QLabel(tr("Right-click the map (or a data point) twice to choose A and B."), this);
    hint_->setWordWrap(true);
    hint_->setStyleSheet("color: gray");
    stripArea_ = new StripView(strip_, this);

    auto* ends = new QHBoxLayout;
    ends->addWidget(tileA_);
    ends->addWidget(current_);
    ends->addWidget(tileB_);
    auto* options = new QHBoxLayout;
    options->addWidget(kind_);
    options->addWidget(steps_);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(hint_);
    layout->addLayout(ends);
    layout->addWidget(slider_);
    layout->addLayout(options);
    layout->addWidget(stripArea_);
    layout->addStretch(1);

    connect(slider_, &QSlider::valueChanged, this, [this] {
        current_->setCaption(tr("t = %1").arg(position(), 0, 'f', 2));
        Q_EMIT changed();
    });
    connect(kind_, qOverload<int>(&QComboBox::currentIndexChanged), this, &InterpolationPanel::changed);
    connect(steps_, qOverload<int>(&QSpinBox::valueChanged), this, &InterpolationPanel::changed);
}

int InterpolationPanel::pickEndpoint(const std::vector<float>& z, const QImage& image)
{
    const bool setA = a_.empty() || !b_.empty();
    if (setA) {
        a_ = z;
        b_.clear();
        tileA_->setImage(image);
        tileB_->setImage(QImage());
        current_->setImage(QImage());
        strip_.clear();
        stripArea_->update();
        hint_->setText(tr("Now right-click B."));
    } else {
        b_ = z;
        tileB_->setImage(image);
        hint_->setText(tr("Drag the slider to move along the path from A to B."));
    }
    Q_EMIT changed();
    return setA ? 0 : 1;
}

void InterpolationPanel::clearEndpoints()
{
    a_.clear();
    b_.clear();
    tileA_->setImage(QImage());
    tileB_->setImage(QImage());
    current_->setImage(QImage());
    strip_.clear();
    stripArea_->update();
    Q_EMIT changed();
}

double InterpolationPanel::position() const
{
    return slider_->value() / 1000.0;
}

void InterpolationPanel::setPosition(double t)
{
    slider_->setValue(int(std::lround(std::clamp(t, 0.0, 1.0) * 1000)));
}

PathKind InterpolationPanel::pathKind() const
{
    return kind_->currentIndex() == 1 ? PathKind::Spherical : PathKind::Linear;
}

void InterpolationPanel::setPathKind(PathKind kind)
{
    kind_->setCurrentIndex(kind == PathKind::Spherical ? 1 : 0);
}

void InterpolationPanel::setStripLength(int steps)
{
    steps_->setValue(steps);
}

int InterpolationPanel::stripLength() const
{
    return steps_->value();
}

void InterpolationPanel::showCurrent(const QImage& image)
{
    current_->setImage(image);
}

QImage InterpolationPanel::current() const
{
    return current_->image();
}

void InterpolationPanel::showStrip(const std::vector<QImage>& images)
{
    strip_ = images;
    stripArea_->update();
}

} // namespace lx::ui
