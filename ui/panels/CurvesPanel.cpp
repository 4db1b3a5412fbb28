#include "panels/CurvesPanel.h"

#include "Palette.h"

#include "QCustomPlot.h"

#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace lx::ui {
namespace {

// The overfitting gap's shade: the validation curve's red, faint on a light ground and a
// little stronger on a dark one (at the same alpha it all but vanished there).
QColor gapColor(const QPalette& palette)
{
    return QColor(214, 39, 40, isDark(palette) ? 110 : 50);
}

// Ticks on a log axis at 1, 2 and 5 times the powers of ten: evenly spread on the axis, and
// a label for every part of a loss curve, also within one decade (QCPAxisTickerLog falls
// back to evenly spaced values there, which crowd at the top: 0.225, 0.2, 0.175 overlapping).
class OneTwoFiveTicker : public QCPAxisTicker {
protected:
    QVector<double> createTickVector(double, const QCPRange& range) override
    {
        QVector<double> ticks;
        if (range.lower <= 0 || range.upper <= range.lower)
            return ticks;
        for (int e = int(std::floor(std::log10(range.lower))); e <= int(std::ceil(std::log10(range.upper))); ++e)
            for (double m : {1.0, 2.0, 5.0}) {
                const double v = m * std::pow(10.0, e);
                if (v >= range.lower && v <= range.upper)
                    ticks << v;
            }
        if (ticks.size() < 2) // a narrow range: every multiple of the decade instead
            for (int e = int(std::floor(std::log10(range.lower))); e <= int(std::ceil(std::log10(range.upper))); ++e)
                for (int m = 1; m <= 9; ++m) {
                    const double v = m * std::pow(10.0, e);
                    if (v >= range.lower && v <= range.upper && !ticks.contains(v))
                        ticks << v;
                }
        std::sort(ticks.begin(), ticks.end());
        // As many labels as the axis has room for (tickCount, set from its height): the 2s and
        // 5s go first, then every other decade. Seven labels in 35 px were unreadable.
        if (ticks.size() > tickCount()) {
            QVector<double> decades;
            for (double v : ticks)
                if (std::abs(std::log10(v) - std::round(std::log10(v))) < 1e-9)
                    decades << v;
            if (decades.size() >= 2)
                ticks = decades;
            while (ticks.size() > std::max(2, tickCount())) {
                QVector<double> half;
                for (int i = 0; i < ticks.size(); i += 2)
                    half << ticks[i];
                ticks = half;
            }
        }
        return ticks;
    }
    int getSubTickCount(double) override { return 0; }
    QString getTickLabel(double tick, const QLocale& locale, QChar, int) override
    {
        return locale.toString(tick, 'g', 3);
    }
};

} // namespace

