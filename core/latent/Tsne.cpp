#include "latent/Tsne.h"

#include "common/Error.h"
#include "latent/LatentProjection.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace lx {
namespace {

void checkCancel(const std::atomic<bool>* cancel)
{
    if (cancel && cancel->load(std::memory_order_relaxed))
        throw Cancelled();
}

// The k nearest neighbours of every point, exact, and their squared distances: count×k
// each, nearest first. Distances a block of rows at a time by one GEMM into a buffer that is
// reused (|x_j|² − 2 q·x_j; the row's own |q|² does not change its order and is added at the
// end); each row's k smallest picked with a bounded max-heap, rows in parallel.
void nearestNeighbours(const float* points, int64_t count, int dim, int k, std::vector<int64_t>& index,
                       std::vector<float>& distance2, const std::atomic<bool>* cancel)
{
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::from_blob(const_cast<float*>(points), {count, dim}, torch::kFloat32);
    const torch::Tensor norms = x.pow(2).sum(1);
    const float* norm = norms.data_ptr<float>();
    index.resize(size_t(count * k));
    distance2.resize(size_t(count * k));
    const int64_t block = std::min<int64_t>(count, 256);
    torch::Tensor d = torch::empty({block, count});
    for (int64_t start = 0; start < count; start += block) {
        checkCancel(cancel);
        const int64_t end = std::min(count, start + block);
        torch::Tensor rows = d.slice(0, 0, end - start);
        torch::addmm_out(rows, norms.unsqueeze(0), x.slice(0, start, end), x.t(), 1, -2);
        const float* dp = rows.data_ptr<float>();
        at::parallel_for(start, end, 8, [&](int64_t begin, int64_t stop) {
            std::vector<std::pair<float, int64_t>> heap;
            heap.reserve(size_t(k));
            for (int64_t i = begin; i < stop; ++i) {
                const float* row = dp + (i - start) * count;
                heap.clear();
                for (int64_t j = 0; j < count; ++j) {
                    if (j == i)
                        continue;
                    if (int64_t(heap.size()) < k) {
                        heap.emplace_back(row[j], j);
                        std::push_heap(heap.begin(), heap.end());
                    } else if (row[j] < heap.front().first) {
                        std::pop_heap(heap.begin(), heap.end());
                        heap.back() = {row[j], j};
                        std::push_heap(heap.begin(), heap.end());
                    }
                }
                std::sort_heap(heap.begin(), heap.end());
                for (int j = 0; j < k; ++j) {
                    distance2[size_t(i * k + j)] = std::max(0.0f, heap[size_t(j)].first + norm[i]);
                    index[size_t(i * k + j)] = heap[size_t(j)].second;
                }
            }
        });
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

void repulsionExact(const std::vector<double>& y, std::vector<double>& sumQ, std::vector<double>& force)
{
    const int64_t n = int64_t(y.size() / 2);
    sumQ.assign(size_t(n), 0.0);
    force.assign(y.size(), 0.0);
    at::parallel_for(0, n, 64, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
            for (int64_t j = 0; j < n; ++j) {
                if (j == i)
                    continue;
                const double dx = y[size_t(2 * i)] - y[size_t(2 * j)], dy = y[size_t(2 * i + 1)] - y[size_t(2 * j + 1)];
                const double q = 1.0 / (1.0 + dx * dx + dy * dy);
                sumQ[size_t(i)] += q;
                force[size_t(2 * i)] += q * q * dx;
                force[size_t(2 * i + 1)] += q * q * dy;
            }
    });
}

// The kernels K1 = 1/(1+d²) and K2 = K1² are smooth, so between two boxes of the map they are
// well represented by their values at a few points per box: the map's square is cut into
// boxes (1/boxesPerUnit wide, at least 50 a side), each with 3×3 equispaced nodes. Every
// point spreads its charges (1, x, y) onto the nodes of its box with Lagrange weights; the
// nodes' potentials are convolutions with K1 and K2 on an equispaced grid, done by FFT; each
// point reads its potentials back from the same nodes with the same weights. Then
// Σ_j q_ij = φ1 − 1 (less itself) and Σ_j q_ij²(y_i − y_j) = y_i·φ2 − (ψx, ψy).
void repulsionInterpolated(const std::vector<double>& y, std::vector<double>& sumQ, std::vector<double>& force,
                           double boxesPerUnit)
{
    constexpr int p = 3; // nodes per box and dimension
    const int64_t n = int64_t(y.size() / 2);
    sumQ.assign(size_t(n), 0.0);
    force.assign(y.size(), 0.0);
    if (n == 0)
        return;
    double minX = y[0], maxX = y[0], minY = y[1], maxY = y[1];
    for (int64_t i = 0; i < n; ++i) {
        minX = std::min(minX, y[size_t(2 * i)]);
        maxX = std::max(maxX, y[size_t(2 * i)]);
        minY = std::min(minY, y[size_t(2 * i + 1)]);
        maxY = std::max(maxY, y[size_t(2 * i + 1)]);
    }
    if (!std::all_of(y.begin(), y.end(), [](double v) { return std::isfinite(v); }))
        throw Error("t-SNE diverged: the map's coordinates are no longer finite");
    const double range = std::max({maxX - minX, maxY - minY, 1e-12}) * (1 + 1e-9);
    const int boxes = int(std::clamp(std::ceil(boxesPerUnit * range), 50.0, 1000.0));
    // Coordinates from the map's middle in the charges: y_i·φ2 − ψ cancels less that way.
    const double midX = (minX + maxX) / 2, midY = (minY + maxY) / 2;
    const double width = range / boxes, h = width / p; // box width, node spacing
    const int64_t nodes = int64_t(boxes) * p, padded = 2 * nodes;

    // Each point: its box's first node in x and y, and the three Lagrange weights per axis
    // for nodes at (m + ½)/p of the box.
    std::vector<int32_t> first(size_t(2 * n));
    std::vector<double> weight(size_t(2 * n * p));
    auto lagrange = [](double u, double* w) {
        const double t0 = 1.0 / 6, t1 = 0.5, t2 = 5.0 / 6;
        w[0] = (u - t1) * (u - t2) / ((t0 - t1) * (t0 - t2));
        w[1] = (u - t0) * (u - t2) / ((t1 - t0) * (t1 - t2));
        w[2] = (u - t0) * (u - t1) / ((t2 - t0) * (t2 - t1));
    };
    at::parallel_for(0, n, 1024, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
            for (int a = 0; a < 2; ++a) {
                const double rel = (y[size_t(2 * i + a)] - (a == 0 ? minX : minY)) / width;
                const int box = std::min(int(rel), boxes - 1);
                first[size_t(2 * i + a)] = box * p;
                lagrange(rel - box, weight.data() + (2 * i + a) * p);
            }
    });

    // Charges on the nodes: 1, x and y (3 × nodes × nodes, zero-padded to twice the size).
    // Single precision from here: the FFTs are 4× faster than in double, and the test holds.
    torch::Tensor charges = torch::zeros({3, padded, padded}, torch::kFloat32);
    {
        float* c = charges.data_ptr<float>();
        const int64_t plane = padded * padded;
        for (int64_t i = 0; i < n; ++i) {
            const double* wx = weight.data() + 2 * i * p;
            const double* wy = wx + p;
            const int64_t fx = first[size_t(2 * i)], fy = first[size_t(2 * i + 1)];
            for (int a = 0; a < p; ++a)
                for (int b = 0; b < p; ++b) {
                    const double w = wx[a] * wy[b];
                    const int64_t at = (fx + a) * padded + fy + b;
                    c[at] += float(w);
                    c[plane + at] += float(w * (y[size_t(2 * i)] - midX));
                    c[2 * plane + at] += float(w * (y[size_t(2 * i + 1)] - midY));
                }
        }
    }
    // The kernels over node offsets, laid out for a circular convolution of the padded size.
    torch::Tensor kernels = torch::empty({2, padded, padded}, torch::kFloat32);
    {
        float* k = kernels.data_ptr<float>();
        for (int64_t a = 0; a < padded; ++a)
            for (int64_t b = 0; b < padded; ++b) {
                const double dx = double(a < nodes ? a : padded - a) * h, dy = double(b < nodes ? b : padded - b) * h;
                const double k1 = 1.0 / (1.0 + dx * dx + dy * dy);
                k[a * padded + b] = float(k1);
                k[padded * padded + a * padded + b] = float(k1 * k1);
            }
    }
    torch::Tensor potentials;
    {
        torch::NoGradGuard noGrad;
        const torch::Tensor c = torch::fft::rfft2(charges), k = torch::fft::rfft2(kernels);
        // φ1 = K1∗1, φ2 = K2∗1, ψx = K2∗x, ψy = K2∗y
        const torch::Tensor products = torch::stack({c[0] * k[0], c[0] * k[1], c[1] * k[1], c[2] * k[1]});
        potentials = torch::fft::irfft2(products, torch::IntArrayRef{padded, padded})
                         .slice(1, 0, nodes)
                         .slice(2, 0, nodes)
                         .contiguous();
    }
    const float* phi = potentials.data_ptr<float>();
    const int64_t plane = nodes * nodes;
    at::parallel_for(0, n, 1024, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const double* wx = weight.data() + 2 * i * p;
            const double* wy = wx + p;
            const int64_t fx = first[size_t(2 * i)], fy = first[size_t(2 * i + 1)];
            double v[4] = {0, 0, 0, 0};
            for (int a = 0; a < p; ++a)
                for (int b = 0; b < p; ++b) {
                    const double w = wx[a] * wy[b];
                    const int64_t at = (fx + a) * nodes + fy + b;
                    for (int c = 0; c < 4; ++c)
                        v[c] += w * phi[c * plane + at];
                }
            sumQ[size_t(i)] = v[0] - 1.0;
            force[size_t(2 * i)] = (y[size_t(2 * i)] - midX) * v[1] - v[2];
            force[size_t(2 * i + 1)] = (y[size_t(2 * i + 1)] - midY) * v[1] - v[3];
        }
    });
}

