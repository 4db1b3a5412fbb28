#pragma once

#include "session/TrainingSession.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace lx::ui {

// New model: type (AE, VAE, UMAP-regularised AE, each with a sentence saying what it is),
// architecture, latent size, loss, β, input noise, UMAP weight, learning rate, batch, epochs, seed.
// The choices persist (QSettings) from one dialog to the next.
class NewModelDialog : public QDialog {
    Q_OBJECT
public:
    explicit NewModelDialog(QWidget* parent = nullptr);

    TrainingRequest request() const;
    void setRequest(const TrainingRequest& request);
    bool trainNow() const;
    // A line above the buttons, e.g. that Create stops the training that is running.
    void setNote(const QString& text);
    // The dataset the model will train on: a type chosen brings that dataset's input noise and
    // pull (presetSpec: noisy copies for upright photographs, moved ones for digits). A UMAP
    // model's noise and pull that are another dataset's preset (the defaults, or remembered
    // from a model made on it) become this one's; values of the user's own stay.
    void setDataset(const QString& name);

    void accept() override; // remembers the choices

    static TrainingRequest remembered(); // the last accepted choices, or the defaults

private:
    void updateEnabled();
    void showPreset(ModelKind kind); // that kind's noise and pull for dataset_

    QString dataset_;
    QComboBox* kind_;
    QComboBox* arch_;
    QSpinBox* latent_;
    QComboBox* loss_;
    QDoubleSpinBox* beta_;
    QDoubleSpinBox* noise_;
    QDoubleSpinBox* umapWeight_;
    QDoubleSpinBox* learningRate_;
    QSpinBox* batch_;
    QSpinBox* epochs_;
    QSpinBox* seed_;
    QCheckBox* trainNow_;
    QLabel* archHelp_;
    QLabel* kindHelp_;
    QLabel* note_;
    int latentBeforeUmap_ = 0; // the latent size before the type became UMAP (which fixes it at 2)
};

} // namespace lx::ui
