#include "panels/ArithmeticPanel.h"

#include "panels/ImageTile.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace lx::ui {

ArithmeticPanel::ArithmeticPanel(QWidget* parent) : QWidget(parent)
{
    from_ = new QComboBox(this);
    from_->setObjectName("arithmeticFrom");
    to_ = new QComboBox(this);
    to_->setObjectName("arithmeticTo");
    slider_ = new QSlider(Qt::Horizontal, this);
    slider_->setObjectName("arithmeticStrength");
    slider_->setRange(-100, 200);
    slider_->setValue(100);
    slider_->setToolTip(tr("Strength: how far along (mean of “to”) − (mean of “from”) to move"));
    hint_ = new QLabel(tr("Right-click a point on the map to start from it (it is also A in Interpolate)."), this);
    hint_->setWordWrap(true);
    hint_->setForegroundRole(QPalette::PlaceholderText); // the theme's muted text
    start_ = new ImageTile(tr("start"), 56, this);
    current_ = new ImageTile(tr("strength 1.00"), 84, this);
    auto* stripRow = new QHBoxLayout;
    stripRow->setSpacing(0);
    for (int i = 0; i < kStripLength; ++i) {
        stripTiles_.push_back(new ImageTile(QString::number(stripStrength(i), 'g', 3), 30, this));
        stripRow->addWidget(stripTiles_.back());
    }
    auto* classes = new QGridLayout;
    classes->addWidget(new QLabel(tr("From class"), this), 0, 0);
    classes->addWidget(from_, 0, 1);
    classes->addWidget(new QLabel(tr("towards"), this), 1, 0);
    classes->addWidget(to_, 1, 1);
    auto* images = new QHBoxLayout;
    images->addWidget(start_);
    images->addWidget(current_);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(hint_);
    layout->addLayout(classes);
    layout->addLayout(images);
    layout->addWidget(slider_);
    layout->addLayout(stripRow);
    layout->addStretch(1);

    connect(from_, qOverload<int>(&QComboBox::currentIndexChanged), this, &ArithmeticPanel::changed);
    connect(to_, qOverload<int>(&QComboBox::currentIndexChanged), this, &ArithmeticPanel::changed);
    connect(slider_, &QSlider::valueChanged, this, [this] {
        current_->setCaption(tr("strength %1").arg(strength(), 0, 'f', 2));
        Q_EMIT changed();
    });
}

void ArithmeticPanel::setClassNames(const std::vector<QString>& names)
{
    QStringList list;
    for (const QString& n : names)
        list << n;
    QStringList old;
    for (int i = 0; i < from_->count(); ++i)
        old << from_->itemText(i);
    if (old == list)
        return;
    const QSignalBlocker b1(from_), b2(to_);
    from_->clear();
    to_->clear();
    from_->addItems(list);
    to_->addItems(list);
    if (list.size() > 1) {
        from_->setCurrentIndex(std::min<int>(1, int(list.size()) - 1));
        to_->setCurrentIndex(std::min<int>(8, int(list.size()) - 1));
    }
}

int ArithmeticPanel::fromClass() const
{
    return from_->currentIndex();
}

int ArithmeticPanel::toClass() const
{
    return to_->currentIndex();
}

void ArithmeticPanel::setClasses(int from, int to)
{
    from_->setCurrentIndex(from);
    to_->setCurrentIndex(to);
}

double ArithmeticPanel::strength() const
{
    return slider_->value() / 100.0;
}

void ArithmeticPanel::setStrength(double strength)
{
    slider_->setValue(int(std::lround(strength * 100)));
}

void ArithmeticPanel::setChoices(int from, int to, double strength)
{
    const QSignalBlocker b1(from_), b2(to_), b3(slider_);
    from_->setCurrentIndex(std::clamp(from, 0, from_->count() - 1));
    to_->setCurrentIndex(std::clamp(to, 0, to_->count() - 1));
    slider_->setValue(int(std::lround(strength * 100)));
    current_->setCaption(tr("strength %1").arg(this->strength(), 0, 'f', 2));
}

void ArithmeticPanel::showStart(const QImage& image)
{
    start_->setImage(image);
}

void ArithmeticPanel::showResult(const QImage& current, const std::vector<QImage>& strip, const QString& caption)
{
    current_->setImage(current);
    strip_ = strip;
    for (size_t i = 0; i < stripTiles_.size(); ++i)
        stripTiles_[i]->setImage(i < strip.size() ? strip[i] : QImage());
    hint_->setText(caption);
}

void ArithmeticPanel::showHint(const QString& text)
{
    hint_->setText(text);
}

QImage ArithmeticPanel::current() const
{
    return current_->image();
}

} // namespace lx::ui
