#pragma once

#include "data/Dataset.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lx {

// TensorBoard's Embedding Projector (projector.tensorflow.org, or TensorBoard's own tab) reads
// a folder of four files: vectors.tsv (one code per line), metadata.tsv (label, class, split,
// index), sprite.png (every image, in order, in a square grid) and projector_config.pbtxt.
// Its limits: at most 100,000 points, and a sprite of at most 8,192 px a side (85,264 images
// of 28x28).
constexpr int64_t kProjectorMaxPoints = 100000;
constexpr int kProjectorMaxSpriteSide = 8192;

// "" if these images fit the projector's limits, else why not, in one sentence.
std::string projectorProblem(const DatasetSplits& data);

struct ProjectorExport {
    int64_t points = 0;
    int spriteWidth = 0, spriteHeight = 0;
    std::vector<std::string> files; // the paths written
};

// Writes the four files into `dir` (made if missing), each atomically; `codes` holds
// (train + validation)×dim values in that order (a LatentCloud's). `progress` hears 0..1.
// Throws lx::Error naming the folder or file, or saying which limit is passed.
ProjectorExport writeProjector(const std::string& dir, const DatasetSplits& data, const std::vector<float>& codes,
                               int dim, const std::function<void(double)>& progress = {});

} // namespace lx
