#include "map/LatentMapView.h"
#include "map/MapLayers.h"

#include <QSignalSpy>
#include <QWheelEvent>
#include <QTest>

#include <catch2/catch.hpp>

#include <random>

using namespace lx;
using lx::ui::LatentMapView;

namespace {

// Points on a 10×10 lattice, labelled by column parity... so classes interleave.
std::shared_ptr<const LatentCloud> lattice()
{
    auto cloud = std::make_shared<LatentCloud>();
    cloud->dim = 2;
    for (int y = 0; y < 10; ++y)
        for (int x = 0; x < 10; ++x) {
            cloud->codes.insert(cloud->codes.end(), {float(x), float(y)});
            cloud->labels.push_back(uint8_t(x % 2));
        }
    cloud->trainCount = 80;
    cloud->projection = LatentProjection::identity(2);
    cloud->xy = cloud->codes;
    return cloud;
}

// The map in a 600×500 window, showing the lattice, drawn.
bool showLattice(LatentMapView& map)
{
    map.resize(600, 500);
    map.show();
    if (!QTest::qWaitForWindowExposed(&map))
        return false;
    map.setCloud(lattice(), {"even", "odd"});
    map.replot();
    return true;
}

} // namespace

TEST_CASE("the map finds the data point under the mouse through its index", "[gui]")
{
    LatentMapView map;
    REQUIRE(showLattice(map));
    for (int64_t i : {0, 37, 99}) {
        const auto& xy = map.cloud()->xy;
        const QPoint p = map.positionOf(QPointF(xy[size_t(2 * i)], xy[size_t(2 * i + 1)]));
        CHECK(map.pointAt(p) == i);
        CHECK(map.pointAt(p + QPoint(2, -2)) == i); // a near miss still finds it
    }
    // Between lattice points, far from all: nothing.
    CHECK(map.pointAt(map.positionOf(QPointF(4.5, 4.5))) == -1);
}

TEST_CASE("hovering the map reports the latent point under the mouse", "[gui]")
{
    LatentMapView map;
    REQUIRE(showLattice(map));
    QSignalSpy spy(&map, &LatentMapView::hovered);
    const QPoint p = map.positionOf(QPointF(3.0, 6.0));
    QTest::mouseMove(&map, p);
    REQUIRE(spy.count() >= 1);
    const QPointF plane = spy.last().at(0).toPointF();
    CHECK(plane.x() == Approx(3.0).margin(0.05));
    CHECK(plane.y() == Approx(6.0).margin(0.05));
    CHECK(spy.last().at(1).toLongLong() == 63);
}

TEST_CASE("hiding a class removes its points from the map and from hover", "[gui]")
{
    LatentMapView map;
    REQUIRE(showLattice(map));
    CHECK(map.visiblePointCount() == 100);
    const QPoint odd = map.positionOf(QPointF(1, 0)); // point 1: label 1
    CHECK(map.pointAt(odd) == 1);
    const QImage before = map.toPixmap().toImage();

    // Click the legend entry of "odd", as a user would.
    QCPAbstractLegendItem* item = map.legend->item(1);
    REQUIRE(item != nullptr);
    QTest::mouseClick(&map, Qt::LeftButton, {}, item->outerRect().center());
    CHECK_FALSE(map.isClassVisible(1));
    CHECK(map.visiblePointCount() == 50);
    CHECK(map.pointAt(odd) == -1);
    CHECK(map.toPixmap().toImage() != before);

    map.setClassVisible(1, true);
    CHECK(map.visiblePointCount() == 100);
    CHECK(map.pointAt(odd) == 1);
}

namespace {

void wheel(LatentMapView& map, int notches)
{
    const QPoint at = map.positionOf(QPointF(4.5, 4.5));
    QWheelEvent event(at, map.mapToGlobal(at), QPoint(), QPoint(0, 120 * notches), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(&map, &event);
}

} // namespace

TEST_CASE("the wheel zooms the map in and out, but not past where nothing is left to see", "[gui]")
{
    LatentMapView map;
    REQUIRE(showLattice(map)); // the data spans 9 × 9
    const double home = map.xAxis->range().size();
    wheel(map, -1);
    CHECK(map.xAxis->range().size() > home); // a notch out zooms out
    for (int i = 0; i < 60; ++i)
        wheel(map, -1);
    CHECK(map.xAxis->range().size() == Approx(9 * 20.0));
    CHECK(map.yAxis->range().size() == Approx(9 * 20.0));
    // The point under the pointer stays there, out and in.
    CHECK(map.xAxis->range().contains(4.5));
    CHECK(map.yAxis->range().contains(4.5));
    for (int i = 0; i < 200; ++i)
        wheel(map, 1);
    CHECK(map.xAxis->range().size() == Approx(9 * 1e-3));
    CHECK(map.yAxis->range().size() == Approx(9 * 1e-3));
    // Home brings it back.
    map.resetView();
    CHECK(map.xAxis->range().size() == Approx(home));
}

TEST_CASE("a map of many points, drawn by two threads, draws each dot once, as one thread does", "[gui]")
{
    // 145 × 145 points (above the two-thread threshold) ~8 px apart, so no two dots touch;
    // classes by column parity. With the odd class hidden, the rest (10,585 points) is drawn by
    // one thread: every even point's pixels must be the same both times, and every odd
    // point must be drawn when shown.
    const int side = 145;
    auto cloud = std::make_shared<LatentCloud>();
    cloud->dim = 2;
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
            cloud->codes.insert(cloud->codes.end(), {float(x), float(y)});
            cloud->labels.push_back(uint8_t(x % 2));
        }
    cloud->trainCount = int64_t(cloud->labels.size());
    cloud->projection = LatentProjection::identity(2);
    cloud->xy = cloud->codes;
    REQUIRE(cloud->labels.size() >= 20000);

