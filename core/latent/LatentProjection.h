#pragma once

#include <memory>
#include <string>
#include <vector>

namespace lx {

// Maps D-dimensional codes to the map's plane and plane points back to codes. For D = 2 the
// plane is the latent space itself; for D > 2 it is the plane through the codes' mean spanned
// by their two principal axes, so unproject(project(z)) = z for every z on that plane and a
// hover decodes exactly the plane's point. A neighbourhood map (t-SNE) has no formula either
// way: a code goes where its nearest embedded codes went, and a plane point back to the
// codes of its nearest embedded points (both weighted by inverse distance). Torch-free:
// widgets use it directly.
class LatentProjection {
public:
    LatentProjection() = default;
    static LatentProjection identity(int dim);
    // Principal axes of `count` codes (count×dim, row-major); identity when dim <= 2.
    static LatentProjection pca(const float* codes, long long count, int dim);
    // For a map placed by a neighbourhood embedding: `codes` (count×dim) sit at `xy` (count×2).
    // `method` names the embedding for people ("t-SNE", "UMAP"): the map's axes say it.
    static LatentProjection neighbours(std::vector<float> codes, std::vector<float> xy, int dim,
                                       std::string method = "t-SNE");
    const std::string& neighbourhoodMethod() const { return method_; }

    bool isNeighbourhood() const { return bool(points_); }
    bool isExact() const { return !points_; } // unproject(project(z)) = z on the plane

    int dim() const { return dim_; }
    bool isIdentity() const { return identity_; }
    void project(const float* z, float& x, float& y) const;
    std::vector<float> unproject(double x, double y) const;
    std::vector<float> projectAll(const std::vector<float>& codes) const; // N×2

    // The plane's 2×2 covariance of a Gaussian with diagonal covariance `variance` (dim values):
    // A·diag(variance)·Aᵀ, A the plane's two axes (for D = 2, the variances themselves).
    void projectCovariance(const float* variance, double& xx, double& xy, double& yy) const;

private:
    int dim_ = 0;
    bool identity_ = true;
    std::vector<float> mean_, axisX_, axisY_;
    std::string method_; // neighbourhood maps only
    struct Points {
        std::vector<float> codes, xy;
    };
    std::shared_ptr<const Points> points_; // neighbourhood maps only (shared: copies are cheap)
};

// `count` points (x, y, x, y, …) on the ellipse {p : (p − c)ᵀ C⁻¹ (p − c) = k²}: the k-sigma
// contour of a 2-D Gaussian with mean c and covariance C = [[xx, xy], [xy, yy]].
std::vector<float> covarianceEllipse(double cx, double cy, double xx, double xy, double yy, double k, int count = 72);

} // namespace lx
