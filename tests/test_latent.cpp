#include "TestSupport.h"

#include "data/Deskew.h"
#include "data/DrawingPreprocess.h"
#include "latent/Interpolation.h"
#include "common/Error.h"
#include "latent/Arithmetic.h"
#include "latent/LatentProjection.h"
#include "latent/Sampling.h"
#include "latent/Neighbours.h"
#include "latent/Tsne.h"
#include "latent/Umap.h"

#include <catch2/catch.hpp>

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <random>

using namespace lx;

TEST_CASE("a drawing is cropped, scaled to 20 px and centred by its centre of mass in 28x28", "[latent][draw]")
{
    // A lopsided L in the top-left corner of a large canvas.
    const int w = 280, h = 280;
    std::vector<uint8_t> canvas(size_t(w * h), 0);
    for (int y = 10; y < 150; ++y)
        for (int x = 20; x < 40; ++x)
            canvas[size_t(y * w + x)] = 255; // vertical bar
    for (int y = 130; y < 150; ++y)
        for (int x = 20; x < 100; ++x)
            canvas[size_t(y * w + x)] = 255; // foot
    const std::vector<uint8_t> out = preprocessDrawing(canvas.data(), w, h);
    REQUIRE(out.size() == 28 * 28);
    double cx = 0, cy = 0;
    REQUIRE(centreOfMass(out.data(), 28, 28, cx, cy));
    CHECK(std::abs(cx - 14.0) <= 1.0);
    CHECK(std::abs(cy - 14.0) <= 1.0);
    // The longer side (140 px tall) became 20 px.
    int top = 28, bottom = -1;
    for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x)
            if (out[size_t(y * 28 + x)] > 0) {
                top = std::min(top, y);
                bottom = std::max(bottom, y);
            }
    CHECK(bottom - top + 1 == 20);
    // Anti-aliased edges: some grey values, not only black and white.
    CHECK(std::any_of(out.begin(), out.end(), [](uint8_t v) { return v > 0 && v < 255; }));
}

TEST_CASE("an empty drawing gives a black image", "[latent][draw]")
{
    std::vector<uint8_t> canvas(100 * 100, 0);
    const std::vector<uint8_t> out = preprocessDrawing(canvas.data(), 100, 100);
    CHECK(std::all_of(out.begin(), out.end(), [](uint8_t v) { return v == 0; }));
    double x, y;
    CHECK_FALSE(centreOfMass(out.data(), 28, 28, x, y));
}

namespace {

// The ink's slant (column against row: covariance over the rows' variance) and its centre of mass.
void inkMoments(const std::vector<uint8_t>& image, double& slant, double& row, double& col)
{
    double mass = 0, sr = 0, sc = 0;
    for (int r = 0; r < 28; ++r)
        for (int c = 0; c < 28; ++c) {
            mass += image[size_t(r * 28 + c)];
            sr += r * double(image[size_t(r * 28 + c)]);
            sc += c * double(image[size_t(r * 28 + c)]);
        }
    row = sr / mass;
    col = sc / mass;
    double var = 0, cov = 0;
    for (int r = 0; r < 28; ++r)
        for (int c = 0; c < 28; ++c) {
            var += (r - row) * (r - row) * image[size_t(r * 28 + c)];
            cov += (r - row) * (c - col) * image[size_t(r * 28 + c)];
        }
    slant = cov / var;
}

// A stroke 3 px wide from row 4 to row 23, leaning by `lean` columns a row, centred at column `at`.
std::vector<uint8_t> stroke(double lean, double at)
{
    std::vector<uint8_t> image(28 * 28, 0);
    for (int r = 4; r <= 23; ++r)
        for (int c = 0; c < 28; ++c)
            if (std::abs(c - (at + lean * (r - 13.5))) <= 1.0)
                image[size_t(r * 28 + c)] = 255;
    return image;
}

} // namespace

TEST_CASE("deskewing stands a leaning stroke upright at the centre and leaves an upright centred one as it is",
          "[latent][draw]")
{
    double slant, row, col;
    const std::vector<uint8_t> leaning = stroke(0.4, 10.0);
    inkMoments(leaning, slant, row, col);
    REQUIRE(slant == Approx(0.4).margin(0.05));
    REQUIRE(col < 11);
    const std::vector<uint8_t> straight = deskewedImage(leaning.data(), 28, 28);
    inkMoments(straight, slant, row, col);
    CHECK(std::abs(slant) < 0.03);
    CHECK(row == Approx(13.5).margin(0.2));
    CHECK(col == Approx(13.5).margin(0.2));
    // Every inked row's ink sits within a pixel of the centre column.
    for (int r = 5; r <= 22; ++r) {
        double mass = 0, sum = 0;
        for (int c = 0; c < 28; ++c) {
            mass += straight[size_t(r * 28 + c)];
            sum += c * double(straight[size_t(r * 28 + c)]);
        }
        INFO("row " << r);
        REQUIRE(mass > 0);
        CHECK(std::abs(sum / mass - 13.5) < 1.0);
    }
    // Upright and centred already: the same image, pixel for pixel.
    std::vector<uint8_t> upright(28 * 28, 0);
    for (int r = 4; r <= 23; ++r)
        for (int c = 12; c <= 15; ++c)
            upright[size_t(r * 28 + c)] = 200;
    CHECK(deskewedImage(upright.data(), 28, 28) == upright);
    // Black stays black; a batch is each image on its own.
    const std::vector<uint8_t> black(28 * 28, 0);
    CHECK(deskewedImage(black.data(), 28, 28) == black);
    std::vector<uint8_t> both = leaning;
    both.insert(both.end(), black.begin(), black.end());
    std::vector<uint8_t> expected = straight;
    expected.insert(expected.end(), black.begin(), black.end());
    CHECK(deskewedImages(both.data(), 2, 28, 28) == expected);
}

