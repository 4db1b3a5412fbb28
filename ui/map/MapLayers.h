#pragma once
// Private to map/LatentMapView.cpp: the map's own drawing layers, under the overlays.

#include "map/LatentMapView.h"

#include <algorithm>
#include <cmath>

namespace lx::ui {

// Draws the cloud's points as a cached raster: blending a small anti-aliased dot into a
// premultiplied ARGB buffer is ~10x faster than QCustomPlot's per-point scatter.
class PointCloudLayer : public QCPLayerable {
public:
    explicit PointCloudLayer(LatentMapView* view) : QCPLayerable(view, "main"), view_(view) {}

    void invalidate() { cacheKey_.clear(); }
    qint64 lastRenderMicroseconds() const { return renderMicros_; }

protected:
    void applyDefaultAntialiasingHint(QCPPainter*) const override {}
    QRect clipRect() const override { return view_->axisRect()->rect(); }

    void draw(QCPPainter* painter) override
    {
        const QRect rect = view_->axisRect()->rect();
        const QCPRange xr = view_->xAxis->range(), yr = view_->yAxis->range();
        const QString key = QStringLiteral("%1 %2 %3 %4 %5 %6 %7")
                                .arg(rect.width())
                                .arg(rect.height())
                                .arg(xr.lower, 0, 'g', 17)
                                .arg(xr.upper, 0, 'g', 17)
                                .arg(yr.lower, 0, 'g', 17)
                                .arg(yr.upper, 0, 'g', 17)
                                .arg(quintptr(view_->cloud().get()));
        if (key != cacheKey_ || cache_.size() != rect.size()) {
            render(rect);
            cacheKey_ = key;
        }
        painter->drawImage(rect.topLeft(), cache_);
    }

private:
    void render(const QRect& rect)
    {
        QElapsedTimer timer;
        timer.start();
        cache_ = QImage(rect.size(), QImage::Format_ARGB32_Premultiplied);
        cache_.fill(Qt::transparent);
        const auto cloud = view_->cloud();
        if (cloud && !rect.isEmpty()) {
            // A 5×5 dot: full in the middle, soft at the rim; weights out of 256 (75% opaque
            // at most, so dense clusters still show their density).
            static const uint32_t kDot[5][5] = {{0, 67, 106, 67, 0},
                                                {67, 173, 192, 173, 67},
                                                {106, 192, 192, 192, 106},
                                                {67, 173, 192, 173, 67},
                                                {0, 67, 106, 67, 0}};
            QRgb colour[257]; // by label + 1 (−1: unlabelled)
            bool visible[257];
            for (int label = -1; label < 256; ++label) {
                colour[label + 1] = LatentMapView::classColor(label).rgba();
                visible[label + 1] = view_->isClassVisible(label);
            }
            const int w = cache_.width(), h = cache_.height();
            const QCPRange xr = view_->xAxis->range(), yr = view_->yAxis->range();
            const double sx = w / xr.size(), sy = h / yr.size();
            auto* pixels = reinterpret_cast<QRgb*>(cache_.bits());
            const qsizetype stride = cache_.bytesPerLine() / 4;
            const int64_t n = cloud->count();
            const float* xy = cloud->xy.data();
            const uint8_t* labels = cloud->labels.empty() ? nullptr : cloud->labels.data();
            for (int64_t i = 0; i < n; ++i) {
                const int slot = labels ? labels[i] + 1 : 0;
                if (!visible[slot])
                    continue;
                const int px = int(std::lround((xy[2 * i] - xr.lower) * sx));
                const int py = int(std::lround((yr.upper - xy[2 * i + 1]) * sy));
                if (px < -2 || py < -2 || px >= w + 2 || py >= h + 2)
                    continue;
                const QRgb src = colour[slot];
                const bool inside = px >= 2 && py >= 2 && px < w - 2 && py < h - 2;
                for (int dy = -2; dy <= 2; ++dy) {
                    const int y = py + dy;
                    if (!inside && (y < 0 || y >= h))
                        continue;
                    QRgb* row = pixels + y * stride;
                    for (int dx = -2; dx <= 2; ++dx) {
                        const int x = px + dx;
                        const uint32_t a = kDot[dy + 2][dx + 2];
                        if (a == 0 || (!inside && (x < 0 || x >= w)))
                            continue;
                        // Source over, premultiplied, two channels per multiply.
                        const uint32_t d = row[x], ia = 256 - a;
                        const uint32_t rb = ((src & 0xff00ff) * a + (d & 0xff00ff) * ia) >> 8;
                        const uint32_t ag = (((src >> 8) & 0xff00ff) * a + ((d >> 8) & 0xff00ff) * ia) >> 8;
                        row[x] = (rb & 0xff00ff) | ((ag & 0xff00ff) << 8);
                    }
                }
            }
        }
        renderMicros_ = timer.nsecsElapsed() / 1000;
    }

    LatentMapView* view_;
    QImage cache_;
    QString cacheKey_;
    qint64 renderMicros_ = 0;
};

// The decoded grid: one mosaic image of the tiles (dark strokes on white, so the coloured
// points stay readable on top), stretched over the plane area it was decoded for.
class DecodedGridLayer : public QCPLayerable {
public:
    DecodedGridLayer(LatentMapView* view, const QString& layer) : QCPLayerable(view, layer), view_(view) {}

    void set(const QRectF& plane, int cols, int rows, const std::vector<QImage>& tiles)
    {
        plane_ = plane;
        mosaic_ = QImage();
        if (tiles.empty() || cols <= 0 || rows <= 0)
            return;
        const int side = tiles.front().width();
        mosaic_ = QImage(cols * side, rows * side, QImage::Format_Grayscale8);
        mosaic_.fill(255);
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) {
                const size_t i = size_t(r * cols + c);
                if (i >= tiles.size())
                    continue;
                const QImage tile = tiles[i].convertToFormat(QImage::Format_Grayscale8);
                for (int y = 0; y < std::min(side, tile.height()); ++y) {
                    const uchar* from = tile.constScanLine(y);
                    uchar* to = mosaic_.scanLine(r * side + y) + c * side;
                    for (int x = 0; x < std::min(side, tile.width()); ++x)
                        to[x] = uchar(255 - from[x]);
                }
            }
    }
    bool empty() const { return mosaic_.isNull(); }

protected:
    void applyDefaultAntialiasingHint(QCPPainter*) const override {}
    QRect clipRect() const override { return view_->axisRect()->rect(); }
    void draw(QCPPainter* painter) override
    {
        if (mosaic_.isNull())
            return;
        const QPoint topLeft = view_->positionOf(QPointF(plane_.left(), plane_.bottom()));
        const QPoint bottomRight = view_->positionOf(QPointF(plane_.right(), plane_.top()));
        painter->setRenderHint(QPainter::SmoothPixmapTransform, true);
        painter->setOpacity(0.7);
        painter->drawImage(QRect(topLeft, bottomRight), mosaic_);
        painter->setOpacity(1.0);
    }

private:
    LatentMapView* view_;
    QRectF plane_; // x from left() to right(), y from top() (low) to bottom() (high)
    QImage mosaic_;
};

} // namespace lx::ui
