#include "panels/NewModelDialog.h"

#include "common/Error.h"
#include "panels/DialogGeometry.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace lx::ui {
namespace {

struct ArchChoice {
    const char* name;
    const char* help;
};
const ArchChoice kArchs[] = {
    {"conv", QT_TRANSLATE_NOOP("NewModelDialog", "Our default: two strided convolutions with batch norm, a 512–128 "
                                                 "head, and the mirror image back. Best map for its time.")},
    {"lecture", QT_TRANSLATE_NOOP("NewModelDialog", "Exactly the lecture's model: Conv 1→32→64 (28→14→7), Linear "
                                                    "3136→D; Linear D→3136, ConvTranspose 64→32→1 (7→14→28).")},
    {"mlp", QT_TRANSLATE_NOOP("NewModelDialog", "Fully connected: 784→512→128→D and back. No convolutions.")},
};

struct KindChoice {
    const char* name;
    const char* title;
    const char* help;
};
const KindChoice kKinds[] = {
    {"ae", QT_TRANSLATE_NOOP("NewModelDialog", "Autoencoder"),
     QT_TRANSLATE_NOOP("NewModelDialog", "The lecture's model: the code is whatever reconstructs the image best.")},
    {"vae", QT_TRANSLATE_NOOP("NewModelDialog", "Variational autoencoder (VAE)"),
     QT_TRANSLATE_NOOP("NewModelDialog", "Each image a Gaussian in the code, pulled towards N(0, I) by β·KL, so that "
                                         "random codes decode to digits.")},
    {"umap", QT_TRANSLATE_NOOP("NewModelDialog", "UMAP-regularised autoencoder (UMAP-AE)"),
     QT_TRANSLATE_NOOP("NewModelDialog", "An autoencoder whose 2-D code is also pulled towards a UMAP layout of the "
                                         "training images: a map as clear as UMAP's that still decodes.")},
};

} // namespace

