#pragma once

#include "model/Autoencoder.h"
#include "train/Records.h"

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace lx {

// A model with everything needed to go on training it or to save it: the spec, the module,
// the optimizer and its state, what it was trained on, and its history.
struct TrainingRun {
    ModelSpec spec;
    Autoencoder model{nullptr};
    std::unique_ptr<torch::optim::Adam> optimizer;
    double learningRate = 1e-3;
    std::string dataset;
    std::vector<EpochRecord> history;
    // A UMAP model's targets: each training image's place in the UMAP layout of the training
    // images (count×2), made by the trainer when missing or made for other images (a function
    // of the data alone; saved in the checkpoint so that a resume need not make it again).
    std::vector<float> umapTarget;
    std::string umapTargetOf; // which training images: the dataset's name, count and pixels' CRC-32
    // The epoch the last run started was to end at (0: not known): a run stopped part-way, or
    // a window closed during it, goes on to it, and the bar counts towards it.
    int targetEpoch = 0;

    // A freshly initialised model: the same seed gives the same weights.
    static TrainingRun create(const ModelSpec& spec, double learningRate, uint64_t seed);

    int epochsDone() const;
};

} // namespace lx
