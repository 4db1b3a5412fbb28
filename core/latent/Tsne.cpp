#include "latent/Tsne.h"

#include "common/Error.h"
#include "latent/LatentProjection.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace lx {
namespace {

void checkCancel(const std::atomic<bool>* cancel)
{
    if (cancel && cancel->load(std::memory_order_relaxed))
        throw Cancelled();
}

// The k nearest neighbours of every point (exact, in chunks through LibTorch), and their
// squared distances: count×k each.
void nearestNeighbours(const float* points, int64_t count, int dim, int k, std::vector<int64_t>& index,
                       std::vector<float>& distance2, const std::atomic<bool>* cancel)
{
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::from_blob(const_cast<float*>(points), {count, dim}, torch::kFloat32);
    const torch::Tensor norms = x.pow(2).sum(1);
    index.resize(size_t(count * k));
    distance2.resize(size_t(count * k));
    for (int64_t start = 0; start < count; start += 1024) {
        checkCancel(cancel);
        const int64_t end = std::min(count, start + 1024);
        const torch::Tensor q = x.slice(0, start, end);
        // |q − x|² = |q|² − 2 q·x + |x|²; the point itself is set aside with +∞.
        torch::Tensor d = (norms.slice(0, start, end).unsqueeze(1) - 2 * q.mm(x.t()) + norms.unsqueeze(0)).clamp_min_(0);
        d.index_put_({torch::arange(end - start), torch::arange(start, end)}, std::numeric_limits<float>::infinity());
        const auto [values, indices] = d.topk(k, 1, /*largest=*/false, /*sorted=*/true);
        const torch::Tensor v = values.contiguous(), i = indices.contiguous();
        std::copy_n(v.data_ptr<float>(), v.numel(), distance2.data() + start * k);
        std::copy_n(i.data_ptr<int64_t>(), i.numel(), index.data() + start * k);
    }
}

// A quadtree over the map's points for the repulsive forces (Barnes-Hut).
class QuadTree {
public:
    explicit QuadTree(const std::vector<double>& y) : y_(y)
    {
        const size_t n = y.size() / 2;
        double minX = y[0], maxX = y[0], minY = y[1], maxY = y[1];
        for (size_t i = 0; i < n; ++i) {
            minX = std::min(minX, y[2 * i]);
            maxX = std::max(maxX, y[2 * i]);
            minY = std::min(minY, y[2 * i + 1]);
            maxY = std::max(maxY, y[2 * i + 1]);
        }
        const double half = std::max(maxX - minX, maxY - minY) / 2 + 1e-5;
        nodes_.reserve(4 * n);
        nodes_.push_back(Node{(minX + maxX) / 2, (minY + maxY) / 2, half});
        for (size_t i = 0; i < n; ++i)
            insert(0, int64_t(i), 0);
    }

    // Σ_j q_ij·Z (the normaliser's share) and Σ_j q_ij²·Z²·(y_i − y_j), for point i.
    void repulsion(int64_t i, double theta, double& sumQ, double& fx, double& fy) const
    {
        visit(0, i, theta * theta, sumQ, fx, fy);
    }

private:
    struct Node {
        double cx, cy, half;         // the square's centre and half side
        double mx = 0, my = 0;       // centre of mass (running sums until finished)
        int64_t count = 0;
        int64_t point = -1;          // a leaf's single point
        int32_t child = -1;          // index of the first of four children, or −1
    };

    void insert(int32_t at, int64_t i, int depth)
    {
        const double px = y_[2 * size_t(i)], py = y_[2 * size_t(i) + 1];
        while (true) {
            Node& n = nodes_[size_t(at)];
            n.mx += px;
            n.my += py;
            ++n.count;
            if (n.child < 0) {
                if (n.count == 1) {
                    n.point = i;
                    return;
                }
                if (depth > 40) // points on top of each other: keep them in one leaf
                    return;
                split(at);
                const int64_t old = nodes_[size_t(at)].point;
                nodes_[size_t(at)].point = -1;
                const int32_t c = quadrant(at, y_[2 * size_t(old)], y_[2 * size_t(old) + 1]);
                Node& child = nodes_[size_t(c)];
                child.mx += y_[2 * size_t(old)];
                child.my += y_[2 * size_t(old) + 1];
                child.count = 1;
                child.point = old;
            }
            at = quadrant(at, px, py);
            ++depth;
        }
    }

    void split(int32_t at)
    {
        const Node n = nodes_[size_t(at)];
        const double h = n.half / 2;
        nodes_[size_t(at)].child = int32_t(nodes_.size());
        for (int q = 0; q < 4; ++q)
            nodes_.push_back(Node{n.cx + (q & 1 ? h : -h), n.cy + (q & 2 ? h : -h), h});
    }

