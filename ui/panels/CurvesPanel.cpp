#include "panels/CurvesPanel.h"

#include "QCustomPlot.h"

#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>

namespace lx::ui {

CurvesPanel::CurvesPanel(QWidget* parent) : QWidget(parent)
{
    plot_ = new QCustomPlot(this);
    plot_->setObjectName("curves");
    plot_->setMinimumHeight(160);
    plot_->xAxis->setLabel(tr("epoch"));
    auto epochTicks = QSharedPointer<QCPAxisTickerFixed>::create();
    epochTicks->setTickStep(1.0); // whole epochs, or multiples of them on long runs
    epochTicks->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot_->xAxis->setTicker(epochTicks);
    plot_->yAxis->setLabel(tr("loss"));
    plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    train_ = plot_->addGraph();
    train_->setName(tr("training (smoothed)"));
    train_->setPen(QPen(QColor(31, 119, 180), 1.5));
    validation_ = plot_->addGraph();
    validation_->setName(tr("validation"));
    validation_->setPen(QPen(QColor(214, 39, 40), 2));
    validation_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    trainEpoch_ = plot_->addGraph();
    trainEpoch_->setName(tr("gap"));
    trainEpoch_->setPen(QPen(QColor(214, 39, 40, 60), 1, Qt::DotLine));
    trainEpoch_->setBrush(QColor(214, 39, 40, 40));
    trainEpoch_->setChannelFillGraph(validation_);
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
    plot_->legend->setVisible(true);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    plot_->legend->setFont(small);
    plot_->legend->setBorderPen(Qt::NoPen);
    plot_->legend->setBrush(Qt::NoBrush);
    plot_->legend->setRowSpacing(-2);
    // The legend beside the curves, not over them.
    auto* side = new QCPLayoutGrid;
    plot_->plotLayout()->addElement(0, 1, side);
    plot_->plotLayout()->setColumnStretchFactor(1, 0.001);
    plot_->axisRect()->insetLayout()->take(plot_->legend);
    side->addElement(0, 0, plot_->legend);
    side->addElement(1, 0, new QCPLayoutElement(plot_));
    side->setRowStretchFactor(0, 0.001);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);

    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setTextVisible(false);
    status_ = new QLabel(tr("Not training"), this);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(plot_, 1);
    layout->addWidget(progress_);
    layout->addWidget(status_);
}

void CurvesPanel::setVae(bool vae)
{
    vae_ = vae;
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

void CurvesPanel::reset(const std::vector<EpochRecord>& history)
{
    for (QCPGraph* g : {train_, validation_, trainEpoch_, recon_, kl_, validationKl_})
        g->data()->clear();
    smoothed_ = smoothedRecon_ = smoothedKl_ = -1;
    for (const EpochRecord& e : history) {
        if (e.partial)
            continue;
        train_->addData(e.epoch, e.trainLoss);
        validation_->addData(e.epoch, e.valLoss);
        trainEpoch_->addData(e.epoch, e.trainLoss);
        recon_->addData(e.epoch, e.trainRecon);
        kl_->addData(e.epoch, e.trainKl);
        validationKl_->addData(e.epoch, e.valKl);
    }
    rescale();
}

void CurvesPanel::rescale()
{
    plot_->rescaleAxes(); // every curve, the kept ones too
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
    smooth(smoothed_, s.loss);
    const double x = (s.epoch - 1) + double(s.step) / double(std::max<int64_t>(1, s.stepsPerEpoch));
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
    const QString terms = vae_ ? tr(" (reconstruction %1 + KL %2 nats)").arg(s.recon, 0, 'f', 4).arg(s.kl, 0, 'f', 2)
                               : QString();
    status_->setText(tr("Epoch %1 of %2 · loss %3%4 · %L5 images/s%6")
                         .arg(s.epoch)
                         .arg(p.lastEpoch)
                         .arg(s.loss, 0, 'f', 4)
                         .arg(terms)
                         .arg(qRound(s.imagesPerSecond))
                         .arg(left));
    rescale();
}

void CurvesPanel::addEpoch(const EpochRecord& e)
{
    const double x = e.epoch - (e.partial ? 0.5 : 0.0);
    validation_->addData(x, e.valLoss);
    trainEpoch_->addData(x, e.trainLoss);
    if (vae_)
        validationKl_->addData(x, e.valKl);
    rescale();
}

void CurvesPanel::setIdle(const QString& text)
{
    status_->setText(text);
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

} // namespace lx::ui
