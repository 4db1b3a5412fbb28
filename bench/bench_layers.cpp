// Where a training step's time goes, layer by layer: forward + backward of each layer of a
// model at batch 128, median of many repetitions, with LibTorch's own transposed convolution
// and with ours (model/FastConvTranspose). Prints a table; no pass/fail.
//   bench_layers [--arch lecture] [--batch 128] [--reps 40] [--phases [--real] [--torch-adam] | --epochs | --profile F | --tsne D [--theta T | --boxes B] | --umap D [--pixels] | --layouts MODEL]
#include "common/SystemInfo.h"
#include "model/Autoencoder.h"
#include "model/FastConvTranspose.h"
#include "data/Dataset.h"
#include "train/AdamStep.h"
#include "train/Trainer.h"
#include "io/Checkpoint.h"
#include "latent/Evaluation.h"
#include "latent/Tsne.h"
#include "latent/Umap.h"

#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>

using namespace lx;
using Clock = std::chrono::steady_clock;

namespace {

double medianMs(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

struct Timing {
    double forward = 0, backward = 0;
    double total() const { return forward + backward; }
};

// Forward, then backward, of one module on input x: gradients for the parameters, and for x
// unless it is the model's input (as in training).
Timing timeLayer(torch::nn::AnyModule& layer, const torch::Tensor& input, int reps, bool inputGrad)
{
    std::vector<double> fw, bw;
    for (int r = 0; r < reps + 3; ++r) {
        const torch::Tensor x = input.detach().requires_grad_(inputGrad);
        const auto t0 = Clock::now();
        const torch::Tensor y = layer.forward(x);
        const torch::Tensor g = torch::ones_like(y);
        const auto t1 = Clock::now();
        if (y.requires_grad())
            y.backward(g);
        const auto t2 = Clock::now();
        if (r >= 3) {
            fw.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
            bw.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
        }
    }
    return {medianMs(fw), medianMs(bw)};
}

} // namespace

int main(int argc, char** argv)
{
    configureThreads();
    startWorkerThreads();
    std::string arch = "lecture";
    int64_t batch = 128;
    int reps = 40;
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--arch"))
            arch = argv[++i];
        else if (!std::strcmp(argv[i], "--batch"))
            batch = std::stoll(argv[++i]);
        else if (!std::strcmp(argv[i], "--reps"))
            reps = std::stoi(argv[++i]);
    }
    for (int i = 1; i < argc; ++i)
        if (!std::strcmp(argv[i], "--epochs")) {
            // Two real epochs of the trainer on mnist: the time of each step, to see what the
            // first steps and the last (partial) batch cost beyond the steady state.
            const DatasetSplits data = openDataset("mnist");
            TrainingRun run = TrainingRun::create(presetSpec(arch, 2), 1e-3, 0);
            TrainConfig config;
            config.epochs = 2;
            config.batchSize = int(batch);
            Trainer trainer(run, data, config);
            auto last = Clock::now();
            std::vector<double> steady;
            trainer.onStep([&](const StepReport& r) {
                const auto now = Clock::now();
                const double ms = std::chrono::duration<double, std::milli>(now - last).count();
                last = now;
                if (r.step <= 3 || r.step == r.stepsPerEpoch)
                    std::printf("epoch %d step %3lld: %6.1f ms\n", r.epoch, static_cast<long long>(r.step), ms);
                else
                    steady.push_back(ms);
            });
            trainer.onEpoch([&](const EpochRecord& e) {
                std::printf("epoch %d: %.0f img/s (loop only)\n", e.epoch, e.imagesPerSecond);
                last = Clock::now();
            });
            trainer.run();
            std::printf("other steps: median %.2f ms\n", medianMs(steady));
            return 0;
        }
    for (int i = 1; i + 1 < argc; ++i)
        if (!std::strcmp(argv[i], "--layouts")) {
            // A model's codes of its own dataset made 2-D by t-SNE and by UMAP (every image, the
            // training and validation parts together, labels unseen), each scored as `eval`
            // scores a 2-D model: 5-NN accuracy of the validation points among the training
            // points. The rows "t-SNE / UMAP of the plain AE's 8-D codes" of the map table.
            const TrainingRun run = loadCheckpoint(argv[i + 1]);
            const DatasetSplits data = openDataset(run.dataset);
            Autoencoder model = run.model;
            const LatentCloud cloud = embedSplits(model, data);
            const int64_t n = cloud.count(), t = cloud.trainCount;
            const std::vector<uint8_t> trainLabels(cloud.labels.begin(), cloud.labels.begin() + t),
                validationLabels(cloud.labels.begin() + t, cloud.labels.end());
            auto score = [&](const std::vector<float>& points, int dim) {
                const torch::Tensor all = torch::from_blob(const_cast<float*>(points.data()), {n, dim}, torch::kFloat32);
                return knnAccuracy(all.slice(0, 0, t), trainLabels, all.slice(0, t, n), validationLabels, 5);
            };
            std::printf("%s: %lld codes, %d-D; 5-NN of the codes themselves %.4f\n", argv[i + 1],
                        static_cast<long long>(n), cloud.dim, score(cloud.codes, cloud.dim));
            auto t0 = Clock::now();
            const std::vector<float> bySne = tsne(cloud.codes.data(), n, cloud.dim, TsneOptions());
            std::printf("t-SNE: 5-NN %.4f (%.1f s)\n", score(bySne, 2),
                        std::chrono::duration<double>(Clock::now() - t0).count());
            t0 = Clock::now();
            const std::vector<float> byUmap = umap(cloud.codes.data(), n, cloud.dim, UmapOptions());
            std::printf("UMAP:  5-NN %.4f (%.1f s)\n", score(byUmap, 2),
                        std::chrono::duration<double>(Clock::now() - t0).count());
            return 0;
        }
    for (int i = 1; i + 1 < argc; ++i)
        if (!std::strcmp(argv[i], "--umap")) {
            // UMAP of every image's code (as --tsne), or with --pixels of the training images
            // themselves (the layout a UMAP-regularised model is pulled towards): time,
            // neighbourhood preservation and the 5-NN accuracy of the layout's labels.
            const DatasetSplits data = openDataset(argv[i + 1]);
            bool pixels = false;
            for (int j = 1; j < argc; ++j)
                pixels = pixels || !std::strcmp(argv[j], "--pixels");
            std::vector<float> points;
            std::vector<uint8_t> labels;
            int dim = 0;
            if (pixels) {
                const torch::Tensor x = imagesToTensor(datasetImages(data.train)).reshape({data.train.count, -1}).contiguous();
                points.assign(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
                dim = int(x.size(1));
                labels = data.train.labels;
            } else {
                torch::manual_seed(0);
                Autoencoder model(presetSpec("conv", 8));
                const LatentCloud cloud = embedSplits(model, data);
                points = cloud.codes;
                dim = cloud.dim;
                labels = cloud.labels;
            }
            const int64_t count = int64_t(points.size()) / dim;
            {
                // The graph alone (neighbours, memberships, union; images first reduced to 50-D).
                const auto g0 = Clock::now();
                const FuzzyGraph graph = fuzzyGraph(points.data(), count, dim, UmapOptions().neighbours);
                std::printf("graph of %lld points: %.2f s, %zu directed edges\n", static_cast<long long>(count),
                            std::chrono::duration<double>(Clock::now() - g0).count(), graph.column.size());
            }
            const auto t0 = Clock::now();
            double last = 0;
            const std::vector<float> map = umap(points.data(), count, dim, UmapOptions(), [&](double f) {
                if (f - last >= 0.1) {
                    std::printf("  %3.0f%% after %.1f s\n", 100 * f, std::chrono::duration<double>(Clock::now() - t0).count());
                    std::fflush(stdout);
                    last = f;
                }
            });
            const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
            std::printf("UMAP of %lld %s (%d-D): %.1f s\n", static_cast<long long>(count), pixels ? "images" : "codes", dim,
                        seconds);
            const int64_t m = std::min<int64_t>(count, 10000);
            const torch::Tensor xy = torch::from_blob(const_cast<float*>(map.data()), {m, 2}, torch::kFloat32);
            const torch::Tensor even = xy.slice(0, 0, m, 2), odd = xy.slice(0, 1, m, 2);
            std::vector<uint8_t> evenLabels, oddLabels;
            for (int64_t p = 0; p < m; ++p)
                (p % 2 ? oddLabels : evenLabels).push_back(labels[size_t(p)]);
            std::printf("first %lld points: 10-NN kept %.3f; 5-NN accuracy of the layout (odd points by even) %.3f\n",
                        static_cast<long long>(m), neighbourhoodPreservation(points.data(), dim, map.data(), m, 10),
                        knnAccuracy(even, evenLabels, odd, oddLabels, 5));
            return 0;
        }
    for (int i = 1; i + 1 < argc; ++i)
        if (!std::strcmp(argv[i], "--tsne")) {
            // t-SNE of every image of a dataset (the codes of a model, or of a fresh conv
            // model of latent 8 when none is given): time and neighbourhood preservation.
            const DatasetSplits data = openDataset(argv[i + 1]);
            torch::manual_seed(0); // the same codes every run, so runs compare
            Autoencoder model(presetSpec("conv", 8));
            const LatentCloud cloud = embedSplits(model, data);
            const auto t0 = Clock::now();
            double last = 0;
            TsneOptions options;
            for (int j = 1; j + 1 < argc; ++j)
                if (!std::strcmp(argv[j], "--theta")) {
                    options.repulsion = TsneRepulsion::BarnesHut;
                    options.theta = std::stod(argv[j + 1]);
                } else if (!std::strcmp(argv[j], "--boxes")) {
                    options.boxesPerUnit = std::stod(argv[j + 1]);
                }
            if (options.repulsion == TsneRepulsion::BarnesHut)
                std::printf("Barnes-Hut, theta %.2f\n", options.theta);
            else
                std::printf("interpolation, %.2f boxes per unit\n", options.boxesPerUnit);
            bool searched = false;
            const std::vector<float> map = tsne(cloud.codes.data(), cloud.count(), cloud.dim, options, [&](double f) {
                if (!searched && f >= 0.04) { // tsne's share for the neighbour search
                    std::printf("  neighbours found after %.1f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
                    searched = true;
                }
                if (f - last >= 0.1) {
                    std::printf("  %3.0f%% after %.1f s\n", 100 * f,
                                std::chrono::duration<double>(Clock::now() - t0).count());
                    std::fflush(stdout);
                    last = f;
                }
            });
            const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
            std::printf("t-SNE of %lld codes (%d-D): %.1f s\n", static_cast<long long>(cloud.count()), cloud.dim, seconds);
            const int64_t m = std::min<int64_t>(cloud.count(), 10000); // exact k-NN of a sample
            std::printf("10-NN kept (first %lld points): t-SNE %.3f, PCA %.3f, chance %.4f\n", static_cast<long long>(m),
                        neighbourhoodPreservation(cloud.codes.data(), cloud.dim, map.data(), m, 10),
                        neighbourhoodPreservation(cloud.codes.data(), cloud.dim, cloud.xy.data(), m, 10), 10.0 / double(m - 1));
            return 0;
        }
    for (int i = 1; i < argc; ++i)
        if (!std::strcmp(argv[i], "--phases")) {
            // Where a real training step goes, phase by phase (median over reps steps after a
            // warm-up): gathering the batch, zero_grad, forward + loss, backward, Adam.
            Autoencoder m(presetSpec(arch, 2));
            torch::optim::Adam adam(m->parameters(), torch::optim::AdamOptions(1e-3));
            bool real = false, torchAdam = false;
            for (int j = 1; j < argc; ++j) {
                real = real || !std::strcmp(argv[j], "--real");
                torchAdam = torchAdam || !std::strcmp(argv[j], "--torch-adam");
            }
            const DatasetSplits data = real ? openDataset("mnist") : DatasetSplits();
            const torch::Tensor images = real ? datasetImages(data.train).slice(0, 0, batch * 8)
                                              : torch::randint(0, 256, {batch * 8, 28, 28}, torch::kUInt8);
            const char* names[] = {"batch", "zero_grad", "forward+loss", "backward", "adam", "step"};
            std::vector<double> t[6];
            for (int s = 0; s < reps + 10; ++s) {
                const auto t0 = Clock::now();
                const torch::Tensor idx = torch::randperm(batch * 8).slice(0, 0, batch);
                const torch::Tensor xb = imagesToTensor(images.index_select(0, idx));
                const auto t1 = Clock::now();
                if (torchAdam)
                    adam.zero_grad();
                else
                    dropGradients(adam);
                const auto t2 = Clock::now();
                const LossTerms l = computeLoss(m->spec(), m->forward(xb), xb);
                (void)l.total.item<double>();
                const auto t3 = Clock::now();
                l.total.backward();
                const auto t4 = Clock::now();
                if (torchAdam)
                    adam.step();
                else
                    adamStep(adam);
                const auto t5 = Clock::now();
                const Clock::time_point p[] = {t0, t1, t2, t3, t4, t5};
                if (s < 3) {
                    std::printf("step %d:", s + 1);
                    for (int k = 0; k < 5; ++k)
                        std::printf(" %s %.2f", names[k], std::chrono::duration<double, std::milli>(p[k + 1] - p[k]).count());
                    std::printf(" ms\n");
                }
                if (s < 10)
                    continue;
                for (int k = 0; k < 5; ++k)
                    t[k].push_back(std::chrono::duration<double, std::milli>(p[k + 1] - p[k]).count());
                t[5].push_back(std::chrono::duration<double, std::milli>(t5 - t0).count());
            }
            for (int k = 0; k < 6; ++k)
                std::printf("%-14s %6.2f ms\n", names[k], medianMs(t[k]));
            return 0;
        }
    std::string profile;
    for (int i = 1; i + 1 < argc; i += 2)
        if (!std::strcmp(argv[i], "--profile"))
            profile = argv[i + 1];
    if (!profile.empty()) {
        // Real training steps (forward, loss, backward, Adam) under LibTorch's profiler: a
        // chrome trace of every operator, for bench/profile_summary.py.
        Autoencoder m(presetSpec(arch, 2));
        torch::optim::Adam adam(m->parameters(), torch::optim::AdamOptions(1e-3));
        const torch::Tensor images = torch::randint(0, 256, {batch * 8, 28, 28}, torch::kUInt8);
        auto step = [&](int s) {
            const torch::Tensor idx = torch::randperm(batch * 8).slice(0, 0, batch);
            const torch::Tensor xb = imagesToTensor(images.index_select(0, idx));
            adam.zero_grad();
            const LossTerms t = computeLoss(m->spec(), m->forward(xb), xb);
            (void)t.total.item<double>();
            t.total.backward();
            adam.step();
            (void)s;
        };
        for (int s = 0; s < 8; ++s) {
            const auto ts = Clock::now();
            step(s);
            std::printf("warm-up step %d: %.1f ms\n", s + 1, std::chrono::duration<double, std::milli>(Clock::now() - ts).count());
        }
        const auto t0 = Clock::now();
        {
            torch::autograd::profiler::RecordProfile guard(profile);
            for (int s = 0; s < reps; ++s)
                step(s);
        }
        std::printf("%d profiled steps in %.1f ms\n", reps,
                    std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        const auto t1 = Clock::now();
        for (int s = 0; s < reps; ++s)
            step(s);
        std::printf("%d steps without the profiler: %.2f ms a step\n", reps,
                    std::chrono::duration<double, std::milli>(Clock::now() - t1).count() / reps);
        return 0;
    }
    const SystemInfo sys = systemInfo();
    std::printf("layers of %s, batch %lld, forward+backward, median of %d; %d threads, BLAS %s\n\n", arch.c_str(),
                static_cast<long long>(batch), reps, sys.threads, sys.blasLibrary.c_str());
    std::printf("%-36s %8s %8s %8s | %8s %8s (libtorch's own)\n", "layer", "fwd ms", "bwd ms", "sum", "fwd", "bwd");
    Autoencoder model(presetSpec(arch, 2));
    model->train();
    double total = 0, totalReference = 0;
    torch::Tensor x = torch::rand({batch, 1, 28, 28});
    for (int part = 0; part < 2; ++part) {
        torch::nn::Sequential seq = part == 0 ? model->encoderLayers() : model->decoderLayers();
        for (size_t i = 0; i < seq->size(); ++i) {
            torch::nn::AnyModule any = seq->begin()[long(i)];
            const bool inputGrad = !(part == 0 && i == 0);
            const Timing ms = timeLayer(any, x, reps, inputGrad);
            Timing reference = ms;
            std::ostringstream name;
            seq->children()[i]->pretty_print(name);
            if (auto fast = std::dynamic_pointer_cast<FastConvTranspose2dImpl>(seq->children()[i])) {
                torch::nn::ConvTranspose2d plain(fast->options);
                torch::nn::AnyModule ref(plain);
                reference = timeLayer(ref, x, reps, inputGrad);
            }
            std::printf("%-36.36s %8.2f %8.2f %8.2f | %8.2f %8.2f\n", name.str().c_str(), ms.forward, ms.backward,
                        ms.total(), reference.forward, reference.backward);
            total += ms.total();
            totalReference += reference.total();
            torch::NoGradGuard noGrad;
            x = any.forward(x).detach();
        }
        if (part == 0)
            x = torch::randn({batch, 2});
    }
    std::printf("%-36s %26.2f | %17.2f\n", "sum", total, totalReference);
    return 0;
}
