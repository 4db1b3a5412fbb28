#include "data/Deskew.h"

#include "data/DrawingPreprocess.h"

#include <algorithm>
#include <cmath>

namespace lx {

namespace {

void deskewInto(const uint8_t* in, int rows, int cols, uint8_t* out)
{
    double x, y; // pixel centres at +0.5
    if (!centreOfMass(in, cols, rows, x, y)) {
        std::fill(out, out + size_t(rows) * size_t(cols), uint8_t(0));
        return;
    }
    const double meanR = y - 0.5, meanC = x - 0.5;
    double varR = 0, cov = 0;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            const double v = in[r * cols + c];
            varR += v * (r - meanR) * (r - meanR);
            cov += v * (r - meanR) * (c - meanC);
        }
    // A single row of ink has no slant to undo.
    const double slant = varR > 0 ? cov / varR : 0.0;
    // Output (r, c) takes the input at the same height from the centre of mass, along the
    // slant, so that the ink's centre of mass lands at the image's centre (linear between
    // pixels in both directions).
    const double centreR = (rows - 1) / 2.0, centreC = (cols - 1) / 2.0;
    const auto at = [&](int r, int c) -> double {
        return r >= 0 && r < rows && c >= 0 && c < cols ? double(in[r * cols + c]) : 0.0;
    };
    for (int r = 0; r < rows; ++r) {
        const double srcR = r - centreR + meanR;
        const int r0 = int(std::floor(srcR));
        const double fr = srcR - r0;
        for (int c = 0; c < cols; ++c) {
            const double srcC = c - centreC + meanC + slant * (r - centreR);
            const int c0 = int(std::floor(srcC));
            const double fc = srcC - c0;
            const double v = (1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c0 + 1))
                             + fr * ((1 - fc) * at(r0 + 1, c0) + fc * at(r0 + 1, c0 + 1));
            out[r * cols + c] = uint8_t(std::clamp(std::lround(v), 0L, 255L));
        }
    }
}

} // namespace

std::vector<uint8_t> deskewedImage(const uint8_t* pixels, int rows, int cols)
{
    std::vector<uint8_t> out(size_t(rows) * size_t(cols));
    deskewInto(pixels, rows, cols, out.data());
    return out;
}

std::vector<uint8_t> deskewedImages(const uint8_t* pixels, int64_t count, int rows, int cols)
{
    const size_t size = size_t(rows) * size_t(cols);
    std::vector<uint8_t> out(size_t(count) * size);
    for (int64_t i = 0; i < count; ++i)
        deskewInto(pixels + size_t(i) * size, rows, cols, out.data() + size_t(i) * size);
    return out;
}

} // namespace lx
