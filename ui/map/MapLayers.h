#pragma once
// Private to map/LatentMapView.cpp: the map's own drawing layers, under the overlays.

#include "Palette.h"
#include "map/LatentMapView.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

namespace lx::ui {

// A 5×5 dot: full in the middle, soft at the rim; weights out of 256 (75% opaque at most,
// so dense clusters still show their density).
inline constexpr uint32_t kSmallDot[5][5] = {{0, 67, 106, 67, 0},
                                             {67, 173, 192, 173, 67},
                                             {106, 192, 192, 192, 106},
                                             {67, 173, 192, 173, 67},
                                             {0, 67, 106, 67, 0}};

// A dot of span×span weights centred on (px, py) of a premultiplied ARGB buffer of w×h,
// clipped to it: source over, premultiplied, two channels per multiply.
inline void blendDot(QRgb* pixels, qsizetype stride, int w, int h, int px, int py, QRgb src, const uint32_t* dot,
                     int span)
{
    const int reach = span / 2; // from the dot's centre to its edge, in pixels
    for (int dy = -reach; dy < span - reach; ++dy) {
        const int y = py + dy;
        if (y < 0 || y >= h)
            continue;
        QRgb* row = pixels + y * stride;
        const uint32_t* weights = dot + size_t(dy + reach) * size_t(span);
        for (int dx = -reach; dx < span - reach; ++dx) {
            const int x = px + dx;
            const uint32_t a = weights[dx + reach];
            if (a == 0 || x < 0 || x >= w)
                continue;
            const uint32_t d = row[x], ia = 256 - a;
            const uint32_t rb = ((src & 0xff00ff) * a + (d & 0xff00ff) * ia) >> 8;
            const uint32_t ag = (((src >> 8) & 0xff00ff) * a + ((d >> 8) & 0xff00ff) * ia) >> 8;
            row[x] = (rb & 0xff00ff) | ((ag & 0xff00ff) << 8);
        }
    }
}

// blendDot of kSmallDot where it lies wholly inside the buffer (nearly every point), unrolled:
// `top` is the pixel above the centre by two rows. The colour's products with the dot's four
// weights are taken once per point, so each pixel costs two multiplies; the same arithmetic,
// so the same pixels (a test compares them).
inline void blendSmallDot(QRgb* top, qsizetype stride, QRgb src)
{
    const uint32_t srcRb = src & 0xff00ff, srcAg = (src >> 8) & 0xff00ff;
    struct Weight {
        uint32_t rb, ag, inverse;
    };
    auto weight = [&](uint32_t a) { return Weight{srcRb * a, srcAg * a, 256 - a}; };
    const Weight w67 = weight(67), w106 = weight(106), w173 = weight(173), w192 = weight(192);
    auto blend = [](QRgb& pixel, const Weight& w) {
        const uint32_t d = pixel;
        const uint32_t rb = (w.rb + (d & 0xff00ff) * w.inverse) >> 8;
        const uint32_t ag = (w.ag + ((d >> 8) & 0xff00ff) * w.inverse) >> 8;
        pixel = (rb & 0xff00ff) | ((ag & 0xff00ff) << 8);
    };
    QRgb* row = top; // row −2: the dot's top, three pixels
    blend(row[-1], w67), blend(row[0], w106), blend(row[1], w67);
    for (int r = 0; r < 3; ++r) { // rows −1, 0, 1
        row += stride;
        const Weight& rim = r == 1 ? w106 : w67;
        const Weight& inner = r == 1 ? w192 : w173;
        blend(row[-2], rim), blend(row[-1], inner), blend(row[0], w192), blend(row[1], inner), blend(row[2], rim);
    }
    row += stride; // row 2: the bottom
    blend(row[-1], w67), blend(row[0], w106), blend(row[1], w67);
}

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
        // At the screen's own pixels (a HiDPI screen's twice as many): drawn 1:1, never scaled up.
        const double ratio = std::max(1.0, view_->devicePixelRatioF());
        if (key != cacheKey_ || cache_.devicePixelRatio() != ratio
            || cache_.size() != (QSizeF(rect.size()) * ratio).toSize()) {
            render(rect, ratio);
            cacheKey_ = key;
        }
        painter->drawImage(rect.topLeft(), cache_);
    }