CurvesPanel::CurvesPanel(QWidget* parent) : QWidget(parent)
{
    plot_ = new QCustomPlot(this);
    plot_->setObjectName("curves");
    plot_->setMinimumHeight(72);
    plot_->xAxis->setLabel(tr("epoch"));
    auto epochTicks = QSharedPointer<QCPAxisTickerFixed>::create();
    epochTicks->setTickStep(1.0); // whole epochs, or multiples of them on long runs
    epochTicks->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot_->xAxis->setTicker(epochTicks);
    plot_->yAxis->setLabel(tr("loss"));
    plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->yAxis->setTicker(QSharedPointer<OneTwoFiveTicker>::create());
    // One label per two lines of text of the axis's height.
    connect(plot_, &QCustomPlot::beforeReplot, this, [this] {
        // A short plot (800×600: ~80 px) gives its x axis's title to the curves: the ticks are
        // whole epochs and the line above says "Epoch 5 of 20".
        const QString epochs = plot_->height() < 140 ? QString() : tr("epoch");
        if (plot_->xAxis->label() != epochs)
            plot_->xAxis->setLabel(epochs);
        const int room = plot_->axisRect()->height() / std::max(1, 2 * fontMetrics().height());
        plot_->yAxis->ticker()->setTickCount(std::max(2, room));
        // The legend in as many columns as it needs to fit the plot's height (a VAE's five
        // entries ran over the KL axis's title in a short panel).
        const int line = QFontMetrics(plot_->legend->font()).height();
        const int rows = std::max(1, (plot_->height() - 8) / std::max(1, line));
        const int wrap = plot_->legend->itemCount() > rows ? rows : 0;
        if (wrap != plot_->legend->wrap()) {
            plot_->legend->setWrap(wrap);
            plot_->legend->setFillOrder(QCPLayoutGrid::foRowsFirst, true); // re-arranged by the new wrap
        }
        placeLegend();
        describeCurves();
    });
    train_ = plot_->addGraph();
    train_->setName(tr("training (smoothed)"));
    train_->setPen(QPen(QColor(31, 119, 180), 1.5));
    validation_ = plot_->addGraph();
    validation_->setName(tr("validation"));
    validation_->setPen(QPen(QColor(214, 39, 40), 2));
    validation_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    // The gap: exactly the area between the two curves drawn, where validation is above
    // training (two invisible outlines, filled between).
    gapTop_ = plot_->addGraph();
    gapTop_->setPen(Qt::NoPen);
    gapTop_->removeFromLegend();
    gapTop_->setSelectable(QCP::stNone);
    gapBottom_ = plot_->addGraph();
    gapBottom_->setName(tr("overfitting gap"));
    gapBottom_->setPen(Qt::NoPen);
    gapBottom_->setBrush(gapColor(palette()));
    gapBottom_->setChannelFillGraph(gapTop_);
    gapBottom_->setSelectable(QCP::stNone);
    recon_ = plot_->addGraph();
    recon_->setName(tr("reconstruction"));
    recon_->setPen(QPen(QColor(44, 160, 44), 1.5, Qt::DashLine));
    kl_ = plot_->addGraph(plot_->xAxis, plot_->yAxis2);
    kl_->setName(tr("KL (right axis)"));
    kl_->setPen(QPen(QColor(148, 103, 189), 1.5));
    validationKl_ = plot_->addGraph(plot_->xAxis, plot_->yAxis2);
    validationKl_->setName(tr("KL, validation"));
    validationKl_->setPen(QPen(QColor(148, 103, 189), 2));
    validationKl_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, 5));
    plot_->yAxis2->setLabel(tr("KL (nats)"));
    setVae(false);
    plot_->xAxis->setRange(0, 1);
    plot_->yAxis->setRange(0.01, 1);
    plot_->yAxis2->setRange(0, 1); // KL is never negative
    plot_->yAxis2->ticker()->setTickCount(3); // a short axis: few labels, none on top of another
    plot_->legend->setVisible(true);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    plot_->legend->setFont(small);
    plot_->legend->setBorderPen(Qt::NoPen);
    plot_->legend->setBrush(Qt::NoBrush);
    plot_->legend->setRowSpacing(-2);
    // The legend beside the curves, not over them.
    legendColumn_ = new QCPLayoutGrid;
    plot_->plotLayout()->addElement(0, 1, legendColumn_);
    plot_->plotLayout()->setColumnStretchFactor(1, 0.001);
    plot_->axisRect()->insetLayout()->take(plot_->legend);
    legendColumn_->addElement(0, 0, plot_->legend);
    legendColumn_->addElement(1, 0, new QCPLayoutElement(plot_));
    legendColumn_->setRowStretchFactor(0, 0.001);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    // A view the user zoomed or dragged to stays while training adds to the curves; a
    // double-click fits the curves again and follows them from then on.
    connect(plot_, &QCustomPlot::mouseWheel, this, [this] { userView_ = true; });
    connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        if (e->buttons() & Qt::LeftButton)
            userView_ = true;
    });
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this] {
        userView_ = false;
        rescale();
    });
    applyPalette(plot_, palette());

    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setTextVisible(false);
    progress_->setMaximumHeight(fontMetrics().height() / 2 + 2);
    status_ = new QLabel(tr("Not training"), this);
    // The words wrap in a narrow panel rather than widen it past its dock (a scroll bar).
    status_->setWordWrap(true);
    status_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    quality_ = new QLabel(this);
    quality_->setObjectName("quality");
    quality_->setWordWrap(true);
    quality_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    quality_->setToolTip(tr("Measured after each epoch on the validation images. Reconstruction: the mean error per "
                            "pixel of decode(encode(image)). 5-NN: how often the labels of an image's five nearest "
                            "training codes vote for its own label, i.e. how well the map keeps the classes apart "
                            "(chance: about 0.1). In brackets: its change since the epoch before."));
    quality_->hide();
    // The line and the bar above the plot: in a short panel (800×600) the plot gives up height,
    // never the epoch and the time left.
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->setSpacing(3);
    layout->addWidget(status_);
    layout->addWidget(quality_);
    layout->addWidget(progress_);
    layout->addWidget(plot_, 1);
}

