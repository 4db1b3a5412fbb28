#include "data/DrawingPreprocess.h"

#include <algorithm>
#include <cmath>

namespace lx {
namespace {

// Resamples a w×h float image to dw×dh by area averaging: every output pixel is the mean of
// the source area it covers, fractional pixels weighted by their coverage.
std::vector<float> resampleArea(const std::vector<float>& src, int w, int h, int dw, int dh)
{
    auto axisWeights = [](int from, int to) {
        // weights[o] = list of (source index, weight) covering output index o
        std::vector<std::vector<std::pair<int, float>>> weights(static_cast<size_t>(to));
        const double scale = double(from) / to;
        for (int o = 0; o < to; ++o) {
            const double a = o * scale, b = (o + 1) * scale;
            for (int s = int(std::floor(a)); s < std::min(from, int(std::ceil(b))); ++s) {
                const double cover = std::min<double>(b, s + 1) - std::max<double>(a, s);
                if (cover > 0)
                    weights[size_t(o)].push_back({s, float(cover / scale)});
            }
        }
        return weights;
    };
    const auto wx = axisWeights(w, dw), wy = axisWeights(h, dh);
    std::vector<float> rows(size_t(dw) * size_t(h), 0.f);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < dw; ++x) {
            float v = 0;
            for (const auto& [s, weight] : wx[size_t(x)])
                v += weight * src[size_t(y) * size_t(w) + size_t(s)];
            rows[size_t(y) * size_t(dw) + size_t(x)] = v;
        }
    std::vector<float> out(size_t(dw) * size_t(dh), 0.f);
    for (int y = 0; y < dh; ++y)
        for (int x = 0; x < dw; ++x) {
            float v = 0;
            for (const auto& [s, weight] : wy[size_t(y)])
                v += weight * rows[size_t(s) * size_t(dw) + size_t(x)];
            out[size_t(y) * size_t(dw) + size_t(x)] = v;
        }
    return out;
}

} // namespace

bool centreOfMass(const uint8_t* pixels, int width, int height, double& x, double& y)
{
    double total = 0, sx = 0, sy = 0;
    for (int r = 0; r < height; ++r)
        for (int c = 0; c < width; ++c) {
            const double v = pixels[size_t(r) * size_t(width) + size_t(c)];
            total += v;
            sx += v * (c + 0.5);
            sy += v * (r + 0.5);
        }
    if (total <= 0)
        return false;
    x = sx / total;
    y = sy / total;
    return true;
}

std::vector<uint8_t> preprocessDrawing(const uint8_t* pixels, int width, int height, int side, int box)
{
    std::vector<uint8_t> out(size_t(side) * size_t(side), 0);
    int left = width, right = -1, top = height, bottom = -1;
    for (int r = 0; r < height; ++r)
        for (int c = 0; c < width; ++c)
            if (pixels[size_t(r) * size_t(width) + size_t(c)] > 0) {
                left = std::min(left, c);
                right = std::max(right, c);
                top = std::min(top, r);
                bottom = std::max(bottom, r);
            }
    if (right < 0)
        return out;
    const int cw = right - left + 1, ch = bottom - top + 1;
    std::vector<float> crop(size_t(cw) * size_t(ch));
    for (int r = 0; r < ch; ++r)
        for (int c = 0; c < cw; ++c)
            crop[size_t(r) * size_t(cw) + size_t(c)] = pixels[size_t(top + r) * size_t(width) + size_t(left + c)];
    const double scale = double(box) / std::max(cw, ch);
    const int sw = std::max(1, int(std::lround(cw * scale))), sh = std::max(1, int(std::lround(ch * scale)));
    const std::vector<float> scaled = resampleArea(crop, cw, ch, sw, sh);

    // Where the scaled ink's centre of mass falls, then the integer shift that brings it to
    // the centre of the output (within half a pixel).
    double total = 0, mx = 0, my = 0;
    for (int r = 0; r < sh; ++r)
        for (int c = 0; c < sw; ++c) {
            const double v = scaled[size_t(r) * size_t(sw) + size_t(c)];
            total += v;
            mx += v * (c + 0.5);
            my += v * (r + 0.5);
        }
    if (total <= 0)
        return out;
    const int dx = int(std::lround(side / 2.0 - mx / total));
    const int dy = int(std::lround(side / 2.0 - my / total));
    for (int r = 0; r < sh; ++r)
        for (int c = 0; c < sw; ++c) {
            const int x = c + dx, y = r + dy;
            if (x >= 0 && y >= 0 && x < side && y < side)
                out[size_t(y) * size_t(side) + size_t(x)] =
                    uint8_t(std::clamp(std::lround(scaled[size_t(r) * size_t(sw) + size_t(c)]), 0L, 255L));
        }
    return out;
}

} // namespace lx
