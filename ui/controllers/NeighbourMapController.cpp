#include "controllers/NeighbourMapController.h"

#include "panels/DialogGeometry.h"

#include "common/Error.h"
#include "data/Dataset.h"
#include "latent/Tsne.h"
#include "latent/Umap.h"
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

NeighbourMapController::NeighbourMapController(ExplorerState* state, QWidget* dialogParent, QObject* parent)
    : QObject(parent), state_(state), dialogParent_(dialogParent),
      job_(new BackgroundJob(QStringLiteral("neighbourMap"), this))
{
    connect(job_, &BackgroundJob::progressed, this, [this](double f) {
        if (progress_)
            progress_->setValue(int(f * 1000));
    });
    connect(job_, &BackgroundJob::failed, this, &NeighbourMapController::error);
    connect(job_, &BackgroundJob::finished, this, [this] {
        if (progress_)
            progress_->close();
    });
    // New codes (training, another model): a layout under way or shown was of the old ones.
    connect(state_, &ExplorerState::cloudChanged, this, [this] {
        if (state_->exactCloud() == source_)
            return;
        const bool running = job_->isRunning();
        cancel(); // its "cancelled" line is replaced by one that says why
        if (running)
            Q_EMIT status(tr("New codes (training went on): %1 stopped; pause training and run it again").arg(title_));
        else if (showing_ && state_->exactCloud())
            Q_EMIT status(tr("New codes: the map is back to the exact projection (run %1 again for these codes)").arg(title_));
        showing_ = false;
    });
}

NeighbourMapController::~NeighbourMapController() = default;

void NeighbourMapController::ask(Method method)
{
    const CloudPtr cloud = state_->exactCloud();
    if (!cloud || cloud->count() < 4 || job_->isRunning())
        return;
    const bool umap = method == Method::Umap;
    if (const DatasetPtr data = state_->dataset(); data && cloud->count() < data->totalCount()) {
        // A model just opened shows a first map from part of its images while it encodes the rest.
        Q_EMIT status(tr("%1 waits for the whole map: %L2 of %L3 images are encoded so far")
                          .arg(umap ? tr("UMAP") : tr("t-SNE"))
                          .arg(cloud->count())
                          .arg(data->totalCount()));
        return;
    }
    if (state_->session()->isTraining()) {
        // The live map moves every second: a layout of codes that are gone would be dropped.
        Q_EMIT status(tr("%1 lays out codes that hold still: pause or stop training first (Ctrl+P)")
                          .arg(umap ? tr("UMAP") : tr("t-SNE")));
        return;
    }
    const QString group = umap ? QStringLiteral("umap/") : QStringLiteral("tsne/");
    QDialog dialog(dialogParent_);
    dialog.setWindowTitle(umap ? tr("Map by UMAP") : tr("Map by t-SNE"));
    auto* form = new QFormLayout;
    // Only the method's own settings (a spin box made and not laid out sat in the corner).
    QDoubleSpinBox* perplexity = nullptr;
    QSpinBox* neighbours = nullptr;
    QDoubleSpinBox* minDist = nullptr;
    if (umap) {
        neighbours = new QSpinBox(&dialog);
        minDist = new QDoubleSpinBox(&dialog);
        neighbours->setRange(2, 200);
        neighbours->setValue(QSettings().value(group + "neighbours", 15).toInt());
        neighbours->setToolTip(tr("How many neighbours of each code shape the map: fewer show finer structure, more "
                                  "the larger picture (5–50 is usual)"));
        minDist->setRange(0.001, 1);
        minDist->setDecimals(3);
        minDist->setSingleStep(0.05);
        minDist->setValue(QSettings().value(group + "minDist", 0.1).toDouble());
        minDist->setToolTip(tr("How tightly neighbours may pack: small values give dense clumps"));
        form->addRow(tr("&Neighbours:"), neighbours);
        form->addRow(tr("&Min. distance:"), minDist);
    } else {
        perplexity = new QDoubleSpinBox(&dialog);
        perplexity->setRange(2, 200);
        perplexity->setValue(QSettings().value(group + "perplexity", 30.0).toDouble());
        perplexity->setToolTip(tr("About how many neighbours each point keeps close (5–50 is usual)"));
        form->addRow(tr("&Perplexity:"), perplexity);
    }
    auto* seed = new QSpinBox(&dialog);
    seed->setRange(0, 1 << 30);
    seed->setValue(QSettings().value(group + "seed", 1).toInt());
    form->addRow(tr("&Seed:"), seed);
    auto* note = new QLabel(tr("All %L1 codes, in the background: the window stays usable and Cancel stops it (on "
                               "2 cores 70,000 codes take about %2).")
                                .arg(cloud->count())
                                .arg(umap ? tr("15 s") : tr("a minute")),
                            &dialog);
    note->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto* layout = new QVBoxLayout(&dialog);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);
    keepGeometry(&dialog, umap ? "umap" : "tsne");
    if (dialog.exec() != QDialog::Accepted)
        return;
    QSettings().setValue(group + "seed", seed->value());
    if (umap) {
        QSettings().setValue(group + "neighbours", neighbours->value());
        QSettings().setValue(group + "minDist", minDist->value());
        computeUmap(neighbours->value(), minDist->value(), quint64(seed->value()));
    } else {
        QSettings().setValue(group + "perplexity", perplexity->value());
        compute(perplexity->value(), quint64(seed->value()));
    }
}