TEST_CASE("linear and spherical interpolation start at A, end at B and differ in between", "[latent]")
{
    const std::vector<float> a = {3.f, 0.f, 0.f}, b = {0.f, 4.f, 0.f};
    for (PathKind kind : {PathKind::Linear, PathKind::Spherical}) {
        const auto start = interpolate(a, b, 0, kind), end = interpolate(a, b, 1, kind);
        for (size_t i = 0; i < 3; ++i) {
            CHECK(start[i] == Approx(a[i]).margin(1e-5));
            CHECK(end[i] == Approx(b[i]).margin(1e-5));
        }
    }
    const auto lin = interpolate(a, b, 0.5, PathKind::Linear);
    CHECK(lin[0] == Approx(1.5f));
    CHECK(lin[1] == Approx(2.0f));
    // Slerp keeps the length interpolated (3.5 at the middle), lerp cuts the corner (2.5).
    const auto sl = interpolate(a, b, 0.5, PathKind::Spherical);
    CHECK(std::hypot(sl[0], sl[1]) == Approx(3.5f));
    CHECK(std::hypot(lin[0], lin[1]) == Approx(2.5f));
    const auto path = interpolationPath(a, b, 5, PathKind::Linear);
    REQUIRE(path.size() == 15);
    CHECK(path[3 * 2 + 0] == Approx(1.5f)); // the middle of 5 points is t = 0.5
}

TEST_CASE("PCA projection: unproject of an in-plane point returns it, and projection round-trips", "[latent]")
{
    // Codes in 8-D that lie on a tilted plane plus a little noise off it.
    std::mt19937 rng(3);
    std::normal_distribution<float> big(0, 5), small(0, 0.01f);
    const int n = 500, d = 8;
    std::vector<float> u = {1, 2, 0, -1, 0, 1, 0, 0}, v = {0, 1, -1, 0, 2, 0, 1, 0};
    std::vector<float> codes;
    for (int i = 0; i < n; ++i) {
        const float s = big(rng), t = big(rng);
        for (int k = 0; k < d; ++k)
            codes.push_back(2.f + s * u[size_t(k)] + t * v[size_t(k)] + small(rng));
    }
    const LatentProjection p = LatentProjection::pca(codes.data(), n, d);
    REQUIRE_FALSE(p.isIdentity());
    for (double x : {-3.0, 0.0, 7.5})
        for (double y : {-2.0, 4.0}) {
            const std::vector<float> z = p.unproject(x, y);
            float px = 0, py = 0;
            p.project(z.data(), px, py);
            CHECK(px == Approx(x).margin(1e-4));
            CHECK(py == Approx(y).margin(1e-4));
        }
    // Data near the plane comes back close to itself.
    const std::vector<float> xy = p.projectAll(codes);
    const std::vector<float> back = p.unproject(xy[0], xy[1]);
    for (int k = 0; k < d; ++k)
        CHECK(back[size_t(k)] == Approx(codes[size_t(k)]).margin(0.1));
}

TEST_CASE("for two dimensions the projection is the latent space itself", "[latent]")
{
    const std::vector<float> codes = {1, 2, 3, 4, 5, 6};
    const LatentProjection p = LatentProjection::pca(codes.data(), 3, 2);
    CHECK(p.isIdentity());
    CHECK(p.projectAll(codes) == codes);
    CHECK(p.unproject(-1.5, 2.5) == std::vector<float>{-1.5f, 2.5f});
}

