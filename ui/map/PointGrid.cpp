#include "map/PointGrid.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lx::ui {

void PointGrid::build(std::vector<float> points, int cellsPerSide)
{
    xy_ = std::move(points);
    const std::vector<float>& xy = xy_;
    count_ = int64_t(xy.size() / 2);
    side_ = std::max(1, cellsPerSide);
    cellStart_.assign(size_t(side_) * size_t(side_) + 1, 0);
    order_.assign(size_t(count_), 0);
    if (count_ == 0)
        return;
    minX_ = maxX_ = xy[0];
    minY_ = maxY_ = xy[1];
    for (int64_t i = 0; i < count_; ++i) {
        minX_ = std::min<double>(minX_, xy[size_t(2 * i)]);
        maxX_ = std::max<double>(maxX_, xy[size_t(2 * i)]);
        minY_ = std::min<double>(minY_, xy[size_t(2 * i + 1)]);
        maxY_ = std::max<double>(maxY_, xy[size_t(2 * i + 1)]);
    }
    cellW_ = std::max(1e-12, (maxX_ - minX_) / side_);
    cellH_ = std::max(1e-12, (maxY_ - minY_) / side_);
    auto cellOf = [&](int64_t i) {
        const int cx = std::clamp(int((xy[size_t(2 * i)] - minX_) / cellW_), 0, side_ - 1);
        const int cy = std::clamp(int((xy[size_t(2 * i + 1)] - minY_) / cellH_), 0, side_ - 1);
        return size_t(cy) * size_t(side_) + size_t(cx);
    };
    for (int64_t i = 0; i < count_; ++i)
        ++cellStart_[cellOf(i) + 1];
    for (size_t c = 1; c < cellStart_.size(); ++c)
        cellStart_[c] += cellStart_[c - 1];
    std::vector<int64_t> fill(cellStart_.begin(), cellStart_.end() - 1);
    for (int64_t i = 0; i < count_; ++i)
        order_[size_t(fill[cellOf(i)]++)] = i;
}

int64_t PointGrid::nearest(double x, double y, double radius, const std::function<bool(int64_t)>& accept) const
{
    if (count_ == 0 || !std::isfinite(x) || !std::isfinite(y))
        return -1;
    const int x0 = std::max(0, int(std::floor((x - radius - minX_) / cellW_)));
    const int x1 = std::min(side_ - 1, int(std::floor((x + radius - minX_) / cellW_)));
    const int y0 = std::max(0, int(std::floor((y - radius - minY_) / cellH_)));
    const int y1 = std::min(side_ - 1, int(std::floor((y + radius - minY_) / cellH_)));
    int64_t best = -1;
    double bestD2 = radius * radius;
    const std::vector<float>& xy = xy_;
    for (int cy = y0; cy <= y1; ++cy)
        for (int cx = x0; cx <= x1; ++cx) {
            const size_t c = size_t(cy) * size_t(side_) + size_t(cx);
            for (int64_t k = cellStart_[c]; k < cellStart_[c + 1]; ++k) {
                const int64_t i = order_[size_t(k)];
                const double dx = xy[size_t(2 * i)] - x, dy = xy[size_t(2 * i + 1)] - y;
                const double d2 = dx * dx + dy * dy;
                if (d2 <= bestD2 && accept(i)) {
                    bestD2 = d2;
                    best = i;
                }
            }
        }
    return best;
}

} // namespace lx::ui