    LatentMapView map;
    map.resize(1500, 1500);
    map.show();
    REQUIRE(QTest::qWaitForWindowExposed(&map));
    map.setCloud(cloud, {"even", "odd"});
    map.replot();
    const QImage both = map.toPixmap().toImage();
    map.setClassVisible(1, false);
    map.replot();
    const QImage evenOnly = map.toPixmap().toImage();
    REQUIRE(both.size() == evenOnly.size());
    const QRect legend = map.legend->outerRect().adjusted(-4, -4, 4, 4);
    const QPoint a = map.positionOf(QPointF(0, 0)), b = map.positionOf(QPointF(1, 1));
    REQUIRE(std::abs(b.x() - a.x()) >= 7); // far enough apart that 7×7 windows hold one dot
    REQUIRE(std::abs(b.y() - a.y()) >= 7);

    int64_t compared = 0, sameAsAlone = 0, oddDrawn = 0, odd = 0;
    for (int64_t i = 0; i < int64_t(cloud->labels.size()); ++i) {
        const QPoint c = map.positionOf(QPointF(cloud->xy[size_t(2 * i)], cloud->xy[size_t(2 * i + 1)]));
        const QRect window(c - QPoint(3, 3), QSize(7, 7));
        if (window.intersects(legend) || !both.rect().contains(window))
            continue;
        bool same = true, differs = false;
        for (int y = window.top(); y <= window.bottom(); ++y)
            for (int x = window.left(); x <= window.right(); ++x) {
                same = same && both.pixel(x, y) == evenOnly.pixel(x, y);
                differs = differs || both.pixel(x, y) != evenOnly.pixel(x, y);
            }
        if (cloud->labels[size_t(i)] == 0) {
            ++compared;
            sameAsAlone += same;
        } else {
            ++odd;
            oddDrawn += differs;
        }
    }
    CHECK(compared > 9000);
    CHECK(sameAsAlone == compared);
    CHECK(odd > 9000);
    CHECK(oddDrawn == odd);
}

TEST_CASE("a point's dot drawn by the unrolled blend gives the same pixels as the general one", "[gui]")
{
    // Over a background of random premultiplied colours, dots of random colours and alpha, each
    // drawn both ways at the same place, over and over the same pixels.
    std::mt19937 rng(3);
    std::uniform_int_distribution<uint32_t> byte(0, 255);
    auto premultiplied = [&] {
        const uint32_t a = byte(rng);
        auto channel = [&] { return byte(rng) * a / 255; };
        return qRgba(int(channel()), int(channel()), int(channel()), int(a));
    };
    const int w = 9, h = 8;
    std::vector<QRgb> general(size_t(w * h)), unrolled;
    for (QRgb& p : general)
        p = premultiplied();
    unrolled = general;
    uint32_t dot[25];
    for (int i = 0; i < 25; ++i)
        dot[i] = lx::ui::kSmallDot[i / 5][i % 5];
    for (int i = 0; i < 200; ++i) {
        const int px = 2 + int(rng() % uint32_t(w - 4)), py = 2 + int(rng() % uint32_t(h - 4));
        const QRgb src = premultiplied();
        lx::ui::blendDot(general.data(), w, w, h, px, py, src, dot, 5);
        lx::ui::blendSmallDot(unrolled.data() + (py - 2) * w + px, w, src);
        REQUIRE(unrolled == general);
    }
    // A dot at the edge is clipped: only the pixels inside change.
    std::vector<QRgb> before = general;
    lx::ui::blendDot(general.data(), w, w, h, 0, 0, qRgba(255, 255, 255, 255), dot, 5);
    int changed = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            changed += general[size_t(y * w + x)] != before[size_t(y * w + x)];
    CHECK(changed <= 8); // of the dot's 21 pixels, the 8 at x, y >= 0 (its quarter and two edges)
    CHECK(changed >= 1);
}
