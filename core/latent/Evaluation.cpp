#include "latent/Evaluation.h"

#include "common/Error.h"
#include "train/Trainer.h"

#include <algorithm>
#include <array>

namespace lx {

torch::Tensor encodeDataset(LatentModel& model, const Dataset& data, int64_t batchSize, const std::atomic<bool>* cancel)
{
    torch::NoGradGuard noGrad;
    const torch::Tensor images = datasetImages(data);
    std::vector<torch::Tensor> parts;
    for (int64_t start = 0; start < data.count; start += batchSize) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            throw Cancelled();
        parts.push_back(model.encode(imagesToTensor(images.slice(0, start, std::min(start + batchSize, data.count)))));
    }
    if (parts.empty())
        return torch::zeros({0, int64_t(model.latentDim())});
    return torch::cat(parts);
}

std::pair<torch::Tensor, torch::Tensor> encodeDatasetDistribution(LatentModel& model, const Dataset& data,
                                                                  int64_t batchSize, const std::atomic<bool>* cancel,
                                                                  const EncodeProgress& progress, int64_t from,
                                                                  int64_t to)
{
    torch::NoGradGuard noGrad;
    const torch::Tensor images = datasetImages(data);
    const int64_t end = to < 0 ? data.count : std::min(to, data.count);
    std::vector<torch::Tensor> mu, logVar;
    for (int64_t start = std::max<int64_t>(from, 0); start < end; start += batchSize) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            throw Cancelled();
        auto [m, lv] = model.encodeDistribution(imagesToTensor(images.slice(0, start, std::min(start + batchSize, end))));
        mu.push_back(m);
        if (lv.defined())
            logVar.push_back(lv);
        if (progress)
            progress(std::min(start + batchSize, end));
    }
    if (mu.empty())
        return {torch::zeros({0, int64_t(model.latentDim())}), torch::Tensor()};
    return {torch::cat(mu), logVar.size() == mu.size() ? torch::cat(logVar) : torch::Tensor()};
}

torch::Tensor encodeDataset(Autoencoder& model, const Dataset& data, int64_t batchSize, const std::atomic<bool>* cancel)
{
    NativeModel native(model);
    return encodeDataset(native, data, batchSize, cancel);
}

torch::Tensor imagesToBytes(const torch::Tensor& images)
{
    return images.squeeze(1).mul(255.0f).round_().clamp_(0, 255).to(torch::kUInt8);
}

torch::Tensor decodeToBytes(LatentModel& model, const torch::Tensor& z)
{
    torch::NoGradGuard noGrad;
    return imagesToBytes(model.decode(z.to(torch::kFloat32)));
}

torch::Tensor decodeToBytes(Autoencoder& model, const torch::Tensor& z)
{
    NativeModel native(model);
    return decodeToBytes(native, z);
}

ReconstructionScores reconstructionScores(LatentModel& model, const Dataset& data)
{
    torch::NoGradGuard noGrad;
    ReconstructionScores s;
    if (data.count == 0)
        return s;
    const torch::Tensor images = datasetImages(data);
    for (int64_t start = 0; start < data.count; start += kEvaluationBatch) {
        const torch::Tensor x =
            imagesToTensor(images.slice(0, start, std::min<int64_t>(start + kEvaluationBatch, data.count)));
        const torch::Tensor y = model.decode(model.encode(x));
        const double w = double(x.size(0)) / double(data.count);
        s.mse += w * torch::mse_loss(y, x).item<double>();
        s.bce += w * torch::binary_cross_entropy(y, x).item<double>();
    }
    return s;
}

ReconstructionScores reconstructionScores(Autoencoder& model, const Dataset& data)
{
    NativeModel native(model);
    return reconstructionScores(native, data);
}

double knnAccuracy(const torch::Tensor& references, const std::vector<uint8_t>& referenceLabels,
                   const torch::Tensor& queries, const std::vector<uint8_t>& queryLabels, int k)
{
    const int64_t nRef = references.size(0), nQuery = queries.size(0);
    if (int64_t(referenceLabels.size()) != nRef || int64_t(queryLabels.size()) != nQuery)
        throw Error("k-NN accuracy needs labelled data");
    if (nQuery == 0 || nRef == 0 || k < 1)
        return 0;
    k = int(std::min<int64_t>(k, nRef));
    torch::NoGradGuard noGrad;
    const torch::Tensor ref = references.to(torch::kFloat32).contiguous();
    int64_t correct = 0;
    // In chunks of ~4 M distances (16 MB; cdist holds about twice that while it works): all
    // 10,000 × 60,000 Fashion-MNIST distances at once would take 2.4 GB, and chunks of 512
    // queries (123 MB, twice over) were the training's peak memory at every epoch's end.
    const int64_t chunk = std::clamp<int64_t>((int64_t(1) << 22) / nRef, 1, 512);
    for (int64_t start = 0; start < nQuery; start += chunk) {
        const torch::Tensor q = queries.slice(0, start, std::min<int64_t>(start + chunk, nQuery)).to(torch::kFloat32);
        const torch::Tensor nearest = std::get<1>(torch::cdist(q, ref).topk(k, 1, /*largest=*/false, /*sorted=*/true));
        const auto acc = nearest.accessor<int64_t, 2>();
        for (int64_t r = 0; r < nearest.size(0); ++r) {
            std::array<int, 256> votes{};
            int best = 0;
            for (int j = 0; j < k; ++j)
                best = std::max(best, ++votes[referenceLabels[size_t(acc[r][j])]]);
            for (int j = 0; j < k; ++j) { // the nearest neighbour among the tied labels decides
                const uint8_t label = referenceLabels[size_t(acc[r][j])];
                if (votes[label] == best) {
                    correct += label == queryLabels[size_t(start + r)];
                    break;
                }
            }
        }
    }
    return double(correct) / double(nQuery);
}

