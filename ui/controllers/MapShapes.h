#pragma once

#include "latent/LatentProjection.h"

#include <QPointF>

#include <vector>

namespace lx::ui {

// Flat x, y, x, y, … (core's form) as map points.
std::vector<QPointF> toPoints(const std::vector<float>& xy);

// Where a code lands on the map's plane.
QPointF projected(const LatentProjection& projection, const std::vector<float>& z);

// The 1-σ ellipse of a VAE's posterior N(μ, diag σ²) on the map's plane; empty when there is
// no σ or the map has no linear projection to carry a covariance (t-SNE).
std::vector<QPointF> sigmaEllipse(const LatentProjection& projection, const std::vector<float>& mu,
                                  const std::vector<float>& logVar);

} // namespace lx::ui
