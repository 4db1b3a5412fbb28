// torch-free: samples are decoded through the snapshot.
#include "controllers/SamplesController.h"

#include "controllers/MapShapes.h"
#include "latent/Sampling.h"
#include "map/LatentMapView.h"
#include "panels/SamplesPanel.h"
#include "session/BackgroundJob.h"
#include "session/ExplorerState.h"

#include "common/Error.h"
#include "data/Dataset.h"

#include <QFileDialog>
#include <QFileInfo>

#include <algorithm>

namespace lx::ui {

SamplesController::SamplesController(ExplorerState* state, LatentMapView* map, SamplesPanel* panel,
                                     QWidget* dialogParent, QObject* parent)
    : QObject(parent), state_(state), map_(map), panel_(panel), dialogParent_(dialogParent),
      comparison_(new BackgroundJob(QStringLiteral("compare"), this))
{
    connect(panel_, &SamplesPanel::newSamplesRequested, this, [this] {
        ++seed_;
        resample();
    });
    connect(panel_, &SamplesPanel::sourceChanged, this, &SamplesController::resample);
    connect(panel_, &SamplesPanel::compareRequested, this, [this] {
        const QString path = QFileDialog::getOpenFileName(dialogParent_, tr("Compare Samples With"), QString(),
                                                          tr("Models (*.ckpt *.pt *.pth);;All files (*)"));
        if (!path.isEmpty())
            if (const QString error = compareWith(path); !error.isEmpty())
                Q_EMIT status(error);
    });
    connect(state_, &ExplorerState::modelChanged, this, [this] {
        // A VAE is trained to fill its prior; a plain AE has no prior, only the data's box.
        points_.clear();
        map_->setSampleMarks({});
        if (const ModelSnapshotPtr model = state_->model()) {
            const QSignalBlocker block(panel_);
            panel_->setSource(model->isVae() ? SamplesPanel::Source::Prior : SamplesPanel::Source::DataBox);
        }
        panel_->showSamples({}, {}, QString());
        update();
    });
    connect(state_, &ExplorerState::weightsChanged, this, &SamplesController::update);
    connect(state_, &ExplorerState::cloudChanged, this, &SamplesController::update);
    connect(comparison_, &BackgroundJob::failed, this, [this](const QString& message) { Q_EMIT status(message); });
}

SamplesController::~SamplesController() = default;

void SamplesController::setShown(bool shown)
{
    shown_ = shown;
    if (shown)
        update();
    else
        map_->setSampleMarks({});
}

void SamplesController::resample()
{
    const ExplorerState::Current now = state_->current();
    if (!now || now.cloud->trainCount == 0)
        return;
    const int d = now.cloud->dim;
    points_ = panel_->source() == SamplesPanel::Source::Prior
                  ? samplePrior(SamplesPanel::kCount, d, seed_)
                  : sampleBox(now.cloud->codes.data(), now.cloud->trainCount, d, SamplesPanel::kCount, seed_);
    update();
}

void SamplesController::update()
{
    if (!shown_)
        return;
    const ExplorerState::Current now = state_->current();
    if (!now || now.cloud->trainCount == 0) {
        map_->setSampleMarks({}); // no map (a new one is computed): no marks from the old one
        return;
    }
    const LatentCloud& cloud = *now.cloud;
    const int d = cloud.dim;
    if (measuredGeneration_ != state_->cloudGeneration()) {
        // Off the data: farther from every code the decoder was trained on than 99 % of
        // held-out images' codes are. Measured once per cloud (a few milliseconds).
        offData_ = offDataTest(cloud.codes, cloud.logVar, cloud.trainCount, d, 0.99, 1, 20000, 200);
        measuredGeneration_ = state_->cloudGeneration();
        // The data's box moves with the codes (a new map every second while training, from an
        // untrained model's tiny box at first): the same draws, placed in the box of now.
        if (panel_->source() == SamplesPanel::Source::DataBox)
            return resample(); // and back here, with this cloud measured
    }
    if (points_.empty() || points_.size() != size_t(SamplesPanel::kCount * d))
        return resample();
    std::vector<QImage> images = now.model->decodeMany(points_);
    if (std::any_of(images.begin(), images.end(), [](const QImage& image) { return image.isNull(); })) {
        // A model that failed (an imported one set aside): no tiles and no marks, rather than
        // sixteen empty frames in red that read as "off the data".
        panel_->showSamples({}, {}, tr("The model gave no images for these points (the status bar says why)."));
        map_->setSampleMarks({});
        return;
    }
    const std::vector<bool> far = offData_(points_);
    std::vector<QPointF> marks;
    for (size_t i = 0; i < far.size(); ++i)
        marks.push_back(projected(cloud.projection, std::vector<float>(points_.begin() + long(i) * d,
                                                                        points_.begin() + long(i + 1) * d)));
    const auto farCount = std::count(far.begin(), far.end(), true);
    panel_->showSamples(std::move(images), far,
                        (offData_.posterior
                             ? tr("%1 of %2 points (red) land off the data: farther from every draw from a training "
                                  "image's posterior than 99% of held-out images' draws are.")
                             : tr("%1 of %2 points (red) land off the data: farther from every training image's code "
                                  "than 99% of held-out images' codes are."))
                            .arg(farCount)
                            .arg(far.size()));
    map_->setSampleMarks(marks);
}

QString SamplesController::compareWith(const QString& path)
{
    const DatasetPtr data = state_->dataset();
    if (!data || data->train.count == 0)
        return tr("open a dataset first");
    if (comparison_->isRunning())
        return tr("a comparison is already being prepared");
    const uint64_t seed = seed_;
    const QString name = QFileInfo(path).fileName();
    comparison_->start([this, path, data, seed, name](BackgroundJob::Context& job) {
        try {
            const ModelSnapshotPtr other = loadSnapshot(path);
            if (other->imageRows() != data->train.rows || other->imageCols() != data->train.cols)
                throw std::runtime_error("the model takes other image sizes than this dataset's");
            const int d = other->latentDim();
            // Its codes (and a VAE's log σ²) of the training images, then of the held-out ones.
            std::vector<float> codes, logVar, heldOutLogVar;
            codes = other->encodeMany(data->train.pixels.data(), data->train.count, job.cancelFlag(), &logVar);
            const std::vector<float> heldOut = other->encodeMany(data->validation.pixels.data(), data->validation.count,
                                                                 job.cancelFlag(), &heldOutLogVar);
            codes.insert(codes.end(), heldOut.begin(), heldOut.end());
            logVar.insert(logVar.end(), heldOutLogVar.begin(), heldOutLogVar.end());
            const std::vector<float> points =
                other->isVae() ? samplePrior(SamplesPanel::kCount, d, seed)
                               : sampleBox(codes.data(), data->train.count, d, SamplesPanel::kCount, seed);
            const std::vector<bool> far = offDataTest(codes, logVar, data->train.count, d, 0.99, 1, 20000, 200)(points);
            const std::vector<QImage> images = other->decodeMany(points);
            const QString title =
                tr("%1\n(%2)").arg(other->description(), other->isVae() ? tr("prior") : tr("box of its codes"));
            job.deliver([this, title, images, far] { panel_->showComparison(title, images, far); });
        } catch (const Cancelled&) {
            throw;
        } catch (const std::exception& e) {
            throw std::runtime_error(tr("Cannot compare with %1: %2").arg(name, QString::fromStdString(e.what()))
                                         .toStdString());
        }
    });
    return {};
}

bool SamplesController::isComparing() const
{
    return comparison_->isRunning();
}

void SamplesController::cancelComparison()
{
    comparison_->cancel();
}

} // namespace lx::ui