TEST_CASE("random latent points: the prior, the data's box, and how far they land from the data", "[latent][samples]")
{
    // The prior: mean about 0, variance about 1, same seed → same points.
    const std::vector<float> prior = samplePrior(4000, 2, 7);
    REQUIRE(prior.size() == 8000);
    double mean = 0, var = 0;
    for (float v : prior)
        mean += v;
    mean /= double(prior.size());
    for (float v : prior)
        var += (v - mean) * (v - mean);
    var /= double(prior.size());
    CHECK(std::abs(mean) < 0.05);
    CHECK(std::abs(var - 1.0) < 0.08);
    CHECK(samplePrior(10, 2, 7) == std::vector<float>(prior.begin(), prior.begin() + 20));
    CHECK(samplePrior(10, 2, 8) != samplePrior(10, 2, 7));

    // Two tight clusters far apart: the box spans both, so most box samples fall in the gap.
    std::vector<float> codes;
    std::mt19937_64 rng(3);
    std::normal_distribution<float> jitter(0.0f, 0.05f);
    for (int i = 0; i < 300; ++i) {
        const float cx = i % 2 ? 10.0f : -10.0f;
        codes.push_back(cx + jitter(rng));
        codes.push_back(jitter(rng));
    }
    const std::vector<float> box = sampleBox(codes, 2, 200, 5);
    REQUIRE(box.size() == 400);
    float minX = 1e9f, maxX = -1e9f;
    for (size_t i = 0; i < box.size(); i += 2) {
        minX = std::min(minX, box[i]);
        maxX = std::max(maxX, box[i]);
    }
    CHECK(minX >= -10.3f);
    CHECK(maxX <= 10.3f);
    CHECK(maxX - minX > 15.0f);

    const float far = neighbourDistanceQuantile(codes, 2, 0.95);
    CHECK(far > 0.0f);
    CHECK(far < 0.5f);
    const std::vector<float> distances = nearestDistances(codes, 2, box);
    const auto away = std::count_if(distances.begin(), distances.end(), [&](float x) { return x > far; });
    CHECK(away > 150); // the gap is most of the box

    // A data point itself is at distance 0; a known query at a known distance.
    CHECK(nearestDistances(codes, 2, {codes[0], codes[1]})[0] == 0.0f);
    const std::vector<float> line = {0, 0, 3, 4};
    CHECK(nearestDistances(line, 2, {6, 8})[0] == Approx(5.0f));
    CHECK_THROWS_AS(sampleBox({}, 2, 3, 1), Error);
}

TEST_CASE("a Gaussian's spread projects onto the map's plane, and its contour is the right ellipse", "[latent][ellipse]")
{
    // D = 2: the variances themselves.
    const LatentProjection flat = LatentProjection::identity(2);
    const float var2[2] = {4.0f, 0.25f};
    double xx = 0, xy = 0, yy = 0;
    flat.projectCovariance(var2, xx, xy, yy);
    CHECK(xx == Approx(4.0));
    CHECK(yy == Approx(0.25));
    CHECK(xy == Approx(0.0));
    const std::vector<float> e = covarianceEllipse(1.0, -1.0, xx, xy, yy, 1.0, 4);
    REQUIRE(e.size() == 10);
    // Axis-aligned: at t = 0 the point is c + (2, 0), at t = π/2 it is c + (0, 0.5).
    CHECK(e[0] == Approx(3.0f));
    CHECK(e[1] == Approx(-1.0f));
    CHECK(e[2] == Approx(1.0f).margin(1e-5));
    CHECK(e[3] == Approx(-0.5f));

    // D = 5: A·diag(v)·Aᵀ, checked against the matrices.
    std::mt19937 rng(4);
    std::normal_distribution<float> normal;
    std::vector<float> codes(500 * 5);
    for (size_t i = 0; i < codes.size(); ++i)
        codes[i] = normal(rng) * float(1 + i % 5);
    const LatentProjection pca = LatentProjection::pca(codes.data(), 500, 5);
    const std::vector<float> variance = {0.5f, 1.0f, 2.0f, 0.1f, 3.0f};
    pca.projectCovariance(variance.data(), xx, xy, yy);
    // The axes, recovered through unproject: A's columns are unproject(1,0) − unproject(0,0).
    const std::vector<float> o = pca.unproject(0, 0), ex = pca.unproject(1, 0), ey = pca.unproject(0, 1);
    double axx = 0, axy = 0, ayy = 0;
    for (int i = 0; i < 5; ++i) {
        const double ax = ex[size_t(i)] - o[size_t(i)], ay = ey[size_t(i)] - o[size_t(i)];
        axx += ax * variance[size_t(i)] * ax;
        axy += ax * variance[size_t(i)] * ay;
        ayy += ay * variance[size_t(i)] * ay;
    }
    CHECK(xx == Approx(axx).epsilon(1e-4));
    CHECK(xy == Approx(axy).margin(1e-4));
    CHECK(yy == Approx(ayy).epsilon(1e-4));
    // Every contour point is at Mahalanobis distance k from the centre.
    const std::vector<float> contour = covarianceEllipse(0.3, 0.7, xx, xy, yy, 2.0);
    const double det = xx * yy - xy * xy;
    for (size_t i = 0; i < contour.size(); i += 2) {
        const double dx = contour[i] - 0.3, dy = contour[i + 1] - 0.7;
        const double m2 = (yy * dx * dx - 2 * xy * dx * dy + xx * dy * dy) / det;
        CHECK(std::sqrt(m2) == Approx(2.0).epsilon(1e-3));
    }
}

TEST_CASE("class means and moving a code towards another class", "[latent][arithmetic]")
{
    // Two classes around (0, 0) and (4, 2); class 2 has no codes.
    const std::vector<float> codes = {-1, 0, 1, 0, 0, 1, 0, -1, 3, 2, 5, 2, 4, 1, 4, 3};
    const std::vector<uint8_t> labels = {0, 0, 0, 0, 1, 1, 1, 1};
    const auto means = classMeans(codes.data(), labels.data(), 8, 2, 3);
    REQUIRE(means.size() == 3);
    CHECK(means[0] == std::vector<float>{0, 0});
    CHECK(means[1] == std::vector<float>{4, 2});
    CHECK(means[2].empty());
    // A point of class 0 moved all the way "towards 1" lands where class 1 is.
    CHECK(moveAlong({-1, 0}, means[0], means[1], 1.0) == std::vector<float>{3, 2});
    CHECK(moveAlong({-1, 0}, means[0], means[1], 0.5) == std::vector<float>{1, 1});
    CHECK(moveAlong({-1, 0}, means[0], means[1], 0.0) == std::vector<float>{-1, 0});
    CHECK_THROWS_AS(moveAlong({1, 2, 3}, means[0], means[1], 1.0), Error);
}