std::vector<float> tsne(const float* points, int64_t count, int dim, const TsneOptions& o,
                        const std::function<void(double)>& progress, const std::atomic<bool>* cancel)
{
    if (count < 4)
        throw Error("t-SNE needs at least 4 points");
    if (!(o.perplexity >= 1) || o.iterations < 1 || !(o.theta >= 0))
        throw Error("t-SNE: perplexity must be at least 1, iterations at least 1, theta not negative");
    if (count > std::numeric_limits<int32_t>::max())
        throw Error("t-SNE: too many points");
    if (!std::all_of(points, points + count * dim, [](float v) { return std::isfinite(v); }))
        throw Error("t-SNE: some codes are NaN or infinite (did training diverge?)");
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
    // Symmetric joint affinities p_ij = (p_j|i + p_i|j) / 2N, as compressed sparse rows: each
    // row gets its own k entries and those of the rows that chose it, then duplicates merge.
    // Column indices as int32 and values as float keep 70,000 points' rows near 100 MB.
    std::vector<int64_t> rowStart(static_cast<size_t>(count + 1), 0);
    std::vector<int32_t> col;
    std::vector<float> val;
    {
        std::vector<int64_t> fill(static_cast<size_t>(count + 1), 0);
        for (int64_t i = 0; i < count; ++i) {
            fill[size_t(i + 1)] += k;
            for (int j = 0; j < k; ++j)
                ++fill[size_t(nn[size_t(i * k + j)] + 1)];
        }
        for (int64_t i = 0; i < count; ++i)
            fill[size_t(i + 1)] += fill[size_t(i)];
        std::vector<std::pair<int32_t, float>> entries(size_t(fill[size_t(count)]));
        std::vector<int64_t> next(fill.begin(), fill.end() - 1);
        for (int64_t i = 0; i < count; ++i)
            for (int j = 0; j < k; ++j) {
                const int64_t t = nn[size_t(i * k + j)];
                const float v = float(p[size_t(i * k + j)] / (2.0 * double(count)));
                entries[size_t(next[size_t(i)]++)] = {int32_t(t), v};
                entries[size_t(next[size_t(t)]++)] = {int32_t(i), v};
            }
        std::vector<int64_t>().swap(nn);
        std::vector<float>().swap(d2);
        std::vector<double>().swap(p);
        at::parallel_for(0, count, 1024, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i)
                std::sort(entries.begin() + fill[size_t(i)], entries.begin() + fill[size_t(i + 1)]);
        });
        col.reserve(entries.size());
        val.reserve(entries.size());
        for (int64_t i = 0; i < count; ++i) {
            for (int64_t a = fill[size_t(i)]; a < fill[size_t(i + 1)];) {
                int64_t b = a;
                float v = 0;
                while (b < fill[size_t(i + 1)] && entries[size_t(b)].first == entries[size_t(a)].first)
                    v += entries[size_t(b++)].second;
                col.push_back(entries[size_t(a)].first);
                val.push_back(v);
                a = b;
            }
            rowStart[size_t(i + 1)] = int64_t(col.size());
        }
        col.shrink_to_fit();
        val.shrink_to_fit();
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
        if (o.repulsion == TsneRepulsion::Interpolation) {
            repulsionInterpolated(y, sumQ, repel, o.boxesPerUnit);
        } else {
            const QuadTree tree(y);
            at::parallel_for(0, count, 512, [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) {
                    double s = 0, rx = 0, ry = 0;
                    tree.repulsion(i, o.theta, s, rx, ry);
                    sumQ[size_t(i)] = s;
                    repel[size_t(2 * i)] = rx;
                    repel[size_t(2 * i + 1)] = ry;
                }
            });
        }
        at::parallel_for(0, count, 512, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
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
            }
        });
        double z = 0; // the repulsion is divided by Z once all of it is known
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
