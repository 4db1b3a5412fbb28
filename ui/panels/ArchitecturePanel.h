#pragma once

#include "model/ModelSpec.h"

#include <QWidget>

class QBoxLayout;
class QLabel;
class QTableWidget;

namespace lx::ui {

// The lecture's conv arithmetic, live: every layer of the model with the shape it produces,
// and the model's convolutions as editable rows (channels, kernel, stride, padding,
// output_padding). Any edit re-plans a copy of the architecture at once and says whether the
// decoder gives back the image size, and if not, what fixes it. Editing never touches the
// model itself.
class ArchitecturePanel : public QWidget {
    Q_OBJECT
public:
    explicit ArchitecturePanel(QWidget* parent = nullptr);

    void setSpec(const ModelSpec& spec); // the model's: also resets the edits
    void showText(const QString& text);  // a model without a spec (TorchScript): no table
    const ModelSpec& editedSpec() const { return edited_; }
    QString verdict() const; // the problem, or what the decoder gives back
    QTableWidget* layersTable() const { return layers_; }
    QTableWidget* convolutionsTable() const { return convs_; }
    // Edits one value of one convolution as the spin boxes do. `column`: 0 channels, 1 kernel,
    // 2 stride, 3 padding, 4 output_padding; `row`: encoder convolutions first, then decoder.
    void editConvolution(int row, int column, int value);
    // The cell whose value would fix the shapes (framed in the table), or -1, -1.
    int fixRow() const { return fixRow_; }
    int fixColumn() const { return fixColumn_; }

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void rebuildEditors();
    void replan();

    ModelSpec model_, edited_;
    QLabel* summary_;
    QLabel* verdict_;
    QTableWidget* layers_;
    QTableWidget* convs_;
    QBoxLayout* columns_;
    int fixRow_ = -1, fixColumn_ = -1;
};

} // namespace lx::ui