NewModelDialog::NewModelDialog(QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("New Model"));
    kind_ = new QComboBox(this);
    kind_->setObjectName("kind");
    for (const KindChoice& k : kKinds)
        kind_->addItem(tr(k.title), QString::fromLatin1(k.name));
    kindHelp_ = new QLabel(this);
    kindHelp_->setObjectName("kindHelp");
    kindHelp_->setWordWrap(true);
    kindHelp_->setForegroundRole(QPalette::PlaceholderText);
    arch_ = new QComboBox(this);
    arch_->setObjectName("arch");
    for (const ArchChoice& a : kArchs)
        arch_->addItem(QString::fromLatin1(a.name), QString::fromLatin1(a.name));
    archHelp_ = new QLabel(this);
    archHelp_->setWordWrap(true);
    archHelp_->setForegroundRole(QPalette::PlaceholderText); // the theme's muted text
    // Room for the longest of the descriptions, whichever is chosen: a wrapped label's height
    // was guessed short, and "Best map for its time." was cut off.
    setMinimumWidth(460);
    int tallest = 0;
    for (const ArchChoice& choice : kArchs)
        tallest = std::max(tallest, archHelp_->fontMetrics()
                                        .boundingRect(QRect(0, 0, 270, 4000), Qt::TextWordWrap, tr(choice.help))
                                        .height());
    archHelp_->setMinimumHeight(tallest);
    tallest = 0;
    for (const KindChoice& choice : kKinds)
        tallest = std::max(tallest, kindHelp_->fontMetrics()
                                        .boundingRect(QRect(0, 0, 270, 4000), Qt::TextWordWrap, tr(choice.help))
                                        .height());
    kindHelp_->setMinimumHeight(tallest);
    latent_ = new QSpinBox(this);
    latent_->setObjectName("latent");
    latent_->setRange(1, 256);
    latent_->setToolTip(tr("2 is drawn directly; larger codes are shown through a projection.\n"
                           "Too large a code and the model starts to memorise: watch the validation curve."));
    loss_ = new QComboBox(this);
    loss_->setObjectName("loss");
    loss_->addItem(tr("MSE (mean squared error)"), "mse");
    loss_->addItem(tr("BCE (binary cross-entropy)"), "bce");
    beta_ = new QDoubleSpinBox(this);
    beta_->setObjectName("beta");
    beta_->setRange(0, 1000);
    beta_->setDecimals(3);
    beta_->setSingleStep(0.1);
    beta_->setToolTip(tr("Weight of the KL term: larger pulls the codes towards the prior N(0, I)"));
    noise_ = new QDoubleSpinBox(this);
    noise_->setObjectName("inputNoise");
    noise_->setRange(0, 2);
    noise_->setDecimals(2);
    noise_->setSingleStep(0.05);
    noise_->setSpecialValueText(tr("none"));
    noise_->setToolTip(tr("Denoising: Gaussian noise of this standard deviation is added to every training image, and "
                          "the model must reconstruct the clean one (a denoising autoencoder)."));
    umapWeight_ = new QDoubleSpinBox(this);
    umapWeight_->setObjectName("umapWeight");
    umapWeight_->setRange(0, 1000);
    umapWeight_->setDecimals(4);
    // From the default 0.001 up to 1, a tenth of the value's own size a step.
    umapWeight_->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
    umapWeight_->setToolTip(tr("How strongly the code is pulled towards the UMAP layout of the training images, beside "
                               "the reconstruction loss (0: a plain autoencoder)"));
    learningRate_ = new QDoubleSpinBox(this);
    learningRate_->setObjectName("learningRate");
    learningRate_->setDecimals(5);
    learningRate_->setRange(0.00001, 0.1);
    learningRate_->setSingleStep(0.0001);
    batch_ = new QSpinBox(this);
    batch_->setObjectName("batch");
    batch_->setRange(1, 4096);
    epochs_ = new QSpinBox(this);
    epochs_->setObjectName("epochs");
    epochs_->setRange(1, 10000);
    seed_ = new QSpinBox(this);
    seed_->setObjectName("seed");
    seed_->setRange(0, 1 << 30);
    trainNow_ = new QCheckBox(tr("Start training at once"), this);
    trainNow_->setChecked(true);

    auto* form = new QFormLayout;
    form->addRow(tr("&Type:"), kind_);
    form->addRow(QString(), kindHelp_);
    form->addRow(tr("&Architecture:"), arch_);
    form->addRow(QString(), archHelp_);
    form->addRow(tr("&Latent size:"), latent_);
    form->addRow(tr("L&oss:"), loss_);
    form->addRow(tr("&β (KL weight):"), beta_);
    form->addRow(tr("Input &noise (σ):"), noise_);
    form->addRow(tr("&UMAP weight (λ):"), umapWeight_);
    form->addRow(tr("Learning &rate:"), learningRate_);
    form->addRow(tr("&Batch size:"), batch_);
    form->addRow(tr("&Epochs:"), epochs_);
    form->addRow(tr("&Seed:"), seed_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Create"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(trainNow_);
    note_ = new QLabel(this);
    note_->setObjectName("newModelNote");
    note_->setWordWrap(true);
    note_->hide();
    layout->addWidget(note_);
    layout->addWidget(buttons);

    connect(kind_, qOverload<int>(&QComboBox::currentIndexChanged), this, &NewModelDialog::updateEnabled);
    // Each type comes with its own input noise and pull for the dataset (a UMAP model on
    // photographs learns on noisy copies, pulled harder).
    connect(kind_, qOverload<int>(&QComboBox::activated), this,
            [this] { showPreset(parseKind(kind_->currentData().toString().toStdString())); });
    connect(arch_, qOverload<int>(&QComboBox::currentIndexChanged), this, &NewModelDialog::updateEnabled);
    setRequest(remembered());
    keepGeometry(this, "newModel");
}

void NewModelDialog::setDataset(const QString& name)
{
    dataset_ = name;
    if (kind_->currentData().toString() != QLatin1String("umap"))
        return;
    // On fashion the dialog opened with the digits' 0.001 and no noise (a first model's
    // defaults), until the type was chosen again.
    const double noise = noise_->value(), weight = umapWeight_->value();
    for (const char* other : {"mnist", "fashion"}) {
        const ModelSpec preset = presetSpec("conv", 2, ModelKind::Umap, LossKind::Mse, other);
        if (std::abs(noise - preset.inputNoise) < 1e-9 && std::abs(weight - preset.umapWeight) < 1e-9) {
            showPreset(ModelKind::Umap);
            return;
        }
    }
}

void NewModelDialog::showPreset(ModelKind kind)
{
    const ModelSpec preset = presetSpec("conv", 2, kind, LossKind::Mse, dataset_.toStdString());
    noise_->setValue(preset.inputNoise);
    umapWeight_->setValue(preset.umapWeight);
}