LatentCloud embedSplits(Autoencoder& model, const DatasetSplits& data, const std::atomic<bool>* cancel)
{
    NativeModel native(model);
    return embedSplits(native, data, cancel);
}

namespace {

// A cloud of `codes` (rows [0, trainCount) training images) on the plane of their principal
// axes; `logVar` kept where it is one per code value.
LatentCloud placedCloud(std::vector<float> codes, int dim, int64_t trainCount, std::vector<uint8_t> labels,
                        std::vector<float> logVar)
{
    LatentCloud cloud;
    cloud.dim = dim;
    cloud.trainCount = trainCount;
    cloud.codes = std::move(codes);
    if (logVar.size() == cloud.codes.size())
        cloud.logVar = std::move(logVar);
    cloud.labels = std::move(labels);
    cloud.projection = LatentProjection::pca(cloud.codes.data(), cloud.count(), cloud.dim);
    cloud.xy = cloud.projection.projectAll(cloud.codes);
    return cloud;
}

} // namespace

int64_t previewRowsFor(const DatasetSplits& data, int64_t previewRows)
{
    const int64_t rows = std::min(previewRows, data.train.count);
    if (rows <= 0 || data.totalCount() < 3 * rows)
        return 0;
    if (data.train.hasLabels()) {
        std::array<bool, 256> all{}, first{};
        for (int64_t i = 0; i < data.train.count; ++i)
            (i < rows ? first : all)[data.train.labels[size_t(i)]] = true;
        for (size_t c = 0; c < all.size(); ++c)
            if (all[c] && !first[c])
                return 0;
    }
    return rows;
}

LatentCloud embedSplits(LatentModel& model, const DatasetSplits& data, const std::atomic<bool>* cancel,
                        const EncodeProgress& progress, const CloudPreview& preview, int64_t previewRows)
{
    auto asVector = [](const torch::Tensor& t) {
        const torch::Tensor c = t.to(torch::kFloat32).contiguous();
        return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    };
    const int64_t first = preview ? previewRowsFor(data, previewRows) : 0;
    torch::Tensor trainMu, trainLogVar;
    if (first > 0) {
        auto [mu, logVar] = encodeDatasetDistribution(model, data.train, kEvaluationBatch, cancel, progress, 0, first);
        preview(placedCloud(asVector(mu), int(mu.size(1)), first,
                            data.train.hasLabels() ? std::vector<uint8_t>(data.train.labels.begin(),
                                                                          data.train.labels.begin() + first)
                                                   : std::vector<uint8_t>(),
                            logVar.defined() ? asVector(logVar) : std::vector<float>()));
        auto [restMu, restLogVar] =
            encodeDatasetDistribution(model, data.train, kEvaluationBatch, cancel, progress, first, -1);
        trainMu = torch::cat({mu, restMu});
        if (logVar.defined() && restLogVar.defined())
            trainLogVar = torch::cat({logVar, restLogVar});
        else if (restMu.size(0) == 0)
            trainLogVar = logVar; // the whole training split was the preview
    } else {
        std::tie(trainMu, trainLogVar) = encodeDatasetDistribution(model, data.train, kEvaluationBatch, cancel, progress);
    }
    const EncodeProgress afterTrain = [&](int64_t done) { progress(data.train.count + done); };
    const auto [valMu, valLogVar] =
        encodeDatasetDistribution(model, data.validation, kEvaluationBatch, cancel, progress ? afterTrain : EncodeProgress());
    const torch::Tensor codes = torch::cat({trainMu, valMu});
    std::vector<float> logVar;
    if (trainLogVar.defined() && (valLogVar.defined() || data.validation.count == 0))
        logVar = asVector(valLogVar.defined() ? torch::cat({trainLogVar, valLogVar}) : trainLogVar);
    return cloudFromCodes(asVector(codes), int(codes.size(1)), data, std::move(logVar));
}

LatentCloud cloudFromCodes(std::vector<float> codes, int dim, const DatasetSplits& data, std::vector<float> logVar)
{
    if (dim <= 0 || codes.size() != size_t(data.totalCount()) * size_t(dim))
        throw Error("latent codes do not match the dataset: " + std::to_string(codes.size()) + " values for " +
                    std::to_string(data.totalCount()) + " images of dimension " + std::to_string(dim));
    std::vector<uint8_t> labels;
    if (data.train.hasLabels() && data.validation.hasLabels()) {
        labels = data.train.labels;
        labels.insert(labels.end(), data.validation.labels.begin(), data.validation.labels.end());
    }
    return placedCloud(std::move(codes), dim, data.train.count, std::move(labels), std::move(logVar));
}

} // namespace lx
