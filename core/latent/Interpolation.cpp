#include "latent/Interpolation.h"

#include "common/Error.h"

#include <algorithm>
#include <cmath>

namespace lx {

std::vector<float> interpolate(const std::vector<float>& a, const std::vector<float>& b, double t, PathKind kind)
{
    if (a.size() != b.size())
        throw Error("cannot interpolate between points of different sizes");
    std::vector<float> out(a.size());
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    na = std::sqrt(na);
    nb = std::sqrt(nb);
    const double cosine = (na > 0 && nb > 0) ? std::clamp(dot / (na * nb), -1.0, 1.0) : 1.0;
    const double theta = std::acos(cosine);
    if (kind == PathKind::Linear || theta < 1e-4 || std::abs(M_PI - theta) < 1e-4) {
        for (size_t i = 0; i < a.size(); ++i)
            out[i] = float((1 - t) * a[i] + t * b[i]);
        return out;
    }
    // Unit directions slerped, then scaled by the interpolated length.
    const double s = std::sin(theta);
    const double wa = std::sin((1 - t) * theta) / s, wb = std::sin(t * theta) / s;
    const double length = (1 - t) * na + t * nb;
    for (size_t i = 0; i < a.size(); ++i)
        out[i] = float(length * (wa * a[i] / na + wb * b[i] / nb));
    return out;
}

std::vector<float> interpolationPath(const std::vector<float>& a, const std::vector<float>& b, int count, PathKind kind)
{
    std::vector<float> path;
    count = std::max(2, count);
    path.reserve(size_t(count) * a.size());
    for (int k = 0; k < count; ++k) {
        const std::vector<float> p = interpolate(a, b, double(k) / (count - 1), kind);
        path.insert(path.end(), p.begin(), p.end());
    }
    return path;
}

} // namespace lx
