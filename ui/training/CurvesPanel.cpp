#include "training/CurvesPanel.h"

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
    plot_->legend->setVisible(true);
    plot_->legend->setFont(font());
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
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

void CurvesPanel::reset(const std::vector<EpochInfo>& history)
{
    train_->data()->clear();
    validation_->data()->clear();
    smoothed_ = -1;
    for (const EpochInfo& e : history) {
        if (e.partial)
            continue;
        train_->addData(e.epoch, e.trainLoss);
        validation_->addData(e.epoch, e.valLoss);
    }
    plot_->rescaleAxes();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void CurvesPanel::addStep(const StepInfo& s)
{
    // An exponential moving average: per-step losses are noisy at batch 128.
    smoothed_ = smoothed_ < 0 ? s.loss : 0.9 * smoothed_ + 0.1 * s.loss;
    const double x = (s.epoch - 1) + double(s.step) / double(std::max<qint64>(1, s.stepsPerEpoch));
    train_->addData(x, smoothed_);
    progress_->setValue(int(1000 * s.fractionDone));
    QString left;
    if (s.secondsLeft >= 0) {
        const int secs = int(s.secondsLeft + 0.5);
        left = tr(" · %1:%2 left").arg(secs / 60).arg(secs % 60, 2, 10, QChar('0'));
    }
    status_->setText(tr("Epoch %1 of %2 · loss %3 · %L4 images/s%5")
                         .arg(s.epoch)
                         .arg(s.lastEpoch)
                         .arg(s.loss, 0, 'f', 4)
                         .arg(qRound(s.imagesPerSecond))
                         .arg(left));
    plot_->rescaleAxes();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void CurvesPanel::addEpoch(const EpochInfo& e)
{
    validation_->addData(e.epoch - (e.partial ? 0.5 : 0.0), e.valLoss);
    plot_->rescaleAxes();
    plot_->replot(QCustomPlot::rpQueuedReplot);
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

} // namespace lx::ui
