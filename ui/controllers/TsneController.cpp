#include "controllers/TsneController.h"

#include "panels/DialogGeometry.h"

#include "common/Error.h"
#include "latent/Tsne.h"
#include "session/BackgroundJob.h"
#include "session/ExplorerState.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QProgressDialog>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace lx::ui {

TsneController::TsneController(ExplorerState* state, QWidget* dialogParent, QObject* parent)
    : QObject(parent), state_(state), dialogParent_(dialogParent), job_(new BackgroundJob(QStringLiteral("tsne"), this))
{
    connect(job_, &BackgroundJob::progressed, this, [this](double f) {
        if (progress_)
            progress_->setValue(int(f * 1000));
    });
    connect(job_, &BackgroundJob::failed, this, &TsneController::error);
    connect(job_, &BackgroundJob::finished, this, [this] {
        if (progress_)
            progress_->close();
    });
    // New codes (training, another model): a layout under way or shown was of the old ones.
    connect(state_, &ExplorerState::cloudChanged, this, [this] {
        if (state_->exactCloud() == source_)
            return;
        cancel();
        if (showing_ && state_->exactCloud())
            Q_EMIT status(tr("New codes: the map is back to the exact projection (run t-SNE again for these codes)"));
        showing_ = false;
    });
}

TsneController::~TsneController() = default;

void TsneController::ask()
{
    const CloudPtr cloud = state_->exactCloud();
    if (!cloud || cloud->count() < 4 || job_->isRunning())
        return;
    QDialog dialog(dialogParent_);
    dialog.setWindowTitle(tr("Map by t-SNE"));
    auto* perplexity = new QDoubleSpinBox(&dialog);
    perplexity->setRange(2, 200);
    perplexity->setValue(QSettings().value("tsne/perplexity", 30.0).toDouble());
    perplexity->setToolTip(tr("About how many neighbours each point keeps close (5–50 is usual)"));
    auto* seed = new QSpinBox(&dialog);
    seed->setRange(0, 1 << 30);
    seed->setValue(QSettings().value("tsne/seed", 1).toInt());
    auto* form = new QFormLayout;
    form->addRow(tr("&Perplexity:"), perplexity);
    form->addRow(tr("&Seed:"), seed);
    auto* note = new QLabel(tr("%L1 codes. Large maps take a while (70,000 points: about half a minute on 2 cores); "
                               "the window stays usable and Cancel stops it.")
                                .arg(cloud->count()),
                            &dialog);
    note->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto* layout = new QVBoxLayout(&dialog);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);
    keepGeometry(&dialog, "tsne");
    if (dialog.exec() != QDialog::Accepted)
        return;
    QSettings().setValue("tsne/perplexity", perplexity->value());
    QSettings().setValue("tsne/seed", seed->value());
    compute(perplexity->value(), quint64(seed->value()));
}

void TsneController::compute(double perplexity, quint64 seed)
{
    const CloudPtr cloud = state_->exactCloud();
    if (!cloud || cloud->count() < 4 || job_->isRunning())
        return;
    source_ = cloud;
    TsneOptions options;
    options.perplexity = perplexity;
    options.seed = seed;
    progress_ = new QProgressDialog(
        tr("t-SNE of %L1 codes (perplexity %2, seed %3)…").arg(cloud->count()).arg(perplexity).arg(seed), tr("Cancel"),
        0, 1000, dialogParent_);
    progress_->setObjectName("tsneProgress");
    progress_->setWindowTitle(tr("t-SNE"));
    progress_->setWindowModality(Qt::NonModal);
    progress_->setMinimumDuration(0);
    progress_->setAttribute(Qt::WA_DeleteOnClose);
    connect(progress_, &QProgressDialog::canceled, this, &TsneController::cancel);
    progress_->show();
    job_->start([this, cloud, options](BackgroundJob::Context& job) {
        std::vector<float> xy = tsne(
            cloud->codes.data(), cloud->count(), cloud->dim, options, [&job](double f) { job.progress(f); },
            job.cancelFlag());
        auto layout = std::make_shared<LatentCloud>(*cloud);
        layout->projection = LatentProjection::neighbours(cloud->codes, xy, cloud->dim);
        layout->xy = std::move(xy);
        job.deliver([this, layout, cloud] {
            // Only if the codes are still these (training may have moved them meanwhile).
            showing_ = state_->showNeighbourhoodMap(layout, cloud);
            if (showing_)
                Q_EMIT status(tr("Map by t-SNE: hovering decodes through the nearest embedded points"));
        });
    });
}

void TsneController::cancel()
{
    if (!job_->isRunning())
        return;
    job_->cancel();
    Q_EMIT status(tr("t-SNE cancelled: the map is as it was"));
}

bool TsneController::isRunning() const
{
    return job_->isRunning();
}

void TsneController::showExactProjection()
{
    cancel();
    showing_ = false;
    state_->showExactProjection();
}

} // namespace lx::ui
