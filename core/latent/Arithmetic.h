#pragma once

#include <cstdint>
#include <vector>

namespace lx {

// Latent arithmetic: the mean code of each class, and the direction from one class's mean to
// another's ("towards 8"), added to a code with some strength.

// The mean of the codes (count×dim) of each label 0..classes−1; a class with no codes gets
// an empty vector.
std::vector<std::vector<float>> classMeans(const float* codes, const uint8_t* labels, int64_t count, int dim,
                                           int classes);

// z + strength·(to − from), element by element.
std::vector<float> moveAlong(const std::vector<float>& z, const std::vector<float>& from, const std::vector<float>& to,
                             double strength);

} // namespace lx
