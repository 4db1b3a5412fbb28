#include "panels/DrawPanel.h"

#include "data/DrawingPreprocess.h"
#include "panels/DrawingCanvas.h"
#include "panels/ImageTile.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>

namespace lx::ui {

DrawPanel::DrawPanel(QWidget* parent) : QWidget(parent)
{
    canvas_ = new DrawingCanvas(this);
    pen_ = new QSlider(Qt::Horizontal, this);
    pen_->setRange(6, 36);
    pen_->setValue(canvas_->penWidth());
    pen_->setToolTip(tr("Pen width"));
    connect(pen_, &QSlider::valueChanged, canvas_, &DrawingCanvas::setPenWidth);
    auto* clear = new QPushButton(tr("Clear"), this);
    clear->setObjectName("clearDrawing");
    auto* undo = new QPushButton(tr("Undo"), this);
    undo->setToolTip(tr("Undo the last stroke (Ctrl+Z)")); // the key is the window's: MainWindow
    connect(clear, &QPushButton::clicked, canvas_, &DrawingCanvas::clear);
    connect(undo, &QPushButton::clicked, canvas_, &DrawingCanvas::undo);
    connect(canvas_, &DrawingCanvas::changed, this, &DrawPanel::drawingChanged);

    preprocessed_ = new ImageTile(tr("model input"), 64, this);
    reconstruction_ = new ImageTile(tr("reconstruction"), 64, this);
    auto* nearestRow = new QHBoxLayout;
    for (int i = 0; i < 5; ++i) {
        // At least 28 px, a pixel a pixel, however small the panel (56 / 2 + 8: see ImageTile).
        nearest_.push_back(new ImageTile(QString(), 56, this));
        nearestRow->addWidget(nearest_.back());
    }

    auto* tools = new QHBoxLayout;
    tools->addWidget(new QLabel(tr("Pen"), this));
    tools->addWidget(pen_, 1);
    tools->addWidget(undo);
    tools->addWidget(clear);
    auto* results = new QHBoxLayout;
    results->addWidget(preprocessed_);
    results->addWidget(reconstruction_);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(canvas_, 1);
    layout->addLayout(tools);
    layout->addLayout(results);
    layout->addWidget(new QLabel(tr("Nearest training images:"), this));
    layout->addLayout(nearestRow);
}

std::vector<uint8_t> DrawPanel::preprocessed() const
{
    const QImage image = canvas_->image();
    std::vector<uint8_t> pixels(size_t(image.width()) * size_t(image.height()));
    for (int y = 0; y < image.height(); ++y)
        std::copy_n(image.constScanLine(y), image.width(), pixels.data() + size_t(y) * size_t(image.width()));
    return preprocessDrawing(pixels.data(), image.width(), image.height());
}

void DrawPanel::showResult(const QImage& preprocessed, const QImage& reconstruction, const std::vector<QImage>& nearest,
                           const QString& caption)
{
    preprocessed_->setImage(preprocessed);
    reconstruction_->setImage(reconstruction);
    reconstruction_->setCaption(caption);
    for (size_t i = 0; i < nearest_.size(); ++i)
        nearest_[i]->setImage(i < nearest.size() ? nearest[i] : QImage());
}

} // namespace lx::ui