    int32_t quadrant(int32_t at, double x, double y) const
    {
        const Node& n = nodes_[size_t(at)];
        return n.child + (x >= n.cx ? 1 : 0) + (y >= n.cy ? 2 : 0);
    }

    void visit(int32_t at, int64_t i, double theta2, double& sumQ, double& fx, double& fy) const
    {
        const Node& n = nodes_[size_t(at)];
        if (n.count == 0 || (n.child < 0 && n.point == i && n.count == 1))
            return;
        const double px = y_[2 * size_t(i)], py = y_[2 * size_t(i) + 1];
        const double mx = n.mx / double(n.count), my = n.my / double(n.count);
        const double dx = px - mx, dy = py - my, d2 = dx * dx + dy * dy;
        const double side = 2 * n.half;
        if (n.child < 0 || side * side < theta2 * d2) {
            // A leaf (possibly several coincident points, one of them maybe i) or far enough
            // to stand for all its points.
            double m = double(n.count);
            if (n.child < 0 && d2 == 0)
                m -= 1; // i itself
            const double q = 1.0 / (1.0 + d2);
            sumQ += m * q;
            fx += m * q * q * dx;
            fy += m * q * q * dy;
            return;
        }
        for (int c = 0; c < 4; ++c)
            visit(n.child + c, i, theta2, sumQ, fx, fy);
    }

    const std::vector<double>& y_;
    std::vector<Node> nodes_;
};

} // namespace

