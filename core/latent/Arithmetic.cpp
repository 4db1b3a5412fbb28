#include "latent/Arithmetic.h"

#include "common/Error.h"

namespace lx {

std::vector<std::vector<float>> classMeans(const float* codes, const uint8_t* labels, int64_t count, int dim,
                                           int classes)
{
    std::vector<std::vector<double>> sums(size_t(classes), std::vector<double>(size_t(dim), 0.0));
    std::vector<int64_t> counts(size_t(classes), 0);
    for (int64_t i = 0; i < count; ++i) {
        const int label = labels[i];
        if (label >= classes)
            continue;
        ++counts[size_t(label)];
        for (int k = 0; k < dim; ++k)
            sums[size_t(label)][size_t(k)] += codes[i * dim + k];
    }
    std::vector<std::vector<float>> means(static_cast<size_t>(classes));
    for (int c = 0; c < classes; ++c)
        if (counts[size_t(c)] > 0)
            for (int k = 0; k < dim; ++k)
                means[size_t(c)].push_back(float(sums[size_t(c)][size_t(k)] / double(counts[size_t(c)])));
    return means;
}

std::vector<float> moveAlong(const std::vector<float>& z, const std::vector<float>& from, const std::vector<float>& to,
                             double strength)
{
    if (from.size() != z.size() || to.size() != z.size())
        throw Error("latent arithmetic: the codes have different sizes");
    std::vector<float> out(z.size());
    for (size_t k = 0; k < z.size(); ++k)
        out[k] = float(z[k] + strength * (double(to[k]) - double(from[k])));
    return out;
}

} // namespace lx
