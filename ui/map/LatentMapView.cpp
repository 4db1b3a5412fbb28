#include "map/LatentMapView.h"

#include "Palette.h"

#include "map/MapLayers.h"

#include <algorithm>
#include <cmath>

namespace lx::ui {

LatentMapView::LatentMapView(QWidget* parent) : QCustomPlot(parent)
{
    setObjectName("latentMap");
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    xAxis->setLabel(tr("z₀"));
    yAxis->setLabel(tr("z₁"));
    addLayer("decodes", layer("main"), QCustomPlot::limBelow);
    // Markers and outlines on a buffered layer of their own: a hover moves the marker and
    // redraws just that layer (the 70,000 points' layer stays as it was drawn).
    addLayer("marks", layer("main"), QCustomPlot::limAbove);
    layer("marks")->setMode(QCPLayer::lmBuffered);
    gridLayer_ = new DecodedGridLayer(this, "decodes");
    layer_ = new PointCloudLayer(this);
    gridTimer_ = new QTimer(this);
    gridTimer_->setSingleShot(true);
    gridTimer_->setInterval(80);
    connect(gridTimer_, &QTimer::timeout, this, [this] {
        if (!gridVisible_)
            return;
        const QRect r = axisRect()->rect();
        constexpr int kCellPixels = 40; // a 28×28 decode, a little enlarged
        const int cols = std::clamp(r.width() / kCellPixels, 2, 60), rows = std::clamp(r.height() / kCellPixels, 2, 60);
        const QCPRange xr = xAxis->range(), yr = yAxis->range();
        Q_EMIT decodedGridNeeded(QRectF(xr.lower, yr.lower, xr.size(), yr.size()), cols, rows);
    });
    legend->setVisible(true);
    legend->setBrush(Qt::NoBrush);
    legend->setBorderPen(Qt::NoPen);
    legend->setSelectableParts(QCPLegend::spItems);
    // The legend beside the plot, not over the points: a column to the right, top-aligned.
    auto* side = new QCPLayoutGrid;
    plotLayout()->addElement(0, 1, side);
    plotLayout()->setColumnStretchFactor(1, 0.001);
    axisRect()->insetLayout()->take(legend);
    side->addElement(0, 0, legend);
    side->addElement(1, 0, new QCPLayoutElement(this));
    side->setRowStretchFactor(0, 0.001);
    side->setMargins(QMargins(0, 6, 6, 0));
    connect(this, &QCustomPlot::legendClick, this, &LatentMapView::onLegendClick);
    applyPalette(this, palette());
    for (QCPAxis* axis : {xAxis, yAxis})
        connect(axis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] {
            layer_->invalidate();
            requestDecodedGrid();
            Q_EMIT viewChanged(view());
        });
}

LatentMapView::~LatentMapView() = default;

QColor LatentMapView::classColor(int label)
{
    // Tableau's ten colours: distinct, and readable on white.
    static const QColor kColors[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                     QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75),
                                     QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                                     QColor(23, 190, 207)};
    return label < 0 ? QColor(60, 60, 60) : kColors[label % 10];
}

void LatentMapView::setCloud(std::shared_ptr<const LatentCloud> cloud, const std::vector<QString>& classNames)
{
    const bool first = !cloud_;
    cloud_ = std::move(cloud);
    grid_.build(cloud_ ? cloud_->xy : std::vector<float>());
    if (classNames != classNames_) { // another dataset: its own classes, all shown
        classNames_ = classNames;
        classVisible_.assign(classNames.size(), true);
        rebuildLegend(classNames);
    }
    const bool projected = cloud_ && !cloud_->projection.isIdentity();
    // For D > 2 the map is a plane through the codes: say which (hovering decodes its points).
    if (cloud_ && cloud_->projection.isNeighbourhood()) {
        const QString method = QString::fromStdString(cloud_->projection.neighbourhoodMethod());
        xAxis->setLabel(tr("%1 1 (of the %2-D codes; distances between clusters mean little)").arg(method).arg(cloud_->dim));
        yAxis->setLabel(tr("%1 2").arg(method));
    } else {
        xAxis->setLabel(projected ? tr("principal axis 1 of the %1-D codes").arg(cloud_->dim) : tr("z₀"));
        yAxis->setLabel(projected ? tr("principal axis 2") : tr("z₁"));
    }
    layer_->invalidate();
    if (first || !userMoved_)
        resetView();
    else
        replot(QCustomPlot::rpQueuedReplot);
}

