#pragma once

#include "model/Autoencoder.h"

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace lx {

// What one epoch (or the part of one run before a stop) achieved.
struct EpochRecord {
    int epoch = 0;           // 1-based, counted over the model's whole life
    double trainLoss = 0;    // mean over the epoch's steps
    double valLoss = 0;
    double trainRecon = 0;
    double valRecon = 0;
    double trainKl = 0;      // VAE only
    double valKl = 0;
    double seconds = 0;      // training loop only
    double imagesPerSecond = 0;
    bool partial = false;    // stopped before the epoch's end
};

// A model with everything needed to go on training it or to save it: the spec, the module,
// the optimizer and its state, what it was trained on, and its history.
struct TrainingRun {
    ModelSpec spec;
    Autoencoder model{nullptr};
    std::unique_ptr<torch::optim::Adam> optimizer;
    double learningRate = 1e-3;
    std::string dataset;
    std::vector<EpochRecord> history;

    // A freshly initialised model: the same seed gives the same weights.
    static TrainingRun create(const ModelSpec& spec, double learningRate, uint64_t seed);

    int epochsDone() const;
};

} // namespace lx
