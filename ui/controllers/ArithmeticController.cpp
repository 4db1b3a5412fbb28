#include "controllers/ArithmeticController.h"

#include "controllers/MapShapes.h"
#include "latent/Arithmetic.h"
#include "map/LatentMapView.h"
#include "panels/ArithmeticPanel.h"
#include "session/ExplorerState.h"

namespace lx::ui {
namespace {

const QColor kLineColor(20, 20, 20); // black, like every mark: no class's colour

} // namespace

ArithmeticController::ArithmeticController(ExplorerState* state, LatentMapView* map, ArithmeticPanel* panel,
                                           QObject* parent)
    : QObject(parent), state_(state), map_(map), panel_(panel)
{
    connect(panel_, &ArithmeticPanel::changed, this, [this] {
        state_->setArithmetic({panel_->fromClass(), panel_->toClass(), panel_->strength()});
    });
    for (auto signal : {&ExplorerState::arithmeticChanged, &ExplorerState::interpolationChanged,
                        &ExplorerState::weightsChanged, &ExplorerState::cloudChanged, &ExplorerState::modelChanged,
                        &ExplorerState::datasetChanged})
        connect(state_, signal, this, &ArithmeticController::update);
    update();
}

void ArithmeticController::setShown(bool shown)
{
    shown_ = shown;
    update();
}

void ArithmeticController::clear(const QString& hint)
{
    map_->setOutline("arithmetic", {}, QPen());
    map_->setMark(LatentMapView::Mark::Arithmetic, std::nullopt);
    panel_->showStart(QImage());
    panel_->showResult(QImage(), {}, hint);
}

void ArithmeticController::update()
{
    const std::vector<QString>& names = state_->classNames();
    panel_->setClassNames(names);
    const ExplorerState::Arithmetic& choice = state_->arithmetic();
    panel_->setChoices(choice.from, choice.to, choice.strength);
    if (!shown_) // only drawn on the map while its panel is in view
        return clear(QString());
    const ExplorerState::Current now = state_->current();
    if (!now || now.cloud->labels.empty())
        return clear(tr("Latent arithmetic needs a model and a labelled dataset."));
    const LatentCloud& cloud = *now.cloud;
    const std::vector<float>& start = state_->interpolation().a;
    if (start.size() != size_t(cloud.dim))
        return clear(tr("Right-click a point on the map to start from it (it is also A in Interpolate)."));
    if (meansGeneration_ != state_->cloudGeneration()) {
        means_ = lx::classMeans(cloud.codes.data(), cloud.labels.data(), cloud.trainCount, cloud.dim, int(names.size()));
        meansGeneration_ = state_->cloudGeneration();
    }
    const int from = choice.from, to = choice.to;
    if (from < 0 || to < 0 || size_t(from) >= means_.size() || size_t(to) >= means_.size() || means_[size_t(from)].empty()
        || means_[size_t(to)].empty())
        return clear(tr("Choose two classes that have training images."));
    const std::vector<float>& a = means_[size_t(from)];
    const std::vector<float>& b = means_[size_t(to)];
    std::vector<float> stripCodes;
    for (int i = 0; i < ArithmeticPanel::kStripLength; ++i) {
        const std::vector<float> z = moveAlong(start, a, b, ArithmeticPanel::stripStrength(i));
        stripCodes.insert(stripCodes.end(), z.begin(), z.end());
    }
    const std::vector<float> here = moveAlong(start, a, b, choice.strength);
    panel_->showStart(now.model->decode(start));
    panel_->showResult(now.model->decode(here), now.model->decodeMany(stripCodes),
                       tr("start + %1 × (mean of %2 − mean of %3)")
                           .arg(choice.strength, 0, 'f', 2)
                           .arg(names[size_t(to)], names[size_t(from)]));
    // On the map: the line from the start through strength 1 to the current point.
    std::vector<QPointF> line;
    for (double t : {0.0, 1.0, choice.strength})
        line.push_back(projected(cloud.projection, moveAlong(start, a, b, t)));
    map_->setOutline("arithmetic", line, QPen(kLineColor, 2, Qt::DashDotLine));
    map_->setMark(LatentMapView::Mark::Arithmetic, line.back());
}

} // namespace lx::ui