void LatentMapView::rebuildLegend(const std::vector<QString>& classNames)
{
    for (QCPGraph* g : legendGraphs_)
        removeGraph(g);
    legendGraphs_.clear();
    for (size_t i = 0; i < classNames.size(); ++i) {
        QCPGraph* g = addGraph();
        g->setName(classNames[i]);
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, classColor(int(i)), 8));
        g->setSelectable(QCP::stNone);
        legendGraphs_.push_back(g);
    }
}

void LatentMapView::onLegendClick(QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*)
{
    auto* plottableItem = qobject_cast<QCPPlottableLegendItem*>(item);
    if (!plottableItem)
        return;
    const auto it = std::find(legendGraphs_.begin(), legendGraphs_.end(), plottableItem->plottable());
    if (it != legendGraphs_.end()) {
        const int label = int(it - legendGraphs_.begin());
        setClassVisible(label, !isClassVisible(label));
    }
}

void LatentMapView::setClassVisible(int label, bool visible)
{
    if (label < 0 || size_t(label) >= classVisible_.size() || classVisible_[size_t(label)] == visible)
        return;
    classVisible_[size_t(label)] = visible;
    if (QCPAbstractLegendItem* item = legend->itemWithPlottable(legendGraphs_[size_t(label)]))
        item->setTextColor(visible ? ink(this) : palette().color(QPalette::PlaceholderText));
    legendGraphs_[size_t(label)]->setScatterStyle(QCPScatterStyle(
        visible ? QCPScatterStyle::ssDisc : QCPScatterStyle::ssCircle, classColor(label), 8));
    layer_->invalidate();
    replot(QCustomPlot::rpQueuedReplot);
    Q_EMIT classVisibilityChanged();
}

void LatentMapView::setHiddenClasses(const std::vector<int>& hidden)
{
    for (int c = 0; c < int(classVisible_.size()); ++c)
        setClassVisible(c, std::find(hidden.begin(), hidden.end(), c) == hidden.end());
}

std::vector<int> LatentMapView::hiddenClasses() const
{
    std::vector<int> hidden;
    for (int c = 0; c < int(classVisible_.size()); ++c)
        if (!classVisible_[size_t(c)])
            hidden.push_back(c);
    return hidden;
}

QRectF LatentMapView::view() const
{
    return QRectF(QPointF(xAxis->range().lower, yAxis->range().lower),
                  QPointF(xAxis->range().upper, yAxis->range().upper));
}

bool LatentMapView::isClassVisible(int label) const
{
    return label < 0 || size_t(label) >= classVisible_.size() || classVisible_[size_t(label)];
}

int LatentMapView::visiblePointCount() const
{
    if (!cloud_)
        return 0;
    if (cloud_->labels.empty())
        return int(cloud_->count());
    return int(std::count_if(cloud_->labels.begin(), cloud_->labels.end(),
                             [this](uint8_t l) { return isClassVisible(l); }));
}

void LatentMapView::resetView()
{
    userMoved_ = false;
    if (!cloud_ || grid_.empty()) {
        xAxis->setRange(-1, 1);
        yAxis->setRange(-1, 1);
    } else {
        const double w = std::max(1e-6, grid_.maxX() - grid_.minX()), h = std::max(1e-6, grid_.maxY() - grid_.minY());
        xAxis->setRange(grid_.minX() - 0.05 * w, grid_.maxX() + 0.05 * w);
        yAxis->setRange(grid_.minY() - 0.05 * h, grid_.maxY() + 0.05 * h);
    }
    replot(QCustomPlot::rpQueuedReplot);
}

void LatentMapView::setView(double xLow, double xHigh, double yLow, double yHigh)
{
    userMoved_ = true;
    xAxis->setRange(xLow, xHigh);
    yAxis->setRange(yLow, yHigh);
    replot(QCustomPlot::rpQueuedReplot);
}