void CurvesPanel::setVae(bool vae, double beta, int pixels)
{
    vae_ = vae;
    beta_ = beta;
    pixels_ = std::max(1, pixels);
    for (QCPGraph* g : {recon_, kl_, validationKl_}) {
        g->setVisible(vae);
        if (vae)
            g->addToLegend();
        else
            g->removeFromLegend();
    }
    plot_->yAxis2->setVisible(vae);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

namespace {

// Where an epoch's validation point stands: at the epoch's end, a stop's partial epoch half way
// through it (live and reopened alike).
double validationX(const EpochRecord& e)
{
    return e.epoch - (e.partial ? 0.5 : 0.0);
}

} // namespace

void CurvesPanel::reset(const std::vector<EpochRecord>& history, int plannedEpochs)
{
    for (QCPGraph* g : {train_, validation_, gapTop_, gapBottom_, recon_, kl_, validationKl_})
        g->data()->clear();
    smoothed_ = smoothedRecon_ = smoothedKl_ = -1;
    userView_ = false; // another model's curves: fitted afresh
    // Nothing of a previous model's run stays: the bar, the line, the axis.
    progress_->setValue(0);
    const int epochs = wholeEpochs(history);
    // A stop part-way through an epoch leaves it partial: said, as its validation point shows it.
    const bool partial = !history.empty() && history.back().partial;
    const QString whole = epochs == 1 ? tr("1 epoch") : tr("%1 epochs").arg(epochs);
    // A plan not yet done says how far it went: Train goes on to its end.
    const QString ofPlan = plannedEpochs > epochs ? tr(" · Train goes on to epoch %1").arg(plannedEpochs) : QString();
    status_->setText(partial ? (epochs == 0 ? tr("Part of an epoch trained%1").arg(ofPlan)
                                            : tr("%1 and part of one more trained%2").arg(whole, ofPlan))
                     : epochs == 0 ? tr("Not trained yet")
                                   : tr("%1 trained%2").arg(whole, ofPlan));
    // The curve as it was drawn: each epoch's run-of-steps means, smoothed as the live curve
    // is; a partial epoch (a stop) too, at its place in the epoch.
    auto smooth = [](double& average, double value) { average = average < 0 ? value : 0.9 * average + 0.1 * value; };
    for (const EpochRecord& e : history) {
        validation_->addData(validationX(e), e.valLoss);
        validationKl_->addData(validationX(e), e.valKl);
        if (e.stepLoss.empty()) { // a file from before the steps were kept: the epoch's mean
            if (e.partial)
                continue;
            train_->addData(e.epoch, e.trainLoss);
            recon_->addData(e.epoch, e.trainRecon);
            kl_->addData(e.epoch, e.trainKl);
            continue;
        }
        const double n = e.partial ? double(EpochRecord::kStepBuckets) : double(e.stepLoss.size());
        for (size_t i = 0; i < e.stepLoss.size(); ++i) {
            const double x = e.epoch - 1 + (double(i) + 0.5) / n;
            smooth(smoothed_, e.stepLoss[i]);
            train_->addData(x, smoothed_);
            if (i < e.stepRecon.size() && i < e.stepKl.size()) {
                smooth(smoothedRecon_, e.stepRecon[i]);
                smooth(smoothedKl_, e.stepKl[i]);
                recon_->addData(x, smoothedRecon_);
                kl_->addData(x, smoothedKl_);
            }
        }
    }
    // How much of the plan is done (a full bar once it is, or when the plan is not known).
    setProgress(epochs == 0 ? 0.0 : plannedEpochs <= 0 ? 1.0 : double(epochs) / plannedEpochs);
    // The change since the last whole epoch before the last record (a stop's partial record of
    // the same epoch, kept in the history before the epoch resumed and finished, is not one);
    // the next epoch compares with the last record if whole (showQuality keeps it), else with it.
    const EpochRecord* before = nullptr;
    for (size_t i = history.size(); i-- > 1 && !before;)
        if (!history[i - 1].partial && history[i - 1].epoch < history.back().epoch)
            before = &history[i - 1];
    lastWhole_.reset();
    if (before)
        lastWhole_ = *before;
    showQuality(history.empty() ? nullptr : &history.back(), before);
    rescale();
}

void CurvesPanel::updateGap()
{
    gapTop_->data()->clear();
    gapBottom_->data()->clear();
    const auto val = validation_->data();
    const auto train = train_->data();
    bool any = false;
    if (val->size() >= 2 && !train->isEmpty()) {
        // Both curves as drawn: straight lines between their points on a logarithmic axis,
        // so values between points are interpolated in log space.
        auto at = [](const QSharedPointer<QCPGraphDataContainer>& curve, double x) {
            auto hi = curve->findBegin(x, false);
            if (hi == curve->constEnd())
                return std::log((curve->constEnd() - 1)->value);
            if (hi == curve->constBegin() || hi->key <= x)
                return std::log(hi->value);
            const auto lo = hi - 1;
            const double f = (x - lo->key) / (hi->key - lo->key);
            return std::log(lo->value) + f * (std::log(hi->value) - std::log(lo->value));
        };
        const double from = std::max(val->constBegin()->key, train->constBegin()->key);
        const double to = std::min((val->constEnd() - 1)->key, (train->constEnd() - 1)->key);
        std::vector<double> xs;
        for (const auto* curve : {val.data(), train.data()})
            for (auto it = curve->constBegin(); it != curve->constEnd(); ++it)
                if (it->key >= from && it->key <= to)
                    xs.push_back(it->key);
        std::sort(xs.begin(), xs.end());
        xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
        QVector<double> keys, top, bottom;
        auto add = [&](double x, double lv, double lt) {
            keys << x;
            bottom << std::exp(lt);
            top << std::exp(std::max(lv, lt));
            any = any || lv > lt;
        };
        for (size_t i = 0; i < xs.size(); ++i) {
            const double lv = at(val, xs[i]), lt = at(train, xs[i]);
            if (i > 0) { // where the curves cross between two points, a point on the crossing
                const double pv = at(val, xs[i - 1]), pt = at(train, xs[i - 1]);
                if ((pv - pt) * (lv - lt) < 0) {
                    const double f = (pv - pt) / ((pv - pt) - (lv - lt));
                    const double x = xs[i - 1] + f * (xs[i] - xs[i - 1]);
                    add(x, at(val, x), at(train, x));
                }
            }
            add(xs[i], lv, lt);
        }
        gapTop_->setData(keys, top, true);
        gapBottom_->setData(keys, bottom, true);
    }
    // Only said where there is a gap to say it of.
    if (any)
        gapBottom_->addToLegend();
    else
        gapBottom_->removeFromLegend();
}

void CurvesPanel::rescale()
{
    updateGap();
    if (userView_) {
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    if (train_->data()->isEmpty() && validation_->data()->isEmpty()) {
        // A new model's empty chart: the plain axes it started with, or the kept curves'
        // (the previous model's axes stayed until the first step).
        if (std::all_of(kept_.begin(), kept_.end(), [](const QCPGraph* g) { return g->data()->isEmpty(); })) {
            plot_->xAxis->setRange(0, 1);
            plot_->yAxis->setRange(0.01, 1);
            plot_->yAxis2->setRange(0, 1);
            plot_->replot(QCustomPlot::rpQueuedReplot);
            return;
        }
    }
    plot_->rescaleAxes(); // every curve, the kept ones too
    // Epochs start at 0; one point alone gets a whole epoch around it, not −1 … 1; and a
    // little room at each end, so that no marker is cut by the plot's edge.
    const QCPRange x = plot_->xAxis->range();
    const double lower = std::max(0.0, x.size() < 1 ? x.center() - 1 : x.lower), upper = std::max(x.upper, 1.0);
    plot_->xAxis->setRange(std::max(0.0, lower - 0.02 * (upper - lower)), upper + 0.03 * (upper - lower));
    const QCPRange y = plot_->yAxis->range();
    if (y.lower > 0)
        plot_->yAxis->setRange(y.lower / 1.15, y.upper * 1.15);
    const QCPRange kl = plot_->yAxis2->range();
    plot_->yAxis2->setRange(std::max(0.0, kl.lower - 0.08 * kl.size()), kl.upper + 0.08 * kl.size() + 1e-9);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void CurvesPanel::keepForComparison(const QString& label)
{
    if (validation_->dataCount() == 0)
        return;
    static const QColor kColors[] = {QColor(127, 127, 127), QColor(188, 189, 34), QColor(23, 190, 207),
                                     QColor(140, 86, 75), QColor(227, 119, 194)};
    QCPGraph* g = plot_->addGraph();
    g->setName(tr("validation: %1").arg(label));
    g->setPen(QPen(kColors[kept_.size() % std::size(kColors)], 1.5, Qt::DashDotLine));
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
    g->data()->set(*validation_->data());
    kept_.push_back(g);
    rescale();
}

void CurvesPanel::clearComparisons()
{
    for (QCPGraph* g : kept_)
        plot_->removeGraph(g);
    kept_.clear();
    rescale();
}

void CurvesPanel::addStep(const TrainingProgress& p)
{
    const StepReport& s = p.step;
    // An exponential moving average: per-step losses are noisy at batch 128.
    auto smooth = [](double& average, double value) { average = average < 0 ? value : 0.9 * average + 0.1 * value; };
    const double x = (s.epoch - 1) + double(s.step) / double(std::max<int64_t>(1, s.stepsPerEpoch));
    // Training resumed over an epoch a stop had cut short: that epoch starts again, so its old
    // tail (and the partial epoch's validation point) goes, and the curve never runs backwards.
    if (!train_->data()->isEmpty() && x < (train_->data()->constEnd() - 1)->key) {
        for (QCPGraph* g : {train_, recon_, kl_})
            g->data()->removeAfter(x - 1e-9);
        for (QCPGraph* g : {validation_, validationKl_})
            g->data()->removeAfter(std::floor(x) + 1e-9);
    }
    smooth(smoothed_, s.loss);
    train_->addData(x, smoothed_);
    if (vae_) {
        smooth(smoothedRecon_, s.recon);
        smooth(smoothedKl_, s.kl);
        recon_->addData(x, smoothedRecon_);
        kl_->addData(x, smoothedKl_);
    }
    progress_->setValue(int(1000 * p.fractionDone));
    QString left;
    if (p.secondsLeft >= 0) {
        const int secs = int(p.secondsLeft + 0.5);
        left = tr(" · %1:%2 left").arg(secs / 60).arg(secs % 60, 2, 10, QChar('0'));
    }
    // Per pixel, the units the loss is in: reconstruction + β·KL/pixels = loss. The KL itself
    // (nats per image, what the right axis shows) in brackets.
    const QString terms = vae_ ? tr(" = reconstruction %1 + β·KL/pixel %2 (KL %3 nats per image)")
                                     .arg(s.recon, 0, 'f', 4)
                                     .arg(beta_ * s.kl / pixels_, 0, 'f', 4)
                                     .arg(s.kl, 0, 'f', 2)
                               : QString();
    // The decoder's finish: the map holds still on purpose, so say why (short: the line must
    // fit one line of a narrow panel; the tooltip says the rest).
    const QString finish = s.decoderOnly ? tr(" · decoder only") : QString();
    status_->setToolTip(s.decoderOnly ? tr("The last part of each run trains the decoder alone on the clean images' "
                                           "codes: the encoder, and so the map, hold still.")
                                      : QString());
    status_->setText(tr("Epoch %1 of %2 · loss %3%4 · %L5 images/s%6%7")
                         .arg(s.epoch)
                         .arg(p.lastEpoch)
                         .arg(s.loss, 0, 'f', 4)
                         .arg(terms)
                         .arg(qRound(s.imagesPerSecond))
                         .arg(left)
                         .arg(finish));
    rescale();
}

void CurvesPanel::showQuality(const EpochRecord* e, const EpochRecord* before)
{
    if (!e) {
        lastWhole_.reset();
        quality_->clear();
        quality_->hide();
        return;
    }
    // A stop part-way through an epoch still measures the validation images: said so.
    QString text = (e->partial ? tr("Part of epoch %1 on validation: reconstruction %2")
                               : tr("Epoch %1 on validation: reconstruction %2"))
                       .arg(e->epoch)
                       .arg(e->valRecon, 0, 'f', 4);
    if (e->valKnn >= 0) {
        text += tr(" · 5-NN %1").arg(e->valKnn, 0, 'f', 3);
        if (before && before->valKnn >= 0 && before->epoch < e->epoch)
            text += QStringLiteral(" (%1%2)").arg(e->valKnn >= before->valKnn ? "+" : "−").arg(std::abs(e->valKnn - before->valKnn), 0, 'f', 3);
    }
    if (!e->partial)
        lastWhole_ = *e;
    quality_->setText(text);
    quality_->show();
}

QString CurvesPanel::qualityText() const
{
    return quality_->text();
}

void CurvesPanel::addEpoch(const EpochRecord& e)
{
    // Against the last whole epoch shown: after a stop part-way through epoch N and Train,
    // epoch N's own record compares with N − 1, not with its partial self.
    const std::optional<EpochRecord> before = lastWhole_;
    showQuality(&e, before ? &*before : nullptr);
    const double x = validationX(e);
    validation_->addData(x, e.valLoss);
    if (vae_)
        validationKl_->addData(x, e.valKl);
    rescale();
}

QString CurvesPanel::statusText() const
{
    return status_->text();
}

void CurvesPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) { // another theme: the plot follows
        applyPalette(plot_, palette());
        gapBottom_->setBrush(gapColor(palette()));
        plot_->replot(QCustomPlot::rpQueuedReplot);
    }
}

void CurvesPanel::setIdle(const QString& text)
{
    status_->setText(text);
}

void CurvesPanel::setProgress(double fraction)
{
    progress_->setValue(int(std::lround(1000 * std::clamp(fraction, 0.0, 1.0))));
}

void CurvesPanel::showPreparing(const QString& text, double fraction)
{
    status_->setText(text);
    setProgress(fraction);
}

int CurvesPanel::trainPointCount() const
{
    return train_->dataCount();
}

int CurvesPanel::validationPointCount() const
{
    return validation_->dataCount();
}

int CurvesPanel::reconstructionPointCount() const
{
    return recon_->dataCount();
}

int CurvesPanel::klPointCount() const
{
    return kl_->dataCount() + validationKl_->dataCount();
}

std::vector<QPointF> CurvesPanel::gapOutline(bool top) const
{
    std::vector<QPointF> points;
    for (auto it = (top ? gapTop_ : gapBottom_)->data()->constBegin(); it != (top ? gapTop_ : gapBottom_)->data()->constEnd(); ++it)
        points.emplace_back(it->key, it->value);
    return points;
}

void CurvesPanel::placeLegend()
{
    QCPLegend* legend = plot_->legend;
    // Beside the curves while they keep at least 200 px and 40 % of the plot's width, after the
    // legend (in the columns its wrap gives it) and the axes' labels (a VAE's two axes take
    // more): at 470 px an autoencoder's three entries fit, a VAE's five left the curves 162 px.
    const QMargins axes = plot_->axisRect()->margins();
    const int curves = plot_->width() - legend->minimumOuterSizeHint().width() - axes.left() - axes.right();
    const bool beside = curves >= std::max(200, int(0.4 * plot_->width()));
    if (beside == legendShown())
        return;
    if (beside) {
        plot_->axisRect()->insetLayout()->take(legend);
        legendColumn_->addElement(0, 0, legend);
    } else {
        legendColumn_->take(legend);
        plot_->axisRect()->insetLayout()->addElement(legend, Qt::AlignRight | Qt::AlignTop);
    }
    legend->setVisible(beside);
}

bool CurvesPanel::legendShown() const
{
    return plot_->legend->visible() && plot_->legend->layout() == legendColumn_;
}

void CurvesPanel::describeCurves()
{
    // The legend in words, for a panel too narrow to show it (and as a reminder beside it).
    QStringList lines{tr("Blue: the training loss, smoothed over the steps"),
                      tr("Red dots: the validation loss after each epoch")};
    if (saysGap())
        lines << tr("Red shading: validation above training (overfitting when it grows)");
    if (vae_)
        lines << tr("Green dashes: the reconstruction term") << tr("Purple: the KL term (right axis; squares: validation)");
    for (QCPGraph* g : kept_)
        lines << tr("Dash-dotted: %1 (kept for comparison)").arg(g->name());
    lines << tr("Wheel to zoom, drag to move; double-click to fit the curves again");
    plot_->setToolTip(lines.join('\n'));
}

bool CurvesPanel::saysGap() const
{
    return plot_->legend->hasItemWithPlottable(gapBottom_);
}

} // namespace lx::ui