TEST_CASE("t-SNE's interpolated repulsion matches the exact sums, on tight and on spread-out maps", "[latent][tsne]")
{
    // Clusters of different sizes, as a map looks early (everything within 1e-3) and late
    // (clusters tens of units apart); the interpolation changes its grid with the map's size.
    std::mt19937 rng(4);
    std::normal_distribution<double> normal;
    for (double scale : {1e-3, 1.0, 10.0}) {
        INFO("map scale " << scale);
        std::vector<double> y;
        for (int c = 0; c < 7; ++c) {
            const double cx = scale * 3 * normal(rng), cy = scale * 3 * normal(rng), spread = scale * (0.2 + 0.2 * c);
            for (int i = 0; i < 150 + 40 * c; ++i) {
                y.push_back(cx + spread * normal(rng));
                y.push_back(cy + spread * normal(rng));
            }
        }
        std::vector<double> qExact, fExact;
        repulsionExact(y, qExact, fExact);
        double zExact = 0, typical = 0;
        for (size_t i = 0; i < qExact.size(); ++i) {
            zExact += qExact[i];
            typical += std::hypot(fExact[2 * i], fExact[2 * i + 1]) / double(qExact.size());
        }
        // What the interpolation gets wrong: Z (the gradient's normaliser) relative to Z, and
        // the forces' root-mean-square error relative to the mean force. With the default grid
        // (one box per unit) that is FIt-SNE's accuracy; twice as fine is ~10× better.
        auto errors = [&](double boxesPerUnit) {
            std::vector<double> q, f;
            repulsionInterpolated(y, q, f, boxesPerUnit);
            REQUIRE(q.size() == qExact.size());
            REQUIRE(f.size() == fExact.size());
            double z = 0, sq = 0;
            for (size_t i = 0; i < q.size(); ++i) {
                z += q[i];
                sq += std::pow(f[2 * i] - fExact[2 * i], 2) + std::pow(f[2 * i + 1] - fExact[2 * i + 1], 2);
            }
            return std::make_pair(std::abs(z - zExact) / zExact, std::sqrt(sq / double(q.size())) / typical);
        };
        const auto [zDefault, fDefault] = errors(TsneOptions().boxesPerUnit);
        CHECK(zDefault < 5e-3);
        CHECK(fDefault < 0.06);
        const auto [zFine, fFine] = errors(2.0);
        CHECK(zFine < 5e-4);
        CHECK(fFine < 0.01);
        // Barnes-Hut: exact when every cell is opened (θ = 0), close at the usual θ = 0.5.
        auto barnesHut = [&](double theta) {
            std::vector<double> q, f;
            repulsionBarnesHut(y, theta, q, f);
            double z = 0, sq = 0;
            for (size_t i = 0; i < q.size(); ++i) {
                z += q[i];
                sq += std::pow(f[2 * i] - fExact[2 * i], 2) + std::pow(f[2 * i + 1] - fExact[2 * i + 1], 2);
            }
            return std::make_pair(std::abs(z - zExact) / zExact, std::sqrt(sq / double(q.size())) / typical);
        };
        const auto [zExactTree, fExactTree] = barnesHut(0.0);
        CHECK(zExactTree < 1e-9);
        CHECK(fExactTree < 1e-9);
        const auto [zTree, fTree] = barnesHut(0.5);
        CHECK(zTree < 0.01);
        CHECK(fTree < 0.1);
    }
}

TEST_CASE("t-SNE refuses codes that are not finite, and a map that is not", "[latent][tsne]")
{
    std::vector<float> points(40, 1.0f);
    for (size_t i = 0; i < points.size(); ++i)
        points[i] = float(i % 7);
    points[13] = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_AS(tsne(points.data(), 20, 2, TsneOptions()), Error);
    points[13] = 1.0f;
    CHECK(tsne(points.data(), 20, 2, TsneOptions()).size() == 40);
    std::vector<double> y(40, 0.5), q, f;
    y[7] = std::numeric_limits<double>::infinity();
    CHECK_THROWS_AS(repulsionInterpolated(y, q, f, 1.0), Error);
}

