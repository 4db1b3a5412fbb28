#include "latent/Tsne.h"

#include "common/Error.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace lx {
namespace {

// The axis-aligned box around a map's points (count×2, at least one point).
struct Bounds {
    double minX, maxX, minY, maxY;
};

Bounds boundsOf(const std::vector<double>& y)
{
    Bounds b{y[0], y[0], y[1], y[1]};
    for (size_t i = 0; i < y.size() / 2; ++i) {
        b.minX = std::min(b.minX, y[2 * i]);
        b.maxX = std::max(b.maxX, y[2 * i]);
        b.minY = std::min(b.minY, y[2 * i + 1]);
        b.maxY = std::max(b.maxY, y[2 * i + 1]);
    }
    return b;
}

// The first box count from `least` on whose FFTs (6 × boxes a side) are quick: 6 × boxes with
// no prime factor above 5 and at most one factor of 5, since PocketFFT's radix-2 and -3
// passes beat its radix-5 and odd-prime ones. A 906-wide transform (boxes 151, a
// prime) took 2.7× as long as a 960-wide one.
int fastFftBoxes(int least)
{
    for (int b = least;; ++b) {
        int m = 6 * b, fives = 0;
        for (int f : {2, 3, 5})
            while (m % f == 0) {
                m /= f;
                fives += f == 5;
            }
        if (m == 1 && fives <= 1)
            return b;
    }
}

// f applied to each plane of x (planes × rows × columns), stacked: the planes shared among the
// threads, since LibTorch's FFTs (PocketFFT) run on one thread, which left the other core
// waiting through half of a late t-SNE iteration.
template <class F>
torch::Tensor byPlanes(const torch::Tensor& x, F f)
{
    std::vector<torch::Tensor> out(size_t(x.size(0)));
    at::parallel_for(0, x.size(0), 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
            out[size_t(i)] = f(x[i]);
    });
    return torch::stack(out);
}

// A quadtree over the map's points for the repulsive forces (Barnes-Hut).
class QuadTree {
public:
    explicit QuadTree(const std::vector<double>& y) : y_(y)
    {
        const size_t n = y.size() / 2;
        const Bounds b = boundsOf(y);
        const double half = std::max(b.maxX - b.minX, b.maxY - b.minY) / 2 + 1e-5;
        nodes_.reserve(4 * n);
        nodes_.push_back(Node{(b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2, half});
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
    if (!std::all_of(y.begin(), y.end(), [](double v) { return std::isfinite(v); }))
        throw Error("t-SNE diverged: the map's coordinates are no longer finite");
    const Bounds box = boundsOf(y);
    const double minX = box.minX, maxX = box.maxX, minY = box.minY, maxY = box.maxY;
    const double range = std::max({maxX - minX, maxY - minY, 1e-12}) * (1 + 1e-9);
    const int boxes = fastFftBoxes(int(std::clamp(std::ceil(boxesPerUnit * range), 50.0, 1000.0)));
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
        at::parallel_for(0, padded, 64, [&](int64_t begin, int64_t end) {
            for (int64_t a = begin; a < end; ++a)
                for (int64_t b = 0; b < padded; ++b) {
                    const double dx = double(a < nodes ? a : padded - a) * h, dy = double(b < nodes ? b : padded - b) * h;
                    const double k1 = 1.0 / (1.0 + dx * dx + dy * dy);
                    k[a * padded + b] = float(k1);
                    k[padded * padded + a * padded + b] = float(k1 * k1);
                }
        });
    }
    torch::Tensor potentials;
    {
        torch::NoGradGuard noGrad;
        const torch::Tensor c = byPlanes(charges, [](const torch::Tensor& x) { return torch::fft::rfft2(x); });
        const torch::Tensor k = byPlanes(kernels, [](const torch::Tensor& x) { return torch::fft::rfft2(x); });
        // φ1 = K1∗1, φ2 = K2∗1, ψx = K2∗x, ψy = K2∗y
        const torch::Tensor products = torch::stack({c[0] * k[0], c[0] * k[1], c[1] * k[1], c[2] * k[1]});
        potentials = byPlanes(products, [&](const torch::Tensor& x) {
            return torch::fft::irfft2(x, torch::IntArrayRef{padded, padded}).slice(0, 0, nodes).slice(1, 0, nodes);
        });
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

void repulsionBarnesHut(const std::vector<double>& y, double theta, std::vector<double>& sumQ, std::vector<double>& force)
{
    const int64_t n = int64_t(y.size() / 2);
    sumQ.assign(size_t(n), 0.0);
    force.assign(y.size(), 0.0);
    if (n == 0)
        return;
    const QuadTree tree(y);
    at::parallel_for(0, n, 512, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
            tree.repulsion(i, theta, sumQ[size_t(i)], force[size_t(2 * i)], force[size_t(2 * i + 1)]);
    });
}

} // namespace lx