QPointF LatentMapView::planeAt(const QPoint& pos) const
{
    return QPointF(xAxis->pixelToCoord(pos.x()), yAxis->pixelToCoord(pos.y()));
}

QPoint LatentMapView::positionOf(const QPointF& plane) const
{
    return QPoint(int(std::lround(xAxis->coordToPixel(plane.x()))), int(std::lround(yAxis->coordToPixel(plane.y()))));
}

int64_t LatentMapView::pointAt(const QPoint& pos) const
{
    constexpr int kReachPixels = 6;
    if (!cloud_ || !axisRect()->rect().contains(pos))
        return -1;
    const QPointF p = planeAt(pos);
    const double radius = std::max(std::abs(xAxis->pixelToCoord(kReachPixels) - xAxis->pixelToCoord(0)),
                                   std::abs(yAxis->pixelToCoord(kReachPixels) - yAxis->pixelToCoord(0)));
    auto accept = [&](int64_t i) {
        if (!cloud_->labels.empty() && !isClassVisible(cloud_->labels[size_t(i)]))
            return false;
        const QPoint q = positionOf(QPointF(cloud_->xy[size_t(2 * i)], cloud_->xy[size_t(2 * i + 1)]));
        const QPoint d = q - pos;
        return d.x() * d.x() + d.y() * d.y() <= kReachPixels * kReachPixels;
    };
    return grid_.nearest(p.x(), p.y(), radius, accept);
}

void LatentMapView::setMark(Mark mark, const std::optional<QPointF>& at)
{
    // Every kind its own shape, in ink and paper (black and white in a light theme; no class's
    // colour), so that a mark never reads as a data point of some class, and two kinds never
    // read as one.
    enum Fill { None, Paper, Ink };
    struct Style {
        const char* name;
        QCPScatterStyle::ScatterShape shape;
        double size;
        bool paperPen;
        Fill fill;
        const char* label;
    };
    static const Style kStyles[] = {
        {"mark:hover", QCPScatterStyle::ssCircle, 15, false, None, nullptr},
        {"mark:A", QCPScatterStyle::ssSquare, 10, false, Paper, "A"},
        {"mark:B", QCPScatterStyle::ssSquare, 10, false, Paper, "B"},
        {"mark:t", QCPScatterStyle::ssDiamond, 14, true, Ink, nullptr},
        {"mark:drawing", QCPScatterStyle::ssStar, 18, false, None, nullptr},
        {"mark:arithmetic", QCPScatterStyle::ssTriangle, 13, false, Paper, nullptr},
    };
    const Style& style = kStyles[int(mark)];
    QCPCurve* curve = overlay(QString::fromLatin1(style.name));
    curve->setLineStyle(QCPCurve::lsNone);
    const QBrush fill = style.fill == None ? QBrush() : QBrush(style.fill == Ink ? ink(this) : paper(this));
    curve->setScatterStyle(
        QCPScatterStyle(style.shape, QPen(style.paperPen ? paper(this) : ink(this), 2.2), fill, style.size));
    setOverlayPoints(curve, at ? std::vector<QPointF>{*at} : std::vector<QPointF>());
    if (style.label) {
        QCPItemText*& text = labels_[int(mark)];
        QCPItemTracer*& anchor = labelAnchors_[int(mark)];
        if (!text) {
            // An invisible anchor at the mark, and the label a few pixels from it at any zoom.
            anchor = new QCPItemTracer(this);
            anchor->setStyle(QCPItemTracer::tsNone);
            anchor->setLayer("marks");
            anchor->setSelectable(false);
            text = new QCPItemText(this);
            text->position->setParentAnchor(anchor->position);
            text->position->setType(QCPItemPosition::ptAbsolute);
            text->position->setCoords(7, -5);
            text->setText(QString::fromLatin1(style.label));
            text->setLayer("marks");
            text->setSelectable(false);
            QFont bold = font();
            bold.setBold(true);
            text->setFont(bold);
            QColor ground = paper(this);
            ground.setAlpha(210);
            text->setColor(ink(this));
            text->setBrush(ground);
            text->setPadding(QMargins(2, 0, 2, 0));
            text->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        }
        text->setVisible(at.has_value());
        if (at)
            anchor->position->setCoords(at->x(), at->y());
    }
    replotMarks();
}

