#include "controllers/MapShapes.h"

#include <cmath>

namespace lx::ui {

std::vector<QPointF> toPoints(const std::vector<float>& xy)
{
    std::vector<QPointF> points;
    points.reserve(xy.size() / 2);
    for (size_t i = 0; i + 1 < xy.size(); i += 2)
        points.emplace_back(xy[i], xy[i + 1]);
    return points;
}

QPointF projected(const LatentProjection& projection, const std::vector<float>& z)
{
    float x = 0, y = 0;
    projection.project(z.data(), x, y);
    return QPointF(x, y);
}

std::vector<QPointF> sigmaEllipse(const LatentProjection& projection, const std::vector<float>& mu,
                                  const std::vector<float>& logVar)
{
    if (logVar.size() != mu.size() || mu.empty() || projection.isNeighbourhood())
        return {};
    std::vector<float> variance(logVar.size());
    for (size_t i = 0; i < logVar.size(); ++i)
        variance[i] = std::exp(logVar[i]);
    const QPointF c = projected(projection, mu);
    double xx = 0, xy = 0, yy = 0;
    projection.projectCovariance(variance.data(), xx, xy, yy);
    return toPoints(covarianceEllipse(c.x(), c.y(), xx, xy, yy, 1.0));
}

} // namespace lx::ui
