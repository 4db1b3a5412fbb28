#pragma once

#include <algorithm>
#include <cmath>
#include <vector>
// What training reports, as plain values: torch-free, so the window's signals and widgets
// carry core's own records instead of copies of them.

#include <cstdint>

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
    double trainStructure = 0; // UMAP model only: mean ‖z − y‖² to the layout (not in the losses)
    // The 5-NN accuracy of the validation codes among the training codes (eval mode, as
    // `eval`), after the epoch; negative when not measured (no labels, or an older file).
    double valKnn = -1;
    double seconds = 0;      // training loop only
    double imagesPerSecond = 0;
    bool partial = false;    // stopped before the epoch's end
    // The training loss through the epoch, so that a model reopened shows its curve as it was
    // drawn: the mean of each of up to kStepBuckets equal runs of its steps, in order (for a
    // VAE its two terms too; empty for an AE, and in files from before they were kept).
    static constexpr int kStepBuckets = 32;
    std::vector<float> stepLoss, stepRecon, stepKl;
};

// The learning rate at `progress` (0..1) through a plan with cosine decay: from baseRate down
// to 5 % of it.
inline double cosineRate(double baseRate, double progress)
{
    const double p = std::clamp(progress, 0.0, 1.0);
    return baseRate * (0.05 + 0.95 * 0.5 * (1.0 + std::cos(3.14159265358979323846 * p)));
}

// The epochs of a history trained to their end (a stop part-way leaves a partial one).
inline int wholeEpochs(const std::vector<EpochRecord>& history)
{
    int n = 0;
    for (const EpochRecord& e : history)
        n += !e.partial;
    return n;
}

struct StepReport {
    int epoch = 0;            // 1-based over the model's life
    int epochOfRun = 0;       // 1-based within this call
    int64_t step = 0;         // within the epoch, 1-based
    int64_t stepsPerEpoch = 0;
    double loss = 0;
    double recon = 0;
    double kl = 0;
    double structure = 0;       // UMAP model: the step's mean ‖z − y‖²
    bool decoderOnly = false;   // in the decoder's finish (ModelSpec::decoderFinish): the codes hold still
    double imagesPerSecond = 0; // over this run so far, training loop only
    double elapsedSeconds = 0;
};

} // namespace lx
