#pragma once

#include "latent/LatentCloud.h"
#include "map/PointGrid.h"

#include "QCustomPlot.h"

#include <memory>
#include <optional>
#include <vector>

namespace lx::ui {

class DecodedGridLayer;
class PointCloudLayer;

// The latent map: every image as a point coloured by its label, on QCustomPlot's axes.
// Points are rasterised once into a cached image (redrawn only when the data, the view or
// the visible classes change); the point under the mouse is found through a grid index.
// Drag pans, the wheel zooms; the view follows the data until the user moves it.
class LatentMapView : public QCustomPlot {
    Q_OBJECT
public:
    explicit LatentMapView(QWidget* parent = nullptr);
    ~LatentMapView() override;

    void setCloud(std::shared_ptr<const LatentCloud> cloud, const std::vector<QString>& classNames);
    std::shared_ptr<const LatentCloud> cloud() const { return cloud_; }

    void setClassVisible(int label, bool visible);
    bool isClassVisible(int label) const;
    void setHiddenClasses(const std::vector<int>& hidden);
    std::vector<int> hiddenClasses() const;
    int visiblePointCount() const;

    // The data point nearest to a widget position (within a few pixels), or -1.
    int64_t pointAt(const QPoint& pos) const;
    QPointF planeAt(const QPoint& pos) const; // widget position → map coordinates
    QPoint positionOf(const QPointF& plane) const;
    // Shows exactly this area (a restored session): kept while the model trains, like a pan.
    void setView(double xLow, double xHigh, double yLow, double yHigh);
    QRectF view() const; // the visible area, in map coordinates

    // Single marks over the points, each kind with its own shape (A and B labelled); none hides.
    enum class Mark { Hover, EndA, EndB, Position, Drawing, Arithmetic };
    void setMark(Mark mark, const std::optional<QPointF>& at);
    std::optional<QPointF> mark(Mark mark) const;
    void setPinMarks(const std::vector<QPointF>& points); // every pin, as a circled plus

    // A polyline over the points (an interpolation path); empty hides it.
    void setPath(const std::vector<QPointF>& points);

    // A named closed or open line over the points (a σ ellipse, the prior's contours); empty
    // points hide it.
    void setOutline(const QString& name, const std::vector<QPointF>& points, const QPen& pen);
    std::vector<QPointF> outline(const QString& name) const;

    // Random samples marked with crosses; empty hides them.
    void setSampleMarks(const std::vector<QPointF>& points);

    // The decoded grid: the visible area tiled with the decodes of its cell centres, under the
    // points, on the same axes. The view asks for decodes (decodedGridNeeded, debounced while
    // the view moves); the window answers with setDecodedGrid. Tiles are row-major, row 0 at
    // the top (largest y); `plane` is the area they cover.
    void setDecodedGridVisible(bool visible);
    bool isDecodedGridVisible() const { return gridVisible_; }
    bool hasDecodedGrid() const; // decodes are shown (not only asked for)
    QRectF decodedGridPlane() const; // the area the shown decodes cover
    QImage decodedGridMosaic() const; // the shown tiles in one image, as decoded
    void setDecodedGrid(const QRectF& plane, int cols, int rows, const std::vector<QImage>& tiles);
    static std::vector<QPointF> gridCentres(const QRectF& plane, int cols, int rows);

    static QColor classColor(int label);
    qint64 lastRasterMicroseconds() const; // the points' raster, last time it was rebuilt (benchmarks)

public Q_SLOTS:
    void resetView();
    void requestDecodedGrid(); // the decodes are stale (new weights): ask again soon

Q_SIGNALS:
    void hovered(QPointF plane, qint64 point); // point: -1 when not over a data point
    void clicked(QPointF plane, qint64 point);
    void rightClicked(QPointF plane, qint64 point);
    void left();
    void classVisibilityChanged();
    void viewChanged(const QRectF& view);
    void decodedGridNeeded(QRectF plane, int cols, int rows);

protected:
    void mouseMoveEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void onLegendClick(QCPLegend* legend, QCPAbstractLegendItem* item, QMouseEvent* event);
    void rebuildLegend(const std::vector<QString>& classNames);
    QCPCurve* overlay(const QString& name); // made on first use
    void setOverlayPoints(QCPCurve* curve, const std::vector<QPointF>& points);
    void replotMarks(); // markers and outlines only, once per event-loop turn
    void keepZoomInBounds(const QPointF& anchor);

    std::shared_ptr<const LatentCloud> cloud_;
    PointGrid grid_;
    PointCloudLayer* layer_ = nullptr;
    std::vector<QString> classNames_;
    std::vector<bool> classVisible_;
    std::vector<QCPGraph*> legendGraphs_;
    std::map<int, QCPItemText*> labels_; // "A", "B" beside their marks
    std::map<int, QCPItemTracer*> labelAnchors_;
    std::map<QString, QCPCurve*> outlines_; // lines and marks over the points, by name
    DecodedGridLayer* gridLayer_ = nullptr;
    QTimer* gridTimer_ = nullptr;
    bool gridVisible_ = false;
    bool marksPending_ = false;
    bool userMoved_ = false;
    QPoint pressPos_;
};

} // namespace lx::ui
