#pragma once

#include "data/Dataset.h"
#include "latent/LatentCloud.h"
#include "model/Autoencoder.h"
#include "model/LatentModel.h"

#include <torch/torch.h>

#include <atomic>
#include <functional>

namespace lx {

// Codes (the means, for a VAE) of every image, N×D float, in eval mode without gradients.
// When `cancel` becomes true, it throws lx::Cancelled between batches.
torch::Tensor encodeDataset(LatentModel& model, const Dataset& data, int64_t batchSize = 256,
                            const std::atomic<bool>* cancel = nullptr);
torch::Tensor encodeDataset(Autoencoder& model, const Dataset& data, int64_t batchSize = 256,
                            const std::atomic<bool>* cancel = nullptr);
// The posterior of every image: (μ, log σ²), each N×D; log σ² undefined for an AE.
// `progress`, if given, hears the images done so far after each batch.
using EncodeProgress = std::function<void(int64_t done)>;
// Rows [from, to) only, with `to` < 0 meaning the end (progress still counts from row 0).
std::pair<torch::Tensor, torch::Tensor> encodeDatasetDistribution(LatentModel& model, const Dataset& data,
                                                                  int64_t batchSize = 256,
                                                                  const std::atomic<bool>* cancel = nullptr,
                                                                  const EncodeProgress& progress = {},
                                                                  int64_t from = 0, int64_t to = -1);

// Model output (N×1×H×W floats in [0,1]) to N×H×W bytes (0..255).
torch::Tensor imagesToBytes(const torch::Tensor& images);

// Decodes N×D codes into N×H×W bytes (0..255), the form images are shown and saved in.
torch::Tensor decodeToBytes(LatentModel& model, const torch::Tensor& z);
torch::Tensor decodeToBytes(Autoencoder& model, const torch::Tensor& z);

struct ReconstructionScores {
    double mse = 0; // mean per pixel
    double bce = 0; // mean per pixel
};
// decode(encode(x)) against x (for a VAE: the decode of μ).
ReconstructionScores reconstructionScores(LatentModel& model, const Dataset& data);
ReconstructionScores reconstructionScores(Autoencoder& model, const Dataset& data);

// The fraction of queries whose label is the majority label of their k nearest references
// (Euclidean); a tie goes to the tied label with the nearest member.
double knnAccuracy(const torch::Tensor& references, const std::vector<uint8_t>& referenceLabels,
                   const torch::Tensor& queries, const std::vector<uint8_t>& queryLabels, int k = 5);

// Encodes every image of both parts and places them on the map's plane (identity for D <= 2,
// PCA of the codes otherwise). Throws lx::Cancelled when `cancel` becomes true. `progress`
// hears the images of both parts done so far (of data.totalCount()).
//
// `preview`, if given, first sees a map of the training split's first `previewRows` images
// (a partial cloud: those rows only, trainCount = their number), while the rest are encoded,
// when there are at least three times as many images in all and those rows hold every class
// of the training split (an image folder's images come class by class: its first rows would
// show one class); else it is not called.
using CloudPreview = std::function<void(LatentCloud)>;
LatentCloud embedSplits(LatentModel& model, const DatasetSplits& data, const std::atomic<bool>* cancel = nullptr,
                        const EncodeProgress& progress = {}, const CloudPreview& preview = {},
                        int64_t previewRows = 10000);
// The number of rows embedSplits would preview (0: none), by the rule above.
int64_t previewRowsFor(const DatasetSplits& data, int64_t previewRows);
LatentCloud embedSplits(Autoencoder& model, const DatasetSplits& data, const std::atomic<bool>* cancel = nullptr);

// A cloud from codes already known ((train + validation)×dim, in that order), e.g. those the
// trainer saw go by: labels from the data, the plane fitted to the codes. `logVar` (a VAE's,
// the same shape) or empty.
LatentCloud cloudFromCodes(std::vector<float> codes, int dim, const DatasetSplits& data,
                           std::vector<float> logVar = {});

} // namespace lx