TEST_CASE("t-SNE keeps neighbours together on a clustered set, far better than chance", "[latent][tsne]")
{
    // Six tight clusters in 10-D, 80 points each, at random centres.
    std::mt19937 rng(9);
    std::normal_distribution<float> normal;
    const int d = 10, clusters = 6, per = 80;
    const int64_t n = clusters * per;
    std::vector<float> centres(size_t(clusters * d)), points;
    std::vector<uint8_t> labels;
    for (float& c : centres)
        c = 8.0f * normal(rng);
    for (int c = 0; c < clusters; ++c)
        for (int i = 0; i < per; ++i) {
            for (int k = 0; k < d; ++k)
                points.push_back(centres[size_t(c * d + k)] + normal(rng));
            labels.push_back(uint8_t(c));
        }
    TsneOptions options;
    options.iterations = 400;
    std::vector<double> reported;
    const std::vector<float> map = tsne(points.data(), n, d, options, [&](double f) { reported.push_back(f); });
    REQUIRE(map.size() == size_t(2 * n));
    CHECK(std::all_of(map.begin(), map.end(), [](float v) { return std::isfinite(v); }));
    // Progress goes up to 1.
    REQUIRE_FALSE(reported.empty());
    CHECK(std::is_sorted(reported.begin(), reported.end()));
    CHECK(reported.back() == Approx(1.0));

    // Neighbourhoods: chance keeps 10/479 ≈ 0.02 of each point's 10 nearest; t-SNE most of them
    // within a cluster (which of the 79 others are nearest is noise).
    const double kept = neighbourhoodPreservation(points.data(), d, map.data(), n, 10);
    INFO("neighbourhood preservation " << kept);
    CHECK(kept > 0.25);
    // And clusters stay apart: each point's nearest map neighbour is of its own cluster.
    const double random = neighbourhoodPreservation(points.data(), d, std::vector<float>(size_t(2 * n), 0.0f).data(), n, 10);
    CHECK(random < kept);
    int sameCluster = 0;
    for (int64_t i = 0; i < n; ++i) {
        double best = 1e30;
        int64_t nearest = -1;
        for (int64_t j = 0; j < n; ++j) {
            if (j == i)
                continue;
            const double dx = map[size_t(2 * i)] - map[size_t(2 * j)], dy = map[size_t(2 * i + 1)] - map[size_t(2 * j + 1)];
            if (dx * dx + dy * dy < best) {
                best = dx * dx + dy * dy;
                nearest = j;
            }
        }
        sameCluster += labels[size_t(nearest)] == labels[size_t(i)];
    }
    CHECK(sameCluster > 0.97 * double(n));

    // The same seed gives the same map; another seed another one.
    options.iterations = 60;
    options.seed = 3;
    const std::vector<float> once = tsne(points.data(), n, d, options), again = tsne(points.data(), n, d, options);
    CHECK(once == again);
    options.seed = 4;
    CHECK(tsne(points.data(), n, d, options) != once);

    // Cancel: gives up with Cancelled.
    std::atomic<bool> cancel{true};
    CHECK_THROWS_AS(tsne(points.data(), n, d, options, {}, &cancel), Cancelled);
}

TEST_CASE("a neighbourhood map sends data points both ways exactly and others by their neighbours", "[latent][tsne]")
{
    const std::vector<float> codes = {0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 10};
    const std::vector<float> xy = {0, 0, 1, 0, 0, 1, 1, 1};
    const LatentProjection p = LatentProjection::neighbours(codes, xy, 3);
    CHECK(p.isNeighbourhood());
    CHECK_FALSE(p.isExact());
    float x = 0, y = 0;
    p.project(codes.data() + 3, x, y);
    CHECK(x == 1.0f);
    CHECK(y == 0.0f);
    CHECK(p.unproject(0, 1) == std::vector<float>{0, 10, 0});
    // Half-way between two data points on the map: the average of their codes (equal weights
    // from the two nearest, smaller ones from the rest, all inverse-distance).
    const std::vector<float> mid = p.unproject(0.5, 0.0);
    const double near = 1 / 0.5, far = 1 / std::sqrt(1.25), total = 2 * near + 2 * far;
    CHECK(mid[0] == Approx(10 * near / total));
    CHECK(mid[1] == Approx(10 * far / total));
    CHECK(mid[2] == Approx(10 * far / total));
    double xx = 1, xyc = 1, yy = 1;
    p.projectCovariance(codes.data(), xx, xyc, yy);
    CHECK(xx == 0);
}

