#include "controllers/DrawingController.h"

#include "Palette.h"
#include "controllers/MapShapes.h"
#include "latent/Sampling.h"
#include "map/LatentMapView.h"
#include "panels/DrawPanel.h"
#include "panels/DrawingCanvas.h"
#include "session/ExplorerState.h"

namespace lx::ui {

DrawingController::DrawingController(ExplorerState* state, LatentMapView* map, DrawPanel* panel, QObject* parent)
    : QObject(parent), state_(state), map_(map), panel_(panel)
{
    connect(panel_, &DrawPanel::drawingChanged, this, &DrawingController::update);
    connect(state_, &ExplorerState::cloudChanged, this, &DrawingController::update);
    connect(state_, &ExplorerState::modelChanged, this, &DrawingController::update);
}

void DrawingController::update()
{
    const ExplorerState::Current now = state_->current();
    if (panel_->canvas()->isEmpty() || !now || !now.dataset || now.model->imageRows() != 28
        || now.model->imageCols() != 28) {
        map_->setMark(LatentMapView::Mark::Drawing, std::nullopt);
        map_->setOutline("drawingSigma", {}, QPen());
        panel_->showResult(QImage(), QImage(), {}, tr("reconstruction"));
        return;
    }
    const std::vector<uint8_t> pixels = panel_->preprocessed();
    std::vector<float> logVar;
    const std::vector<float> z = now.model->encode(pixels.data(), &logVar);
    if (z.empty()) // the model failed (the status line says how)
        return;
    const LatentCloud& cloud = *now.cloud;
    map_->setMark(LatentMapView::Mark::Drawing, projected(cloud.projection, z));
    map_->setOutline("drawingSigma", sigmaEllipse(cloud.projection, z, logVar), QPen(ink(map_), 1.5, Qt::DashLine));

    // The nearest training images in latent space (one scan of the training codes: a few
    // thousand distances, well under a millisecond).
    const std::vector<double> query(z.begin(), z.end());
    std::vector<QImage> images;
    for (const auto& [d2, i] : kNearest(cloud.codes.data(), cloud.trainCount, cloud.dim, query.data(), 5))
        images.push_back(state_->datasetImage(i));
    panel_->showResult(greyImage(pixels.data(), 28, 28), now.model->decode(z), images, codeText(z));
}

} // namespace lx::ui