std::optional<QPointF> LatentMapView::mark(Mark mark) const
{
    static const char* const kNames[] = {"mark:hover", "mark:A", "mark:B", "mark:t", "mark:drawing", "mark:arithmetic"};
    const std::vector<QPointF> points = outline(QString::fromLatin1(kNames[int(mark)]));
    return points.empty() ? std::nullopt : std::optional<QPointF>(points.front());
}

void LatentMapView::setPinMarks(const std::vector<QPointF>& points)
{
    QCPCurve* marks = overlay("pins");
    marks->setLineStyle(QCPCurve::lsNone);
    marks->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssPlusCircle, QPen(ink(this), 1.8), QBrush(paper(this)), 11));
    setOverlayPoints(marks, points);
}

void LatentMapView::replotMarks()
{
    if (marksPending_)
        return;
    marksPending_ = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            marksPending_ = false;
            layer("marks")->replot(); // a full replot instead while the buffers are invalid
        },
        Qt::QueuedConnection);
}

QCPCurve* LatentMapView::overlay(const QString& name)
{
    QCPCurve*& curve = outlines_[name];
    if (!curve) {
        curve = new QCPCurve(xAxis, yAxis);
        curve->setName(name);
        curve->removeFromLegend();
        curve->setSelectable(QCP::stNone);
        curve->setLayer("marks");
    }
    return curve;
}

void LatentMapView::setOverlayPoints(QCPCurve* curve, const std::vector<QPointF>& points)
{
    QVector<QCPCurveData> data;
    for (int i = 0; i < int(points.size()); ++i)
        data.push_back(QCPCurveData(i, points[size_t(i)].x(), points[size_t(i)].y()));
    curve->data()->set(data, true);
    replotMarks();
}

void LatentMapView::setPath(const std::vector<QPointF>& points)
{
    setOutline("interpolationPath", points, QPen(ink(this), 2, Qt::DashLine));
}

void LatentMapView::setOutline(const QString& name, const std::vector<QPointF>& points, const QPen& pen)
{
    QCPCurve* curve = overlay(name);
    curve->setPen(pen);
    setOverlayPoints(curve, points);
}

std::vector<QPointF> LatentMapView::outline(const QString& name) const
{
    std::vector<QPointF> points;
    const auto it = outlines_.find(name);
    if (it != outlines_.end())
        for (const QCPCurveData& d : *it->second->data())
            points.emplace_back(d.key, d.value);
    return points;
}

void LatentMapView::setSampleMarks(const std::vector<QPointF>& points)
{
    QCPCurve* marks = overlay("samples");
    marks->setLineStyle(QCPCurve::lsNone);
    marks->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCross, QPen(ink(this), 2), QBrush(), 9));
    setOverlayPoints(marks, points);
}

void LatentMapView::setDecodedGridVisible(bool visible)
{
    if (visible == gridVisible_)
        return;
    gridVisible_ = visible;
    if (visible)
        requestDecodedGrid();
    else
        gridLayer_->set({}, 0, 0, {});
    replot(QCustomPlot::rpQueuedReplot);
}

qint64 LatentMapView::lastRasterMicroseconds() const
{
    return layer_->lastRenderMicroseconds();
}

bool LatentMapView::hasDecodedGrid() const
{
    return gridVisible_ && !gridLayer_->empty();
}

QRectF LatentMapView::decodedGridPlane() const
{
    return gridLayer_->plane();
}

QImage LatentMapView::decodedGridMosaic() const
{
    return gridLayer_->mosaic();
}

void LatentMapView::requestDecodedGrid()
{
    if (gridVisible_)
        gridTimer_->start();
}

void LatentMapView::setDecodedGrid(const QRectF& plane, int cols, int rows, const std::vector<QImage>& tiles)
{
    if (!gridVisible_)
        return;
    gridLayer_->set(plane, cols, rows, tiles);
    replot(QCustomPlot::rpQueuedReplot);
}