private:
    void render(const QRect& rect, double ratio)
    {
        QElapsedTimer timer;
        timer.start();
        cache_ = QImage((QSizeF(rect.size()) * ratio).toSize(), QImage::Format_ARGB32_Premultiplied);
        cache_.setDevicePixelRatio(ratio);
        cache_.fill(Qt::transparent);
        // The dot keeps its size on the screen: 5×5 pixels at 1×, a disc of the same size drawn
        // with s× as many pixels across on a HiDPI screen (as smooth at its edge, not blocky).
        const int s = std::max(1, int(std::lround(ratio)));
        const int span = 5 * s;
        std::vector<uint32_t> dot(size_t(span * span));
        for (int y = 0; y < span; ++y)
            for (int x = 0; x < span; ++x) {
                if (s == 1) {
                    dot[size_t(y * span + x)] = kSmallDot[y][x];
                    continue;
                }
                const double dx = (x + 0.5) / s - 2.5, dy = (y + 0.5) / s - 2.5; // in 1× pixels
                const double edge = std::clamp(2.45 - std::sqrt(dx * dx + dy * dy), 0.0, 1.0);
                dot[size_t(y * span + x)] = uint32_t(std::lround(192.0 * edge));
            }
        const auto cloud = view_->cloud();
        if (cloud && !rect.isEmpty()) {
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
            // Where each visible point lands, then drawn band by band of kBand rows (in the
            // cloud's order within a band): a band's pixels stay in cache, where points in the
            // cloud's order jump all over an image larger than the cache. Only dots that
            // overlap across a band's edge swap which is on top, and the cloud's order is
            // arbitrary anyway.
            constexpr int kBand = 32;
            const int bands = (h + kBand - 1) / kBand + 2; // and one above, one below for the rims
            placed_.clear();
            bandStart_.assign(size_t(bands) + 1, 0);
            for (int64_t i = 0; i < n; ++i) {
                const int slot = labels ? labels[i] + 1 : 0;
                if (!visible[slot])
                    continue;
                const int px = int(std::lround((xy[2 * i] - xr.lower) * sx));
                const int py = int(std::lround((yr.upper - xy[2 * i + 1]) * sy));
                if (px < -3 * s || py < -3 * s || px >= w + 3 * s || py >= h + 3 * s)
                    continue;
                placed_.push_back({px, py, colour[slot]});
                ++bandStart_[size_t(std::clamp(py / kBand + 1, 0, bands - 1)) + 1];
            }
            for (size_t b = 1; b < bandStart_.size(); ++b)
                bandStart_[b] += bandStart_[b - 1];
            sorted_.resize(placed_.size());
            for (const Placed& p : placed_)
                sorted_[bandStart_[size_t(std::clamp(p.py / kBand + 1, 0, bands - 1))]++] = p;
            const int reach = span / 2; // from the dot's centre to its edge, in pixels
            // After the scatter, bandStart_[b] is where band b ends, i.e. where b + 1 begins.
            auto drawBands = [&](int first, int step) {
                for (int b = first; b < bands; b += step)
                    for (size_t at = b == 0 ? 0 : bandStart_[size_t(b - 1)]; at < bandStart_[size_t(b)]; ++at) {
                        const Placed& p = sorted_[at];
                        const bool inside = p.px >= reach && p.py >= reach && p.px < w - reach && p.py < h - reach;
                        if (s == 1 && inside) // nearly every point: the 5×5 dot, unrolled
                            blendSmallDot(pixels + (p.py - 2) * stride + p.px, stride, p.colour);
                        else
                            blendDot(pixels, stride, w, h, p.px, p.py, p.colour, dot.data(), span);
                    }
            };
            // A dot reaches at most `reach` (< kBand) rows into the bands beside its own, so
            // bands two apart never touch the same pixel: the even bands on two threads (one
            // taking every fourth from 0, the other from 2), then the odd ones likewise. Within
            // a band the cloud's order still decides which dot is on top.
            if (reach < kBand && sorted_.size() >= kParallelPoints && std::thread::hardware_concurrency() > 1) {
                for (int parity = 0; parity < 2; ++parity) {
                    std::thread other(drawBands, parity + 2, 4);
                    drawBands(parity, 4);
                    other.join();
                }
            } else {
                drawBands(0, 1);
            }
        }
        renderMicros_ = timer.nsecsElapsed() / 1000;
    }

    // From this many points on, the raster is drawn by two threads (a thread costs ~50 µs).
    static constexpr size_t kParallelPoints = 20000;
    struct Placed {
        int px, py;
        QRgb colour;
    };
    std::vector<Placed> placed_, sorted_; // render's, kept for the next (no allocation)
    std::vector<size_t> bandStart_;
    LatentMapView* view_;
    QImage cache_;
    QString cacheKey_;
    qint64 renderMicros_ = 0;
};