TEST_CASE("off the data means where the decoder never saw codes, in any number of dimensions", "[latent]")
{
    std::mt19937_64 rng(5);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    auto fraction = [](const std::vector<bool>& v) { return double(std::count(v.begin(), v.end(), true)) / double(v.size()); };

    SECTION("a plain autoencoder in 2-D: the gap between two clusters is off, the clusters are on")
    {
        std::vector<float> codes;
        for (int i = 0; i < 1000; ++i) { // 800 training codes, then 200 held-out ones
            codes.push_back((i % 2 ? 5.0f : -5.0f) + 0.3f * normal(rng));
            codes.push_back(0.3f * normal(rng));
        }
        const OffDataTest off = offDataTest(codes, {}, 800, 2);
        CHECK_FALSE(off.posterior);
        CHECK(off({0.0f, 0.0f, -5.0f, 0.1f, 5.0f, -0.2f, 0.0f, 3.0f}) == std::vector<bool>{true, false, false, true});
    }
    SECTION("a VAE whose posteriors fill its prior: prior samples are on the data, even in 8-D")
    {
        // Means N(0, 0.5²) and σ² = 0.75 in every dimension: the draws the decoder was trained
        // on are N(0, 0.25 + 0.75) = N(0, I), the prior itself.
        const int d = 8, count = 4000, train = 3200;
        std::vector<float> mu(size_t(count * d)), logVar(size_t(count * d), std::log(0.75f));
        for (float& m : mu)
            m = 0.5f * normal(rng);
        const std::vector<float> prior = samplePrior(400, d, 3);
        const double vaeOff = fraction(offDataTest(mu, logVar, train, d)(prior));
        CHECK(vaeOff < 0.1);
        // Judged by the means alone (what the decoder of a plain AE would have seen), most of
        // the same samples are off: the means fill a smaller ball than the prior.
        const double meansOff = fraction(offDataTest(mu, {}, train, d)(prior));
        CHECK(meansOff > 0.5);
        // The old rule (farther than 99 % of training codes are from their nearest neighbour)
        // called most of them off too: the contradiction the lecture's VAE lesson hit.
        const float old = neighbourDistanceQuantile(mu.data(), train, d, 0.99, 200);
        int oldOff = 0;
        for (float distance : nearestDistances(mu.data(), train, d, prior))
            oldOff += distance > old;
        CHECK(oldOff > 200);
    }
    SECTION("without held-out codes, the training codes' own neighbour distances are the measure")
    {
        std::vector<float> codes;
        for (int i = 0; i < 300; ++i) {
            codes.push_back(normal(rng));
            codes.push_back(normal(rng));
        }
        const OffDataTest off = offDataTest(codes, {}, 300, 2);
        CHECK(off.threshold == Approx(neighbourDistanceQuantile(codes, 2, 0.99, 400)));
        CHECK(off({0.0f, 0.0f, 40.0f, 40.0f}) == std::vector<bool>{false, true});
    }
}

// --- UMAP --------------------------------------------------------------------------------

namespace {

// `clusters` tight Gaussian clusters of `per` points in `d` dimensions at random centres.
std::vector<float> clusteredPoints(int clusters, int per, int d, uint32_t seed, std::vector<uint8_t>& labels)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    std::vector<float> centres(size_t(clusters * d)), points;
    for (float& c : centres)
        c = 8.0f * normal(rng);
    labels.clear();
    for (int c = 0; c < clusters; ++c)
        for (int i = 0; i < per; ++i) {
            for (int k = 0; k < d; ++k)
                points.push_back(centres[size_t(c * d + k)] + normal(rng));
            labels.push_back(uint8_t(c));
        }
    return points;
}

} // namespace

TEST_CASE("the exact neighbour search finds what comparing every pair finds, across its tiles and blocks", "[latent]")
{
    // 5,000 points: more columns than one tile (4,096), rows not a multiple of a tile (32) or
    // a block (1,024).
    const int64_t n = 5000;
    const int d = 5, k = 7;
    std::mt19937 rng(11);
    std::normal_distribution<float> normal;
    std::vector<float> points(size_t(n * d));
    for (float& v : points)
        v = normal(rng);
    std::vector<int64_t> index;
    std::vector<float> d2;
    std::vector<double> reported;
    nearestNeighbours(points.data(), n, d, k, index, d2, nullptr, [&](double f) { reported.push_back(f); });
    REQUIRE(index.size() == size_t(n * k));
    CHECK(reported.size() == 5); // one report a block of 1,024 rows
    int64_t wrong = 0;
    for (int64_t i = 0; i < n; i += 7) {
        std::vector<std::pair<double, int64_t>> all;
        for (int64_t j = 0; j < n; ++j) {
            if (j == i)
                continue;
            double s = 0;
            for (int c = 0; c < d; ++c)
                s += std::pow(double(points[size_t(i * d + c)]) - points[size_t(j * d + c)], 2);
            all.emplace_back(s, j);
        }
        std::partial_sort(all.begin(), all.begin() + k, all.end());
        for (int j = 0; j < k; ++j) {
            wrong += index[size_t(i * k + j)] != all[size_t(j)].second;
            CHECK(d2[size_t(i * k + j)] == Approx(all[size_t(j)].first).epsilon(1e-5));
        }
    }
    CHECK(wrong == 0);
}