std::vector<QPointF> LatentMapView::gridCentres(const QRectF& plane, int cols, int rows)
{
    std::vector<QPointF> centres;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            centres.emplace_back(plane.left() + (c + 0.5) * plane.width() / cols,
                                 plane.top() + plane.height() - (r + 0.5) * plane.height() / rows);
    return centres;
}

void LatentMapView::mouseMoveEvent(QMouseEvent* event)
{
    QCustomPlot::mouseMoveEvent(event);
    if (event->buttons() & Qt::LeftButton)
        userMoved_ = true;
    if (axisRect()->rect().contains(event->pos()))
        Q_EMIT hovered(planeAt(event->pos()), pointAt(event->pos()));
}

void LatentMapView::mousePressEvent(QMouseEvent* event)
{
    pressPos_ = event->pos();
    QCustomPlot::mousePressEvent(event);
}

void LatentMapView::mouseReleaseEvent(QMouseEvent* event)
{
    QCustomPlot::mouseReleaseEvent(event);
    if ((event->pos() - pressPos_).manhattanLength() > 3 || !axisRect()->rect().contains(event->pos()))
        return; // a drag, not a click
    if (legend->selectTest(event->pos(), false) >= 0)
        return;
    if (event->button() == Qt::LeftButton)
        Q_EMIT clicked(planeAt(event->pos()), pointAt(event->pos()));
    else if (event->button() == Qt::RightButton)
        Q_EMIT rightClicked(planeAt(event->pos()), pointAt(event->pos()));
}

void LatentMapView::resizeEvent(QResizeEvent* event)
{
    QCustomPlot::resizeEvent(event);
    requestDecodedGrid();
}

void LatentMapView::wheelEvent(QWheelEvent* event)
{
    userMoved_ = true;
    const QPointF anchor = planeAt(event->position().toPoint()); // stays under the pointer
    QCustomPlot::wheelEvent(event);
    keepZoomInBounds(anchor);
}

void LatentMapView::keepZoomInBounds(const QPointF& anchor)
{
    // From a thousandth of the data's extent (a few codes apart) out to twenty times it (the
    // cloud a speck in the middle): beyond either there is nothing left to see, and no way
    // back but Home. Scaled back about the point under the pointer, as the wheel zooms.
    const bool empty = !cloud_ || grid_.empty();
    const double extents[2] = {empty ? 2.0 : std::max(1e-6, grid_.maxX() - grid_.minX()),
                               empty ? 2.0 : std::max(1e-6, grid_.maxY() - grid_.minY())};
    QCPAxis* axes[2] = {xAxis, yAxis};
    const double at[2] = {anchor.x(), anchor.y()};
    for (int i = 0; i < 2; ++i) {
        const QCPRange range = axes[i]->range();
        const double size = std::clamp(range.size(), extents[i] * 1e-3, extents[i] * 20);
        if (size == range.size())
            continue;
        const double f = size / range.size();
        axes[i]->setRange(at[i] + (range.lower - at[i]) * f, at[i] + (range.upper - at[i]) * f);
    }
}

void LatentMapView::changeEvent(QEvent* event)
{
    QCustomPlot::changeEvent(event);
    if (event->type() != QEvent::PaletteChange)
        return;
    // Another theme: the ground, axes and legend follow (marks take it when next set).
    applyPalette(this, palette());
    for (size_t label = 0; label < legendGraphs_.size(); ++label)
        if (QCPAbstractLegendItem* item = legend->itemWithPlottable(legendGraphs_[label]))
            item->setTextColor(isClassVisible(int(label)) ? ink(this) : palette().color(QPalette::PlaceholderText));
    gridLayer_->invalidate();
    replot(QCustomPlot::rpQueuedReplot);
}

void LatentMapView::leaveEvent(QEvent* event)
{
    QCustomPlot::leaveEvent(event);
    Q_EMIT left();
}

void LatentMapView::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Home || event->key() == Qt::Key_R)
        resetView();
    else
        QCustomPlot::keyPressEvent(event);
}

} // namespace lx::ui
