#include "latent/LatentProjection.h"

#include "latent/Sampling.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace lx {

LatentProjection LatentProjection::identity(int dim)
{
    LatentProjection p;
    p.dim_ = dim;
    p.identity_ = true;
    return p;
}

namespace {

constexpr int kNeighbours = 8;

// The k nearest of the points (rows of `dim` values) to `q`, with inverse-distance weights
// summing to 1 (an exact hit takes all the weight).
std::vector<std::pair<size_t, double>> nearestWeighted(const std::vector<float>& points, int dim, const double* q)
{
    std::vector<std::pair<size_t, double>> weighted;
    double total = 0;
    for (const auto& [d2, i] : kNearest(points.data(), int64_t(points.size() / size_t(dim)), dim, q, kNeighbours)) {
        if (d2 == 0)
            return {{size_t(i), 1.0}};
        const double w = 1.0 / std::sqrt(d2);
        weighted.emplace_back(size_t(i), w);
        total += w;
    }
    for (auto& [i, w] : weighted)
        w /= total;
    return weighted;
}

} // namespace

LatentProjection LatentProjection::neighbours(std::vector<float> codes, std::vector<float> xy, int dim, std::string method)
{
    LatentProjection p;
    p.dim_ = dim;
    p.method_ = std::move(method);
    p.identity_ = false;
    auto points = std::make_shared<Points>();
    points->codes = std::move(codes);
    points->xy = std::move(xy);
    p.points_ = std::move(points);
    return p;
}

LatentProjection LatentProjection::pca(const float* codes, long long count, int dim)
{
    if (dim <= 2 || count < 3)
        return identity(dim);
    torch::NoGradGuard noGrad;
    const torch::Tensor z = torch::from_blob(const_cast<float*>(codes), {count, dim}, torch::kFloat32).to(torch::kFloat64);
    const torch::Tensor mean = z.mean(0);
    // The principal axes are the covariance's eigenvectors of the two largest eigenvalues
    // (eigh sorts ascending). D×D, so this costs one pass over the codes however many there are.
    const torch::Tensor centred = z - mean;
    const torch::Tensor covariance = centred.transpose(0, 1).mm(centred);
    const torch::Tensor v = std::get<1>(torch::linalg::eigh(covariance, "L"));
    torch::Tensor axes = torch::stack({v.select(1, dim - 1), v.select(1, dim - 2)}, 1).contiguous();
    // Fix each axis's sign (largest component positive) so the map does not flip between updates.
    for (int k = 0; k < 2; ++k) {
        const torch::Tensor col = axes.select(1, k);
        if (col[col.abs().argmax()].item<double>() < 0)
            col.neg_();
    }
    LatentProjection p;
    p.dim_ = dim;
    p.identity_ = false;
    const torch::Tensor m = mean.to(torch::kFloat32).contiguous();
    const torch::Tensor a = axes.to(torch::kFloat32).transpose(0, 1).contiguous();
    p.mean_.assign(m.data_ptr<float>(), m.data_ptr<float>() + dim);
    p.axisX_.assign(a.data_ptr<float>(), a.data_ptr<float>() + dim);
    p.axisY_.assign(a.data_ptr<float>() + dim, a.data_ptr<float>() + 2 * dim);
    return p;
}

void LatentProjection::project(const float* z, float& x, float& y) const
{
    if (points_) {
        std::vector<double> q(z, z + dim_);
        double sx = 0, sy = 0;
        for (const auto& [i, w] : nearestWeighted(points_->codes, dim_, q.data())) {
            sx += w * points_->xy[2 * i];
            sy += w * points_->xy[2 * i + 1];
        }
        x = float(sx);
        y = float(sy);
        return;
    }
    if (identity_) {
        x = dim_ >= 1 ? z[0] : 0.f;
        y = dim_ >= 2 ? z[1] : 0.f;
        return;
    }
    double sx = 0, sy = 0;
    for (int i = 0; i < dim_; ++i) {
        const double c = double(z[i]) - mean_[size_t(i)];
        sx += c * axisX_[size_t(i)];
        sy += c * axisY_[size_t(i)];
    }
    x = float(sx);
    y = float(sy);
}

std::vector<float> LatentProjection::unproject(double x, double y) const
{
    std::vector<float> z(size_t(dim_), 0.f);
    if (points_) {
        const double q[2] = {x, y};
        std::vector<double> sum(size_t(dim_), 0.0);
        for (const auto& [i, w] : nearestWeighted(points_->xy, 2, q))
            for (int c = 0; c < dim_; ++c)
                sum[size_t(c)] += w * points_->codes[i * size_t(dim_) + size_t(c)];
        for (int c = 0; c < dim_; ++c)
            z[size_t(c)] = float(sum[size_t(c)]);
        return z;
    }
    if (identity_) {
        if (dim_ >= 1)
            z[0] = float(x);
        if (dim_ >= 2)
            z[1] = float(y);
        return z;
    }
    for (size_t i = 0; i < z.size(); ++i)
        z[i] = float(mean_[i] + x * axisX_[i] + y * axisY_[i]);
    return z;
}

std::vector<float> LatentProjection::projectAll(const std::vector<float>& codes) const
{
    const size_t n = dim_ > 0 ? codes.size() / size_t(dim_) : 0;
    std::vector<float> xy(2 * n);
    for (size_t i = 0; i < n; ++i)
        project(codes.data() + i * size_t(dim_), xy[2 * i], xy[2 * i + 1]);
    return xy;
}

} // namespace lx

namespace lx {

void LatentProjection::projectCovariance(const float* variance, double& xx, double& xy, double& yy) const
{
    if (points_) { // no linear map to carry a covariance through
        xx = xy = yy = 0.0;
        return;
    }
    if (identity_) {
        xx = dim_ >= 1 ? variance[0] : 0.0;
        yy = dim_ >= 2 ? variance[1] : 0.0;
        xy = 0.0;
        return;
    }
    xx = xy = yy = 0.0;
    for (int i = 0; i < dim_; ++i) {
        const double v = variance[i], ax = axisX_[size_t(i)], ay = axisY_[size_t(i)];
        xx += ax * v * ax;
        xy += ax * v * ay;
        yy += ay * v * ay;
    }
}

std::vector<float> covarianceEllipse(double cx, double cy, double xx, double xy, double yy, double k, int count)
{
    // C = R diag(λ1, λ2) Rᵀ; the contour is c + k·R·(√λ1 cos t, √λ2 sin t).
    const double trace = xx + yy, det = xx * yy - xy * xy;
    const double root = std::sqrt(std::max(0.0, trace * trace / 4 - det));
    const double l1 = std::max(0.0, trace / 2 + root), l2 = std::max(0.0, trace / 2 - root);
    const double angle = 0.5 * std::atan2(2 * xy, xx - yy);
    const double c = std::cos(angle), s = std::sin(angle);
    std::vector<float> out;
    for (int i = 0; i <= count; ++i) {
        const double t = 2 * M_PI * i / count;
        const double u = k * std::sqrt(l1) * std::cos(t), v = k * std::sqrt(l2) * std::sin(t);
        out.push_back(float(cx + c * u - s * v));
        out.push_back(float(cy + s * u + c * v));
    }
    return out;
}

} // namespace lx
