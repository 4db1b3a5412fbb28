#pragma once

#include "model/ModelSpec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lx {

// A tensor shape without the batch: channels×rows×cols, or a flat vector of `channels`.
struct FeatureShape {
    int64_t channels = 0;
    int64_t rows = 0;
    int64_t cols = 0;
    bool flat = false;

    int64_t size() const { return flat ? channels : channels * rows * cols; }
    std::string text() const; // "64×7×7" or "3136"
};

enum class LayerType { Conv, ConvTranspose, Linear, BatchNorm, Act, Flatten, Unflatten, Sigmoid };

struct PlannedLayer {
    LayerType type = LayerType::Act;
    ConvLayerSpec conv;  // Conv, ConvTranspose
    Activation activation = Activation::Relu;
    FeatureShape in;
    FeatureShape out;

    std::string describe() const; // "Conv2d 1→32 k3 s2 p1", "Linear 3136→2", "ReLU"
    int64_t parameterCount() const;
};

// Every layer of the encoder (ending in the code, or μ and log σ² for a VAE) and of the
// decoder, with the shape each produces. The torch modules are built from this list, so
// what `inspect` prints is what runs. If the spec cannot work (a layer shrinks the image to
// nothing, the decoder misses the image size), `problem` says why and how to fix it, and the
// layers are planned up to the point of failure.
struct ArchitecturePlan {
    std::vector<PlannedLayer> encoder;
    std::vector<PlannedLayer> decoder;
    std::string problem;
    // When the decoder misses the image's size: the one value that fixes it, found by trying
    // each field of each convolution (the decoder's from its last layer back, then the
    // encoder's). Row: encoder convolutions first, then decoder ones; column: 0 channels,
    // 1 kernel, 2 stride, 3 padding, 4 output_padding. -1 when no single change fixes it.
    int fixRow = -1, fixColumn = -1, fixValue = 0;

    bool ok() const { return problem.empty(); }
    int64_t parameterCount() const;
};

ArchitecturePlan planArchitecture(const ModelSpec& spec);
// Fills plan.fix* with a single change that makes `spec` plan, if there is one.
bool findFix(const ModelSpec& spec, ArchitecturePlan& plan);

// A plan that must be valid: throws lx::Error with its problem otherwise.
ArchitecturePlan validPlan(const ModelSpec& spec);

} // namespace lx