TEST_CASE("UMAP's graph: each row's memberships sum to log2 k, and their union is symmetric with weights from 0 to 1",
          "[latent][umap]")
{
    std::vector<uint8_t> labels;
    const int d = 6, k = 10;
    const std::vector<float> points = clusteredPoints(4, 50, d, 3, labels);
    const int64_t n = int64_t(labels.size());

    std::vector<int64_t> index;
    std::vector<float> d2;
    nearestNeighbours(points.data(), n, d, k, index, d2);
    std::vector<float> distance(d2.size());
    std::transform(d2.begin(), d2.end(), distance.begin(), [](float v) { return std::sqrt(v); });
    const std::vector<float> membership = fuzzyMemberships(distance, n, k);
    for (int64_t i = 0; i < n; ++i) {
        double sum = 0;
        for (int j = 0; j < k; ++j) {
            const float w = membership[size_t(i * k + j)];
            CHECK(w > 0);
            CHECK(w <= 1);
            sum += w;
        }
        CHECK(sum == Approx(std::log2(double(k))).epsilon(1e-3));
        CHECK(membership[size_t(i * k)] == 1.0f); // the nearest neighbour: fully a member
    }

    const FuzzyGraph g = fuzzyGraph(points.data(), n, d, k);
    REQUIRE(g.count == n);
    REQUIRE(g.rowStart.size() == size_t(n + 1));
    auto weightOf = [&](int64_t i, int64_t j) {
        for (int64_t e = g.rowStart[size_t(i)]; e < g.rowStart[size_t(i + 1)]; ++e)
            if (g.column[size_t(e)] == j)
                return double(g.weight[size_t(e)]);
        return 0.0;
    };
    int64_t edges = 0;
    for (int64_t i = 0; i < n; ++i) {
        CHECK(g.rowStart[size_t(i + 1)] - g.rowStart[size_t(i)] >= k); // its own k at least
        for (int64_t e = g.rowStart[size_t(i)]; e < g.rowStart[size_t(i + 1)]; ++e, ++edges) {
            const int64_t j = g.column[size_t(e)];
            CHECK(j != i);
            CHECK(g.weight[size_t(e)] > 0);
            CHECK(g.weight[size_t(e)] <= 1);
            CHECK(weightOf(j, i) == double(g.weight[size_t(e)]));
        }
    }
    // The fuzzy union of one pair: a + b − ab of the two directed memberships.
    const int64_t j = index[0];
    double back = 0;
    for (int t = 0; t < k; ++t)
        if (index[size_t(j * k + t)] == 0)
            back = membership[size_t(j * k + t)];
    CHECK(weightOf(0, j) == Approx(membership[0] + back - membership[0] * back));
    CHECK(edges < int64_t(2 * n * k));
}

TEST_CASE("UMAP's curve fit and its edge gradients match finite differences", "[latent][umap]")
{
    double a = 0, b = 0;
    fitUmapCurve(0.1, 1.0, a, b);
    // umap-learn's find_ab_params(1.0, 0.1): a ≈ 1.577, b ≈ 0.895.
    CHECK(a == Approx(1.577).epsilon(0.01));
    CHECK(b == Approx(0.895).epsilon(0.01));
    // The fitted curve follows its target: ≈ 1 inside min_dist, exp(−(d − min_dist)) beyond.
    for (double dist : {0.5, 1.0, 2.0}) {
        const double q = 1.0 / (1.0 + a * std::pow(dist, 2 * b));
        CHECK(q == Approx(std::exp(-(dist - 0.1))).margin(0.05));
    }
    double a2 = 0, b2 = 0;
    fitUmapCurve(0.5, 1.0, a2, b2);
    CHECK(a2 < a); // a larger min_dist: a flatter curve near 0

    // ∂loss/∂y_i = c·(y_i − y_j): compare with central differences of the loss in y_i.
    for (const bool attract : {true, false})
        for (const double dist : {0.3, 1.0, 2.5}) {
            const double yi[2] = {dist * 0.6, dist * 0.8}, yj[2] = {0, 0};
            const double c = umapEdgeGradient(dist * dist, a, b, attract);
            for (int axis = 0; axis < 2; ++axis) {
                const double h = 1e-6;
                double plus[2] = {yi[0], yi[1]}, minus[2] = {yi[0], yi[1]};
                plus[axis] += h;
                minus[axis] -= h;
                const double lp = umapEdgeLoss(plus[0] * plus[0] + plus[1] * plus[1], a, b, attract);
                const double lm = umapEdgeLoss(minus[0] * minus[0] + minus[1] * minus[1], a, b, attract);
                const double numeric = (lp - lm) / (2 * h);
                INFO((attract ? "attract" : "repel") << " at distance " << dist << ", axis " << axis);
                // The negative's 0.001 (umap-learn's) makes it exact only far from 0.
                CHECK(c * (yi[axis] - yj[axis]) == Approx(numeric).epsilon(attract ? 1e-5 : 0.02));
            }
        }
    CHECK(umapEdgeGradient(1.0, a, b, true) > 0);  // an edge pulls together
    CHECK(umapEdgeGradient(1.0, a, b, false) < 0); // a negative pushes apart
}