// The decoded grid: one mosaic image of the tiles, stretched over the plane area it was decoded
// for, under the points. In a light theme dark strokes on white (inverted), in a dark one
// light strokes on black (as decoded), so the coloured points stay readable on top.
class DecodedGridLayer : public QCPLayerable {
public:
    DecodedGridLayer(LatentMapView* view, const QString& layer) : QCPLayerable(view, layer), view_(view) {}

    void set(const QRectF& plane, int cols, int rows, const std::vector<QImage>& tiles)
    {
        plane_ = plane;
        decoded_ = shown_ = QImage();
        if (tiles.empty() || cols <= 0 || rows <= 0)
            return;
        const int side = tiles.front().width();
        decoded_ = QImage(cols * side, rows * side, QImage::Format_Grayscale8);
        decoded_.fill(0);
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) {
                const size_t i = size_t(r * cols + c);
                if (i >= tiles.size())
                    continue;
                const QImage tile = tiles[i].convertToFormat(QImage::Format_Grayscale8);
                for (int y = 0; y < std::min(side, tile.height()); ++y)
                    std::copy_n(tile.constScanLine(y), std::min(side, tile.width()),
                                decoded_.scanLine(r * side + y) + c * side);
            }
    }
    bool empty() const { return decoded_.isNull(); }
    QRectF plane() const { return plane_; }
    const QImage& mosaic() const { return decoded_; } // the tiles as decoded, row 0 on top
    void invalidate() { shown_ = QImage(); } // the theme changed

protected:
    void applyDefaultAntialiasingHint(QCPPainter*) const override {}
    QRect clipRect() const override { return view_->axisRect()->rect(); }
    void draw(QCPPainter* painter) override
    {
        if (decoded_.isNull())
            return;
        if (shown_.isNull()) {
            shown_ = decoded_;
            if (!isDark(view_->palette()))
                shown_.invertPixels();
        }
        const QPoint topLeft = view_->positionOf(QPointF(plane_.left(), plane_.bottom()));
        const QPoint bottomRight = view_->positionOf(QPointF(plane_.right(), plane_.top()));
        painter->setRenderHint(QPainter::SmoothPixmapTransform, true);
        painter->setOpacity(0.7);
        painter->drawImage(QRect(topLeft, bottomRight), shown_);
        painter->setOpacity(1.0);
    }

private:
    LatentMapView* view_;
    QRectF plane_; // x from left() to right(), y from top() (low) to bottom() (high)
    QImage decoded_; // as decoded: light strokes on black
    QImage shown_;   // as drawn in this theme
};

} // namespace lx::ui