std::vector<float> tsne(const float* points, int64_t count, int dim, const TsneOptions& o,
                        const std::function<void(double)>& progress, const std::atomic<bool>* cancel)
{
    if (count < 4)
        throw Error("t-SNE needs at least 4 points");
    if (!(o.perplexity >= 1) || o.iterations < 1 || !(o.theta >= 0))
        throw Error("t-SNE: perplexity must be at least 1, iterations at least 1, theta not negative");
    const int k = int(std::min<int64_t>(count - 1, int64_t(std::ceil(3 * o.perplexity))));
    std::vector<int64_t> nn;
    std::vector<float> d2;
    nearestNeighbours(points, count, dim, k, nn, d2, cancel);
    if (progress)
        progress(0.05);

    // Conditional affinities: per point a Gaussian whose entropy matches log(perplexity).
    std::vector<double> p(size_t(count * k));
    const double target = std::log(std::min<double>(o.perplexity, k));
    at::parallel_for(0, count, 256, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const float* di = d2.data() + i * k;
            double beta = 1, lo = 0, hi = std::numeric_limits<double>::infinity();
            double* pi = p.data() + i * k;
            for (int step = 0; step < 200; ++step) {
                double sum = 0, weighted = 0;
                for (int j = 0; j < k; ++j) {
                    pi[j] = std::exp(-beta * (di[j] - di[0])); // shifted for range; cancels below
                    sum += pi[j];
                    weighted += pi[j] * (di[j] - di[0]);
                }
                const double entropy = std::log(sum) + beta * weighted / sum;
                for (int j = 0; j < k; ++j)
                    pi[j] /= sum;
                if (std::abs(entropy - target) < 1e-5)
                    break;
                if (entropy > target) {
                    lo = beta;
                    beta = std::isinf(hi) ? beta * 2 : (beta + hi) / 2;
                } else {
                    hi = beta;
                    beta = (beta + lo) / 2;
                }
            }
        }
    });
    // Symmetric joint affinities p_ij = (p_j|i + p_i|j) / 2N, as sparse rows.
    std::vector<std::vector<std::pair<int64_t, double>>> rows(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i)
        for (int j = 0; j < k; ++j) {
            const int64_t t = nn[size_t(i * k + j)];
            const double v = p[size_t(i * k + j)] / (2.0 * double(count));
            rows[size_t(i)].emplace_back(t, v);
            rows[size_t(t)].emplace_back(i, v);
        }
    std::vector<int64_t> rowStart(static_cast<size_t>(count + 1), 0), col;
    std::vector<double> val;
    for (int64_t i = 0; i < count; ++i) {
        auto& r = rows[size_t(i)];
        std::sort(r.begin(), r.end());
        for (size_t a = 0; a < r.size();) {
            size_t b = a;
            double v = 0;
            while (b < r.size() && r[b].first == r[a].first)
                v += r[b++].second;
            col.push_back(r[a].first);
            val.push_back(v);
            a = b;
        }
        rowStart[size_t(i + 1)] = int64_t(col.size());
        r.clear();
        r.shrink_to_fit();
    }

    // Start from the principal components, scaled to a standard deviation of 1e-4.
    std::vector<double> y(static_cast<size_t>(2 * count));
    {
        const LatentProjection pca = LatentProjection::pca(points, count, dim);
        double s2 = 0;
        for (int64_t i = 0; i < count; ++i) {
            float a = 0, b = 0;
            if (dim >= 2)
                pca.project(points + i * dim, a, b);
            else
                a = points[i * dim];
            y[size_t(2 * i)] = a;
            y[size_t(2 * i + 1)] = b;
            s2 += double(a) * a;
        }
        const double scale = 1e-4 / std::max(std::sqrt(s2 / double(count)), 1e-12);
        std::mt19937_64 rng(o.seed);
        std::normal_distribution<double> jitter(0.0, 1e-6);
        for (double& v : y)
            v = v * scale + jitter(rng);
    }

    const double rate = o.learningRate > 0 ? o.learningRate : std::max(double(count) / o.exaggeration, 50.0);
    std::vector<double> velocity(y.size(), 0.0), gains(y.size(), 1.0), attract(y.size()), repel(y.size());
    std::vector<double> sumQ(static_cast<size_t>(count));
    for (int it = 0; it < o.iterations; ++it) {
        checkCancel(cancel);
        const double exaggeration = it < o.exaggerationIterations ? o.exaggeration : 1.0;
        const double momentum = it < o.exaggerationIterations ? 0.5 : 0.8;
        const QuadTree tree(y);
        at::parallel_for(0, count, 512, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                double s = 0, rx = 0, ry = 0;
                tree.repulsion(i, o.theta, s, rx, ry);
                sumQ[size_t(i)] = s;
                double ax = 0, ay = 0; // attraction: Σ_j p_ij q_ij Z (y_i − y_j)
                for (int64_t e = rowStart[size_t(i)]; e < rowStart[size_t(i + 1)]; ++e) {
                    const int64_t j = col[size_t(e)];
                    const double dx = y[size_t(2 * i)] - y[size_t(2 * j)], dy = y[size_t(2 * i + 1)] - y[size_t(2 * j + 1)];
                    const double w = val[size_t(e)] / (1.0 + dx * dx + dy * dy);
                    ax += w * dx;
                    ay += w * dy;
                }
                attract[size_t(2 * i)] = exaggeration * ax;
                attract[size_t(2 * i + 1)] = exaggeration * ay;
                repel[size_t(2 * i)] = rx; // divided by Z once all of Z is known
                repel[size_t(2 * i + 1)] = ry;
            }
        });
        double z = 0;
        for (double s : sumQ)
            z += s;
        z = std::max(z, 1e-12);
        // Finish the gradient 4·(attraction − repulsion/Z); gains and momentum as in bhtsne.
        for (size_t c = 0; c < y.size(); ++c) {
            const double g = 4.0 * (attract[c] - repel[c] / z);
            gains[c] = (g > 0) != (velocity[c] > 0) ? gains[c] + 0.2 : std::max(gains[c] * 0.8, 0.01);
            velocity[c] = momentum * velocity[c] - rate * gains[c] * g;
            y[c] += velocity[c];
        }
        if (progress && (it % 10 == 0 || it + 1 == o.iterations))
            progress(0.05 + 0.95 * double(it + 1) / double(o.iterations));
    }
    // Centre it.
    double mx = 0, my = 0;
    for (int64_t i = 0; i < count; ++i) {
        mx += y[size_t(2 * i)];
        my += y[size_t(2 * i + 1)];
    }
    mx /= double(count);
    my /= double(count);
    std::vector<float> out(y.size());
    for (int64_t i = 0; i < count; ++i) {
        out[size_t(2 * i)] = float(y[size_t(2 * i)] - mx);
        out[size_t(2 * i + 1)] = float(y[size_t(2 * i + 1)] - my);
    }
    return out;
}

double neighbourhoodPreservation(const float* high, int dim, const float* low, int64_t count, int k)
{
    std::vector<int64_t> a, b;
    std::vector<float> da, db;
    nearestNeighbours(high, count, dim, k, a, da, nullptr);
    nearestNeighbours(low, count, 2, k, b, db, nullptr);
    double kept = 0;
    for (int64_t i = 0; i < count; ++i) {
        std::vector<int64_t> x(a.begin() + i * k, a.begin() + (i + 1) * k), y(b.begin() + i * k, b.begin() + (i + 1) * k);
        std::sort(x.begin(), x.end());
        std::sort(y.begin(), y.end());
        std::vector<int64_t> both;
        std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(both));
        kept += double(both.size()) / k;
    }
    return kept / double(count);
}

} // namespace lx