void NewModelDialog::updateEnabled()
{
    const QString kind = kind_->currentData().toString();
    beta_->setEnabled(kind == "vae");
    // A UMAP model's code is its 2-D map; another type gets back the size it had.
    umapWeight_->setEnabled(kind == "umap");
    if (kind == "umap" && latent_->isEnabled()) {
        latentBeforeUmap_ = latent_->value();
        latent_->setValue(2);
    } else if (kind != "umap" && !latent_->isEnabled() && latentBeforeUmap_ > 0) {
        latent_->setValue(latentBeforeUmap_);
    }
    latent_->setEnabled(kind != "umap");
    const int k = kind_->currentIndex();
    kindHelp_->setText(k >= 0 && k < int(std::size(kKinds)) ? tr(kKinds[k].help) : QString());
    const int i = arch_->currentIndex();
    archHelp_->setText(i >= 0 && i < int(std::size(kArchs)) ? tr(kArchs[i].help) : QString());
}

TrainingRequest NewModelDialog::request() const
{
    TrainingRequest r;
    r.kind = parseKind(kind_->currentData().toString().toStdString());
    r.arch = arch_->currentData().toString();
    r.latentDim = latent_->value();
    r.loss = parseLoss(loss_->currentData().toString().toStdString());
    r.beta = beta_->value();
    r.inputNoise = noise_->value();
    r.umapWeight = umapWeight_->value();
    r.learningRate = learningRate_->value();
    r.batchSize = batch_->value();
    r.epochs = epochs_->value();
    r.seed = quint64(seed_->value());
    return r;
}

void NewModelDialog::setRequest(const TrainingRequest& r)
{
    auto select = [](QComboBox* box, const QString& value) {
        const int i = box->findData(value);
        box->setCurrentIndex(i >= 0 ? i : 0);
    };
    // The size first: selecting the type remembers the size it had for a switch away from UMAP,
    // and that size was the spin box's minimum (1) when the dialog opened on a UMAP model.
    latent_->setValue(r.latentDim);
    select(kind_, QString::fromStdString(kindName(r.kind)));
    select(arch_, r.arch);
    select(loss_, QString::fromStdString(lossName(r.loss)));
    latent_->setValue(r.latentDim);
    latentBeforeUmap_ = r.latentDim;
    beta_->setValue(r.beta);
    noise_->setValue(r.inputNoise);
    umapWeight_->setValue(r.umapWeight);
    learningRate_->setValue(r.learningRate);
    batch_->setValue(r.batchSize);
    epochs_->setValue(r.epochs);
    seed_->setValue(int(r.seed));
    updateEnabled();
}

bool NewModelDialog::trainNow() const
{
    return trainNow_->isChecked();
}

void NewModelDialog::setNote(const QString& text)
{
    note_->setText(text);
    note_->setVisible(!text.isEmpty());
}

void NewModelDialog::accept()
{
    const TrainingRequest r = request();
    QSettings s;
    s.beginGroup("newModel");
    s.setValue("kind", QString::fromStdString(kindName(r.kind)));
    s.setValue("arch", r.arch);
    s.setValue("latent", r.latentDim);
    s.setValue("loss", QString::fromStdString(lossName(r.loss)));
    s.setValue("beta", r.beta);
    s.setValue("inputNoise", r.inputNoise);
    s.setValue("umapWeight", r.umapWeight);
    s.setValue("learningRate", r.learningRate);
    s.setValue("batch", r.batchSize);
    s.setValue("epochs", r.epochs);
    s.setValue("seed", r.seed);
    QDialog::accept();
}

TrainingRequest NewModelDialog::remembered()
{
    TrainingRequest r = TrainingRequest::firstLaunch();
    QSettings s;
    s.beginGroup("newModel");
    // A value this version does not know (an edited or newer settings file): the default.
    try {
        r.kind = parseKind(s.value("kind", QString::fromStdString(kindName(r.kind))).toString().toStdString());
    } catch (const Error&) {
    }
    try {
        r.loss = parseLoss(s.value("loss", QString::fromStdString(lossName(r.loss))).toString().toStdString());
    } catch (const Error&) {
    }
    const QString arch = s.value("arch", r.arch).toString();
    for (const std::string& preset : presetNames())
        if (arch == QString::fromStdString(preset))
            r.arch = arch;
    r.latentDim = s.value("latent", r.latentDim).toInt();
    r.beta = s.value("beta", r.beta).toDouble();
    r.inputNoise = s.value("inputNoise", r.inputNoise).toDouble();
    r.umapWeight = s.value("umapWeight", r.umapWeight).toDouble();
    r.learningRate = s.value("learningRate", r.learningRate).toDouble();
    r.batchSize = s.value("batch", r.batchSize).toInt();
    r.epochs = s.value("epochs", r.epochs).toInt();
    r.seed = s.value("seed", r.seed).toULongLong();
    return r;
}

} // namespace lx::ui
