#include "panels/InterpolationPanel.h"

#include "panels/ImageTile.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

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
    hint_->setForegroundRole(QPalette::PlaceholderText); // the theme's muted text
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
        Q_EMIT positionChanged(position());
    });
    connect(kind_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { Q_EMIT pathKindChanged(pathKind()); });
    connect(steps_, qOverload<int>(&QSpinBox::valueChanged), this, &InterpolationPanel::stripLengthChanged);
}

void InterpolationPanel::showEnds(const QImage& a, const QImage& b)
{
    tileA_->setImage(a);
    tileB_->setImage(b);
}

QImage InterpolationPanel::endImage(int end) const
{
    return end == 0 ? tileA_->image() : tileB_->image();
}

void InterpolationPanel::setHint(const QString& text)
{
    hint_->setText(text);
}

void InterpolationPanel::setChoices(double t, PathKind kind, int steps)
{
    const QSignalBlocker b1(slider_), b2(kind_), b3(steps_);
    slider_->setValue(int(std::lround(std::clamp(t, 0.0, 1.0) * 1000)));
    current_->setCaption(tr("t = %1").arg(position(), 0, 'f', 2));
    kind_->setCurrentIndex(kind == PathKind::Spherical ? 1 : 0);
    steps_->setValue(steps);
}

double InterpolationPanel::position() const
{
    return slider_->value() / 1000.0;
}

PathKind InterpolationPanel::pathKind() const
{
    return kind_->currentIndex() == 1 ? PathKind::Spherical : PathKind::Linear;
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
