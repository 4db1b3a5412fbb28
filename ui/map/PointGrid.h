#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace lx::ui {

// A uniform grid over 2-D points for nearest-point queries without a scan: the points of
// each cell stored contiguously (CSR). Rebuilt whenever the points move.
class PointGrid {
public:
    void build(std::vector<float> xy, int cellsPerSide = 128); // keeps its own copy

    // The nearest point to (x, y) within `radius` (in the points' units) that `accept`
    // allows, or -1.
    int64_t nearest(double x, double y, double radius, const std::function<bool(int64_t)>& accept) const;

    bool empty() const { return count_ == 0; }
    double minX() const { return minX_; }
    double minY() const { return minY_; }
    double maxX() const { return maxX_; }
    double maxY() const { return maxY_; }

private:
    std::vector<float> xy_;
    int64_t count_ = 0;
    int side_ = 1;
    double minX_ = 0, minY_ = 0, maxX_ = 0, maxY_ = 0, cellW_ = 1, cellH_ = 1;
    std::vector<int64_t> cellStart_; // side*side + 1 offsets into order_
    std::vector<int64_t> order_;
};

} // namespace lx::ui