void NeighbourMapController::compute(double perplexity, quint64 seed)
{
    TsneOptions options;
    options.perplexity = perplexity;
    options.seed = seed;
    const CloudPtr cloud = state_->exactCloud();
    const long long count = cloud ? cloud->count() : 0;
    run(tr("t-SNE"), tr("t-SNE of %L1 codes (perplexity %2, seed %3)…").arg(count).arg(perplexity).arg(seed),
        [options](const LatentCloud& cloud, BackgroundJob::Context& job) {
            return tsne(cloud.codes.data(), cloud.count(), cloud.dim, options, [&job](double f) { job.progress(f); },
                        job.cancelFlag());
        });
}

void NeighbourMapController::computeUmap(int neighbours, double minDist, quint64 seed)
{
    UmapOptions options;
    options.neighbours = neighbours;
    options.minDist = minDist;
    options.seed = seed;
    const CloudPtr cloud = state_->exactCloud();
    const long long count = cloud ? cloud->count() : 0;
    run(tr("UMAP"),
        tr("UMAP of %L1 codes (%2 neighbours, min. distance %3, seed %4)…").arg(count).arg(neighbours).arg(minDist).arg(seed),
        [options](const LatentCloud& cloud, BackgroundJob::Context& job) {
            return umap(cloud.codes.data(), cloud.count(), cloud.dim, options, [&job](double f) { job.progress(f); },
                        job.cancelFlag());
        });
}

void NeighbourMapController::run(const QString& title, const QString& what, Layout layout)
{
    const CloudPtr cloud = state_->exactCloud();
    if (!cloud || cloud->count() < 4 || job_->isRunning())
        return;
    source_ = cloud;
    title_ = title;
    progress_ = new QProgressDialog(what, tr("Cancel"), 0, 1000, dialogParent_);
    progress_->setObjectName("neighbourMapProgress");
    progress_->setWindowTitle(title);
    progress_->setWindowModality(Qt::NonModal);
    progress_->setMinimumDuration(0);
    progress_->setAttribute(Qt::WA_DeleteOnClose);
    connect(progress_, &QProgressDialog::canceled, this, &NeighbourMapController::cancel);
    progress_->show();
    job_->start([this, cloud, layout, title](BackgroundJob::Context& job) {
        std::vector<float> xy = layout(*cloud, job);
        auto placed = std::make_shared<LatentCloud>(*cloud);
        placed->projection = LatentProjection::neighbours(cloud->codes, xy, cloud->dim, title.toStdString());
        placed->xy = std::move(xy);
        job.deliver([this, placed, cloud, title] {
            // Only if the codes are still these (training may have moved them meanwhile).
            showing_ = state_->showNeighbourhoodMap(placed, cloud);
            if (showing_)
                Q_EMIT status(tr("Map by %1: hovering decodes through the nearest embedded points").arg(title));
        });
    });
}

void NeighbourMapController::cancel()
{
    if (!job_->isRunning())
        return;
    job_->cancel();
    if (progress_)
        progress_->close();
    Q_EMIT status(tr("%1 cancelled: the map is as it was").arg(title_));
}

bool NeighbourMapController::isRunning() const
{
    return job_->isRunning();
}

void NeighbourMapController::showExactProjection()
{
    cancel();
    const bool was = showing_;
    showing_ = false;
    state_->showExactProjection();
    if (was)
        Q_EMIT status(tr("Map by the exact projection"));
}

} // namespace lx::ui
