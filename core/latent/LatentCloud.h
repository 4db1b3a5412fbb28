#pragma once

#include "latent/LatentProjection.h"

#include <cstdint>
#include <vector>

namespace lx {

// Every image of a dataset placed in latent space: the training part first, then validation.
// An immutable value: made off the GUI thread, handed to the map whole. Torch-free.
struct LatentCloud {
    int dim = 0;
    std::vector<float> codes;      // count×dim
    std::vector<float> xy;         // count×2: where each point sits on the map
    std::vector<float> logVar;     // count×dim: a VAE's posterior log σ² per image; empty for an AE
    std::vector<uint8_t> labels;   // empty when unlabelled
    int64_t trainCount = 0;        // rows [0, trainCount) are training images
    LatentProjection projection;

    int64_t count() const { return dim > 0 ? int64_t(codes.size()) / dim : 0; }
    bool isValidation(int64_t i) const { return i >= trainCount; }
};

} // namespace lx