TEST_CASE("UMAP keeps clusters apart, the same for a seed on any number of threads, and can be cancelled",
          "[latent][umap]")
{
    std::vector<uint8_t> labels;
    const int d = 10;
    const std::vector<float> points = clusteredPoints(6, 80, d, 9, labels);
    const int64_t n = int64_t(labels.size());
    UmapOptions options;
    options.epochs = 200;
    std::vector<double> reported;
    const std::vector<float> map = umap(points.data(), n, d, options, [&](double f) { reported.push_back(f); });
    REQUIRE(map.size() == size_t(2 * n));
    CHECK(std::all_of(map.begin(), map.end(), [](float v) { return std::isfinite(v); }));
    REQUIRE_FALSE(reported.empty());
    CHECK(std::is_sorted(reported.begin(), reported.end()));
    CHECK(reported.back() == Approx(1.0));

    // Each point's nearest map neighbour is of its own cluster, and its 10 nearest are far
    // more often its 10 nearest in 10-D than chance (10/479) keeps them.
    int same = 0;
    for (int64_t i = 0; i < n; ++i) {
        double best = 1e30;
        int64_t nearest = -1;
        for (int64_t j = 0; j < n; ++j) {
            const double dx = map[size_t(2 * i)] - map[size_t(2 * j)], dy = map[size_t(2 * i + 1)] - map[size_t(2 * j + 1)];
            if (j != i && dx * dx + dy * dy < best) {
                best = dx * dx + dy * dy;
                nearest = j;
            }
        }
        same += labels[size_t(nearest)] == labels[size_t(i)];
    }
    CHECK(same > 0.97 * double(n));
    const double kept = neighbourhoodPreservation(points.data(), d, map.data(), n, 10);
    INFO("neighbourhood preservation " << kept);
    CHECK(kept > 0.2);

    // Seeded: the same map again, on one thread as on two; another seed, another map.
    options.epochs = 50;
    options.seed = 3;
    const int threads = at::get_num_threads();
    at::set_num_threads(1);
    const std::vector<float> one = umap(points.data(), n, d, options);
    at::set_num_threads(2);
    const std::vector<float> two = umap(points.data(), n, d, options);
    at::set_num_threads(threads);
    CHECK(one == two);
    options.seed = 4;
    CHECK(umap(points.data(), n, d, options) != one);

    std::atomic<bool> cancel{true};
    CHECK_THROWS_AS(umap(points.data(), n, d, options, {}, &cancel), Cancelled);
    std::vector<float> bad = points;
    bad[7] = std::nanf("");
    CHECK_THROWS_WITH(umap(bad.data(), n, d, options), Catch::Contains("NaN"));
}

TEST_CASE("UMAP of images from their bytes, reduced a chunk at a time, is UMAP of them as floats",
          "[latent][umap]")
{
    // More images than one chunk (4,096), wider than the reduction's threshold (64 values).
    const Dataset images = test::syntheticDataset(4500, 3, 12); // 144 pixels each
    const int dim = images.rows * images.cols;
    std::vector<float> floats(images.pixels.size());
    for (size_t i = 0; i < floats.size(); ++i)
        floats[i] = float(images.pixels[i]) / 255.0f;
    UmapOptions options;
    options.epochs = 30;
    const std::vector<float> fromBytes = umapOfImages(images.pixels.data(), images.count, dim, options);
    const std::vector<float> fromFloats = umap(floats.data(), images.count, dim, options);
    REQUIRE(fromBytes.size() == fromFloats.size());
    // The principal components summed in another order differ in their last bits; the
    // neighbours found, and so the layout, do not (or by a hair).
    float worst = 0;
    for (size_t i = 0; i < fromBytes.size(); ++i)
        worst = std::max(worst, std::abs(fromBytes[i] - fromFloats[i]));
    INFO("largest difference " << worst);
    CHECK(worst < 1e-2f);
    // With a gamma, UMAP of the values raised to it: a layout of its own.
    // (Raised by the same vectorised power as inside: std::pow differs in the last bit here and
    // there, which changes near-tied neighbours and so the whole layout.)
    const torch::Tensor powered = torch::from_blob(floats.data(), {int64_t(floats.size())}, torch::kFloat32).pow(0.4);
    const std::vector<float> gammaBytes = umapOfImages(images.pixels.data(), images.count, dim, options, {}, nullptr, 0.4);
    const std::vector<float> gammaFloats = umap(powered.data_ptr<float>(), images.count, dim, options);
    REQUIRE(gammaBytes.size() == gammaFloats.size());
    float worstGamma = 0, apart = 0;
    for (size_t i = 0; i < gammaBytes.size(); ++i) {
        worstGamma = std::max(worstGamma, std::abs(gammaBytes[i] - gammaFloats[i]));
        apart = std::max(apart, std::abs(gammaBytes[i] - fromBytes[i]));
    }
    INFO("largest difference " << worstGamma << ", from the layout without gamma " << apart);
    CHECK(worstGamma < 1e-2f);
    CHECK(apart > 0.1f);
    for (const double bad : {0.0, -1.0, std::nan("")})
        CHECK_THROWS_WITH(umapOfImages(images.pixels.data(), images.count, dim, options, {}, nullptr, bad),
                          Catch::Contains("gamma"));
    std::atomic<bool> cancel{true};
    CHECK_THROWS_AS(umapOfImages(images.pixels.data(), images.count, dim, options, {}, &cancel), Cancelled);
}

TEST_CASE("UMAP refuses settings it cannot use, naming them", "[latent][umap]")
{
    const std::vector<float> points(200, 1.0f);
    auto refused = [&](UmapOptions o, const char* words) {
        INFO(words);
        CHECK_THROWS_WITH(umap(points.data(), 100, 2, o), Catch::Contains(words));
    };
    UmapOptions o;
    o.neighbours = 1;
    refused(o, "neighbours");
    o = UmapOptions();
    o.minDist = 0;
    refused(o, "min_dist");
    o.minDist = 1.5;
    refused(o, "min_dist");
    o = UmapOptions();
    o.learningRate = -1;
    refused(o, "learning rate");
    o = UmapOptions();
    o.neighbours = 150; // more than the points
    refused(o, "more points than neighbours");
}
