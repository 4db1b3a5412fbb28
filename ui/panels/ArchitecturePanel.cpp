#include "panels/ArchitecturePanel.h"

#include "Palette.h"

#include "model/ArchitecturePlan.h"

#include <QBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QWheelEvent>
#include <QTableWidget>
#include <QVBoxLayout>

namespace lx::ui {
namespace {

// The wheel scrolls the panel unless the box was clicked or tabbed into: scrolling past the
// table changed a stride on the way (walkthrough). An ignored wheel event goes to the parent.
class FocusWheelSpinBox : public QSpinBox {
public:
    explicit FocusWheelSpinBox(QWidget* parent) : QSpinBox(parent) { setFocusPolicy(Qt::StrongFocus); }

protected:
    void wheelEvent(QWheelEvent* event) override
    {
        if (hasFocus())
            QSpinBox::wheelEvent(event);
        else
            event->ignore();
    }
};

ConvLayerSpec* convAt(ModelSpec& spec, int row)
{
    const int encoders = int(spec.encoderConvs.size());
    if (row < 0)
        return nullptr;
    if (row < encoders)
        return &spec.encoderConvs[size_t(row)];
    if (row - encoders < int(spec.decoderConvs.size()))
        return &spec.decoderConvs[size_t(row - encoders)];
    return nullptr;
}

} // namespace

ArchitecturePanel::ArchitecturePanel(QWidget* parent) : QWidget(parent)
{
    summary_ = new QLabel(tr("No model"), this);
    verdict_ = new QLabel(this);
    verdict_->setWordWrap(true);
    verdict_->setObjectName("architectureVerdict");
    layers_ = new QTableWidget(0, 4, this);
    layers_->setObjectName("architectureLayers");
    layers_->setHorizontalHeaderLabels({tr("Part"), tr("Layer"), tr("Output shape"), tr("Parameters")});
    layers_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layers_->verticalHeader()->setVisible(false);
    layers_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    layers_->setSelectionMode(QAbstractItemView::NoSelection);
    layers_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    convs_ = new QTableWidget(0, 5, this);
    convs_->setObjectName("architectureConvolutions");
    convs_->setHorizontalHeaderLabels({tr("Channels"), tr("Kernel"), tr("Stride"), tr("Padding"), tr("Out. pad.")});
    // Whole headers ("Channels", "Out. pad."), and room for the lecture's four rows at least.
    convs_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    convs_->horizontalHeader()->setStretchLastSection(true);
    convs_->setMinimumHeight(convs_->horizontalHeader()->sizeHint().height() + 4 * (fontMetrics().height() + 14) + 4);
    convs_->setToolTip(tr("Try other values: the shapes are checked at once (the model itself is not changed)"));
    auto* reset = new QPushButton(tr("Back to the model's values"), this);
    connect(reset, &QPushButton::clicked, this, [this] { setSpec(model_); });

    auto* editor = new QVBoxLayout;
    editor->addWidget(new QLabel(tr("Convolutions — try other values:"), this));
    editor->addWidget(convs_, 1);
    editor->addWidget(verdict_);
    editor->addWidget(reset);
    columns_ = new QBoxLayout(QBoxLayout::LeftToRight);
    columns_->addWidget(layers_, 3);
    columns_->addLayout(editor, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(summary_);
    layout->addLayout(columns_, 1);
}

void ArchitecturePanel::resizeEvent(QResizeEvent* event)
{
    // Side by side where both tables fit whole; else one above the other, the editor and its
    // verdict first (what a student tries), the layer list under it.
    const QBoxLayout::Direction direction = width() >= 820 ? QBoxLayout::LeftToRight : QBoxLayout::BottomToTop;
    if (columns_->direction() != direction)
        columns_->setDirection(direction);
    QWidget::resizeEvent(event);
}

void ArchitecturePanel::setSpec(const ModelSpec& spec)
{
    model_ = spec;
    edited_ = spec;
    rebuildEditors();
    replan();
}

void ArchitecturePanel::showText(const QString& text)
{
    layers_->setRowCount(0);
    convs_->setRowCount(0);
    summary_->setText(text);
    verdict_->clear();
}

void ArchitecturePanel::rebuildEditors()
{
    const int encoders = int(edited_.encoderConvs.size());
    const int rows = encoders + int(edited_.decoderConvs.size());
    convs_->clearContents();
    convs_->setRowCount(rows);
    QStringList names;
    for (int r = 0; r < rows; ++r) {
        names << (r < encoders ? tr("encoder %1").arg(r + 1) : tr("decoder %1").arg(r - encoders + 1));
        const ConvLayerSpec* c = convAt(edited_, r);
        const int values[5] = {c->channels, c->kernel, c->stride, c->padding, c->outputPadding};
        const int maxima[5] = {1024, 15, 8, 8, 7};
        for (int col = 0; col < 5; ++col) {
            if (col == 4 && r < encoders)
                continue; // output_padding belongs to transposed convolutions
            // The decoder's last layer makes the image: its channels are the image's.
            auto* box = new FocusWheelSpinBox(convs_);
            box->setRange(col == 0 || col == 1 || col == 2 ? 1 : 0, maxima[col]);
            box->setValue(values[col]);
            box->setEnabled(!(col == 0 && r == rows - 1));
            connect(box, qOverload<int>(&QSpinBox::valueChanged), this,
                    [this, r, col](int v) { editConvolution(r, col, v); });
            convs_->setCellWidget(r, col, box);
        }
    }
    convs_->setVerticalHeaderLabels(names);
}

void ArchitecturePanel::editConvolution(int row, int column, int value)
{
    ConvLayerSpec* c = convAt(edited_, row);
    if (!c)
        return;
    int* fields[5] = {&c->channels, &c->kernel, &c->stride, &c->padding, &c->outputPadding};
    if (column < 0 || column > 4 || *fields[column] == value)
        return;
    *fields[column] = value;
    if (auto* box = qobject_cast<QSpinBox*>(convs_->cellWidget(row, column)); box && box->value() != value) {
        const QSignalBlocker block(box);
        box->setValue(value);
    }
    replan();
}

void ArchitecturePanel::replan()
{
    const ArchitecturePlan plan = planArchitecture(edited_);
    layers_->setRowCount(0);
    auto add = [this](const QString& part, const PlannedLayer& l) {
        const int r = layers_->rowCount();
        layers_->insertRow(r);
        layers_->setItem(r, 0, new QTableWidgetItem(part));
        layers_->setItem(r, 1, new QTableWidgetItem(QString::fromStdString(l.describe())));
        layers_->setItem(r, 2, new QTableWidgetItem(QString::fromStdString(l.out.text())));
        const int64_t n = l.parameterCount();
        layers_->setItem(r, 3, new QTableWidgetItem(n > 0 ? QStringLiteral("%L1").arg(n) : QString()));
        if (l.type == LayerType::Conv || l.type == LayerType::ConvTranspose)
            for (int c = 0; c < 4; ++c)
                layers_->item(r, c)->setBackground(palette().color(QPalette::AlternateBase));
    };
    for (const PlannedLayer& l : plan.encoder)
        add(tr("encoder"), l);
    for (const PlannedLayer& l : plan.decoder)
        add(tr("decoder"), l);
    layers_->resizeColumnToContents(0);
    layers_->resizeColumnToContents(2);
    summary_->setText(tr("%1 %2, latent %3 · %L4 parameters%5")
                          .arg(QString::fromStdString(edited_.arch), QString::fromStdString(kindTitle(edited_.kind)))
                          .arg(edited_.latentDim)
                          .arg(plan.parameterCount())
                          .arg(edited_ == model_ ? QString() : tr(" · edited (not the model)")));
    if (plan.ok()) {
        const QString out = plan.decoder.empty() ? QString() : QString::fromStdString(plan.decoder.back().out.text());
        verdict_->setText(tr("✓ The decoder gives back %1: the shapes meet.").arg(out));
        verdict_->setStyleSheet(QStringLiteral("color: %1").arg(goodColor(palette()).name()));
    } else {
        verdict_->setText(tr("✗ %1").arg(QString::fromStdString(plan.problem)));
        verdict_->setStyleSheet(QStringLiteral("color: %1").arg(badColor(palette()).name()));
    }
    // The value that fixes it, framed and scrolled into view.
    for (int r = 0; r < convs_->rowCount(); ++r)
        for (int c = 0; c < convs_->columnCount(); ++c)
            if (QWidget* box = convs_->cellWidget(r, c))
                box->setStyleSheet(r == plan.fixRow && c == plan.fixColumn
                                       ? QStringLiteral("border: 2px solid %1").arg(badColor(palette()).name())
                                       : QString());
    if (plan.fixRow >= 0)
        convs_->scrollTo(convs_->model()->index(plan.fixRow, plan.fixColumn));
    fixRow_ = plan.fixRow;
    fixColumn_ = plan.fixColumn;
}

QString ArchitecturePanel::verdict() const
{
    return verdict_->text();
}

} // namespace lx::ui
