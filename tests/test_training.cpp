#include "TestSupport.h"

#include "common/Error.h"
#include "common/SystemInfo.h"
#include "data/Deskew.h"
#include "io/Checkpoint.h"
#include "latent/Evaluation.h"
#include "latent/Umap.h"
#include "train/AdamStep.h"
#include "train/Trainer.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <ATen/Parallel.h>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace lx;

namespace {

TrainingRun trainFor(const DatasetSplits& data, const std::string& arch, int epochs, uint64_t seed,
                     ModelKind kind = ModelKind::Autoencoder)
{
    TrainingRun run = TrainingRun::create(presetSpec(arch, 2, kind), 2e-3, seed);
    TrainConfig config;
    config.epochs = epochs;
    config.batchSize = 32;
    config.seed = seed;
    Trainer(run, data, config).run();
    return run;
}

bool sameWeights(const Autoencoder& a, const Autoencoder& b)
{
    const auto pa = a->parameters(), pb = b->parameters();
    if (pa.size() != pb.size())
        return false;
    for (size_t i = 0; i < pa.size(); ++i)
        if (!torch::equal(pa[i], pb[i]))
            return false;
    return true;
}

} // namespace

TEST_CASE("training lowers the validation loss on a small dataset", "[train]")
{
    const DatasetSplits data = test::syntheticSplits(320, 80);
    for (const std::string arch : {"lecture", "conv", "mlp"}) {
        TrainingRun run = TrainingRun::create(presetSpec(arch, 2), 2e-3, 0);
        const double before = Trainer::evaluate(run, data.validation).valLoss;
        TrainConfig config;
        config.epochs = 4;
        config.batchSize = 32;
        std::vector<EpochRecord> reported;
        Trainer trainer(run, data, config);
        trainer.onEpoch([&](const EpochRecord& e) { reported.push_back(e); });
        CHECK(trainer.run() == TrainOutcome::Finished);
        INFO(arch << ": " << before << " -> " << run.history.back().valLoss);
        REQUIRE(reported.size() == 4);
        CHECK(run.epochsDone() == 4);
        CHECK(run.history.back().valLoss < 0.7 * before);
        CHECK(reported.back().epoch == 4);
        CHECK(reported.back().imagesPerSecond > 0);
    }
}

TEST_CASE("a denoising model trains on noisy images against the clean ones", "[train]")
{
    const DatasetSplits data = test::syntheticSplits(320, 80);
    auto create = [](double noise) {
        ModelSpec spec = presetSpec("lecture", 2);
        spec.inputNoise = noise;
        return TrainingRun::create(spec, 2e-3, 0);
    };
    TrainingRun plain = create(0.0), noisy = create(1.0);
    const double noisyBefore = Trainer::evaluate(noisy, data.validation).valLoss;
    CHECK(Trainer::evaluate(plain, data.validation).valLoss == noisyBefore); // same seed, same start
    TrainConfig config;
    config.epochs = 4;
    config.batchSize = 32;
    Trainer(plain, data, config).run();
    Trainer(noisy, data, config).run();
    // It still learns to reconstruct (validation is scored on clean images, as always)...
    CHECK(noisy.history.back().valLoss < 0.8 * noisyBefore);
    // ...while what it saw in training was harder to reconstruct than the clean images.
    CHECK(noisy.history.back().trainLoss > plain.history.back().trainLoss);
    CHECK_FALSE(sameWeights(noisy.model, plain.model));
}

TEST_CASE("a VAE trains and reports its KL term", "[train]")
{
    const DatasetSplits data = test::syntheticSplits(320, 80);
    TrainingRun run = trainFor(data, "mlp", 2, 3, ModelKind::Vae);
    const EpochRecord& last = run.history.back();
    CHECK(last.trainKl > 0);
    CHECK(last.valKl > 0);
    CHECK(last.valLoss > last.valRecon); // total = recon + beta * KL / pixels
}

TEST_CASE("the same seed on the same machine gives the same model", "[train]")
{
    const DatasetSplits data = test::syntheticSplits(160, 40);
    const TrainingRun a = trainFor(data, "conv", 2, 7);
    const TrainingRun b = trainFor(data, "conv", 2, 7);
    const TrainingRun c = trainFor(data, "conv", 2, 8);
    CHECK(sameWeights(a.model, b.model));
    CHECK(a.history.back().valLoss == b.history.back().valLoss);
    CHECK_FALSE(sameWeights(a.model, c.model));
}

TEST_CASE("training that goes on with a plan continues its learning rate's decay instead of restarting it", "[train]")
{
    const DatasetSplits data = test::syntheticSplits(64, 16);
    const double base = 2e-3;
    const int64_t steps = 64 / 32;
    const auto lastRate = [](TrainingRun& run) {
        return static_cast<torch::optim::AdamOptions&>(run.optimizer->param_groups().at(0).options()).lr();
    };
    TrainConfig config;
    config.batchSize = 32;
    config.measureKnn = false;
    config.epochs = 1;

    // A plan of 4 epochs: the first call trains one and stops, the second goes on for two.
    TrainingRun run = TrainingRun::create(presetSpec("mlp", 2), base, 0);
    config.scheduleEnd = 4;
    Trainer(run, data, config).run();
    CHECK(lastRate(run) == Approx(cosineRate(base, double(steps - 1) / double(4 * steps))));
    config.epochs = 2;
    Trainer(run, data, config).run();
    CHECK(run.epochsDone() == 3);
    CHECK(lastRate(run) == Approx(cosineRate(base, double(3 * steps - 1) / double(4 * steps))));

    // Without a plan, each call decays over its own epochs from the full rate.
    TrainingRun alone = TrainingRun::create(presetSpec("mlp", 2), base, 0);
    config.scheduleEnd = 0;
    config.epochs = 1;
    Trainer(alone, data, config).run();
    config.epochs = 2;
    Trainer(alone, data, config).run();
    CHECK(lastRate(alone) == Approx(cosineRate(base, double(2 * steps - 1) / double(2 * steps))));
}

TEST_CASE("threads beside other busy processes: the cores they leave free, at least one, at most those configured",
          "[train]")
{
    CHECK(threadsBesideLoad(2, 0.0, 2) == 2);
    CHECK(threadsBesideLoad(2, 0.4, 2) == 2);
    CHECK(threadsBesideLoad(2, 0.6, 2) == 1);
    CHECK(threadsBesideLoad(2, 1.0, 2) == 1);
    CHECK(threadsBesideLoad(2, 3.0, 2) == 1);
    CHECK(threadsBesideLoad(4, 1.0, 8) == 4);
    CHECK(threadsBesideLoad(8, 3.0, 8) == 5);
    CHECK(threadsBesideLoad(2, -1.0, 2) == 2); // not known: as configured
}

namespace {

// One busy child process per core for `seconds`, killed when this goes out of scope.
struct BusyProcesses {
    std::vector<pid_t> children;
    explicit BusyProcesses(double seconds)
    {
        const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
        for (unsigned c = 0; c < cores; ++c) {
            const pid_t pid = fork();
            if (pid == 0) {
                const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
                volatile uint64_t x = 0;
                while (std::chrono::steady_clock::now() < end)
                    for (int i = 0; i < 100000; ++i)
                        x = x + uint64_t(i);
                _exit(0);
            }
            if (pid > 0)
                children.push_back(pid);
        }
    }
    ~BusyProcesses()
    {
        for (pid_t pid : children) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }
};

} // namespace

TEST_CASE("training beside busy processes takes fewer threads, and the configured count again afterwards", "[train]")
{
    OtherProcessesLoad load;
    CHECK(load.sample() < 0); // nothing to compare with yet
    CHECK(load.cores() >= 1);
    CHECK(load.cores() <= int(std::max(1u, std::thread::hardware_concurrency())));
    const int configured = 2, before = at::get_num_threads();
    at::set_num_threads(configured);
    std::vector<int> threadsSeen;
    {
        BusyProcesses busy(4.0);
        REQUIRE_FALSE(busy.children.empty());
        std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        const double others = load.sample();
        INFO("other processes kept " << others << " cores busy");
        CHECK(others >= 0.5 * double(busy.children.size()));

        const DatasetSplits data = test::syntheticSplits(64, 16);
        TrainingRun run = TrainingRun::create(presetSpec("mlp", 2), 1e-3, 0);
        TrainConfig config;
        config.batchSize = 8;
        config.epochs = 1000;
        config.timeLimitSeconds = 2.0; // past the trainer's first look at the load, after 1 s
        config.measureKnn = false;
        Trainer trainer(run, data, config);
        trainer.onStep([&](const StepReport&) { threadsSeen.push_back(at::get_num_threads()); });
        trainer.run();
    }
    REQUIRE_FALSE(threadsSeen.empty());
    CHECK(threadsSeen.front() == configured);
    CHECK(threadsSeen.back() == 1); // every core busy besides: one thread
    CHECK(at::get_num_threads() == configured);
    at::set_num_threads(before); // as the other tests expect
}

TEST_CASE("a stop request ends training after the current step and keeps the weights", "[train]")
{
    const DatasetSplits data = test::syntheticSplits(640, 40);
    TrainingRun run = TrainingRun::create(presetSpec("lecture", 2), 1e-3, 0);
    TrainConfig config;
    config.epochs = 50;
    config.batchSize = 16;
    Trainer trainer(run, data, config);
    int steps = 0;
    trainer.onStep([&](const StepReport& r) {
        ++steps;
        if (r.step == 5)
            trainer.requestStop();
    });
    CHECK(trainer.run() == TrainOutcome::Stopped);
    CHECK(steps == 5);
    REQUIRE(run.history.size() == 1);
    CHECK(run.history[0].partial);
    CHECK(run.epochsDone() == 0);
}

TEST_CASE("a loss that becomes NaN stops training with a clear message", "[train]")
{
    const DatasetSplits data = test::syntheticSplits(320, 40);
    TrainingRun run = TrainingRun::create(presetSpec("mlp", 2), 1e-3, 0);
    TrainConfig config;
    config.batchSize = 32;
    Trainer trainer(run, data, config);
    trainer.onStep([&](const StepReport& r) {
        if (r.step == 3) { // poison one weight: the next step's loss is NaN
            torch::NoGradGuard g;
            run.model->parameters()[0].view(-1)[0] = std::nanf("");
        }
    });
    CHECK_THROWS_WITH(trainer.run(), Catch::Contains("loss became NaN") && Catch::Contains("epoch 1, step 4"));
}

TEST_CASE("a dataset of another image size is refused before training", "[train]")
{
    DatasetSplits data;
    data.name = "small";
    data.train = test::syntheticDataset(20, 1, 16);
    data.validation = test::syntheticDataset(5, 2, 16);
    TrainingRun run = TrainingRun::create(presetSpec("lecture", 2), 1e-3, 0);
    CHECK_THROWS_WITH(Trainer(run, data, TrainConfig{}), Catch::Contains("16x16") && Catch::Contains("28x28"));
}

TEST_CASE("5-NN accuracy counts majority labels, ties going to the nearest", "[latent]")
{
    // References on a line: labels 0 0 1 1 1 at x = 0 1 10 11 12.
    const torch::Tensor ref = torch::tensor({0.f, 1.f, 10.f, 11.f, 12.f}).view({5, 1});
    const std::vector<uint8_t> refLabels = {0, 0, 1, 1, 1};
    const torch::Tensor q = torch::tensor({0.5f, 11.f}).view({2, 1});
    CHECK(knnAccuracy(ref, refLabels, q, {0, 1}, 1) == 1.0);
    CHECK(knnAccuracy(ref, refLabels, q, {0, 1}, 5) == 0.5); // 3 votes for 1 beat 2 for 0 at x = 0.5
    CHECK(knnAccuracy(ref, refLabels, q, {1, 1}, 5) == 1.0);
    // k = 4 at x = 0.5: two votes each; the nearest (label 0) decides.
    CHECK(knnAccuracy(ref, refLabels, q.slice(0, 0, 1), {0}, 4) == 1.0);
}

TEST_CASE("the trainer hands over the codes of every image it sees: the live map's free embeddings", "[train]")
{
    const DatasetSplits data = test::syntheticSplits(200, 60);
    TrainingRun run = TrainingRun::create(presetSpec("mlp", 2), 2e-3, 0);
    TrainConfig config;
    config.epochs = 1;
    config.batchSize = 32;
    Trainer trainer(run, data, config);
    std::vector<int> seenTrain(200, 0), seenVal(60, 0);
    torch::Tensor valCodes = torch::zeros({60, 2}), trainCodes = torch::zeros({200, 2});
    trainer.onCodes([&](bool validation, const torch::Tensor& indices, const torch::Tensor& codes, const torch::Tensor&) {
        REQUIRE(codes.size(0) == indices.size(0));
        REQUIRE(codes.size(1) == 2);
        CHECK_FALSE(codes.requires_grad());
        for (int64_t i = 0; i < indices.size(0); ++i) {
            const int64_t at = indices[i].item<int64_t>();
            (validation ? seenVal : seenTrain).at(size_t(at))++;
            (validation ? valCodes : trainCodes)[at] = codes[i];
        }
    });
    REQUIRE(trainer.run() == TrainOutcome::Finished);
    REQUIRE(run.history.back().valKnn >= 0); // labelled: the 5-NN figure is measured
    // Every training image twice (its step, then the epoch's end, which measures 5-NN on all
    // of them), every validation image once (its evaluation).
    CHECK(std::all_of(seenTrain.begin(), seenTrain.end(), [](int n) { return n == 2; }));
    CHECK(std::all_of(seenVal.begin(), seenVal.end(), [](int n) { return n == 1; }));
    // Both passes run after the epoch's last step: their codes are the final model's, the
    // exact map the window shows when training ends without encoding everything again.
    CHECK(torch::allclose(valCodes, encodeDataset(run.model, data.validation), 1e-5, 1e-6));
    CHECK(torch::allclose(trainCodes, encodeDataset(run.model, data.train), 1e-5, 1e-6));
}

TEST_CASE("k-NN accuracy in small chunks of queries agrees with every distance at once", "[latent]")
{
    // 20,000 references: the queries go in chunks of ~200 (4 M distances each).
    torch::manual_seed(3);
    const torch::Tensor ref = torch::randn({20000, 2}), q = torch::randn({700, 2});
    std::vector<uint8_t> refLabels(20000), qLabels(700);
    const auto r = ref.accessor<float, 2>();
    for (int64_t i = 0; i < 20000; ++i)
        refLabels[size_t(i)] = uint8_t((r[i][0] > 0) + 2 * (r[i][1] > 0.5f) + (i % 7 == 0 ? 4 : 0)); // some noise
    for (int64_t i = 0; i < 700; ++i)
        qLabels[size_t(i)] = uint8_t(i % 5);
    // 1-NN by brute force: the label of the nearest reference.
    const torch::Tensor nearest = torch::cdist(q, ref).argmin(1);
    int64_t agree = 0;
    for (int64_t i = 0; i < 700; ++i)
        agree += refLabels[size_t(nearest[i].item<int64_t>())] == qLabels[size_t(i)];
    CHECK(knnAccuracy(ref, refLabels, q, qLabels, 1) == Approx(double(agree) / 700));
}

TEST_CASE("a trainer told to abandon gives up at once, even during validation", "[train]")
{
    const DatasetSplits data = test::syntheticSplits(200, 2000);
    TrainingRun run = TrainingRun::create(presetSpec("mlp", 2), 2e-3, 0);
    TrainConfig config;
    config.epochs = 3;
    config.batchSize = 32;
    Trainer trainer(run, data, config);
    std::atomic<bool> abandon{false};
    trainer.abandonWhen(&abandon);
    int validationBatches = 0;
    trainer.onCodes([&](bool validation, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&) {
        if (validation && ++validationBatches == 1)
            abandon = true; // in the middle of the first epoch's validation (several batches)
    });
    CHECK_THROWS_AS(trainer.run(), Cancelled);
    CHECK(validationBatches == 1);
    CHECK(run.history.empty()); // the epoch under way is not recorded

    // Encoding for the map gives up too.
    std::atomic<bool> cancel{true};
    CHECK_THROWS_AS(embedSplits(run.model, data, &cancel), Cancelled);
    cancel = false;
    CHECK(embedSplits(run.model, data, &cancel).count() == 2200);
}

TEST_CASE("a cloud made from known codes matches one made by encoding", "[train][latent]")
{
    const DatasetSplits data = test::syntheticSplits(100, 30);
    for (int dim : {2, 5}) {
        TrainingRun run = TrainingRun::create(presetSpec("mlp", dim), 2e-3, 0);
        const LatentCloud encoded = embedSplits(run.model, data);
        const LatentCloud made = cloudFromCodes(encoded.codes, dim, data);
        CHECK(made.codes == encoded.codes);
        CHECK(made.xy == encoded.xy);
        CHECK(made.labels.size() == 130);
        CHECK(made.trainCount == 100);
        CHECK_THROWS_AS(cloudFromCodes(std::vector<float>(size_t(129 * dim)), dim, data), Error);
    }
}

TEST_CASE("a first map of the first training images comes before the whole one, when they hold every class",
          "[train][latent]")
{
    DatasetSplits data = test::syntheticSplits(400, 100); // labels 0..9 in turn
    for (const ModelKind kind : {ModelKind::Autoencoder, ModelKind::Vae}) {
        INFO((kind == ModelKind::Vae ? "VAE" : "AE"));
        ModelSpec spec = presetSpec("mlp", 5);
        spec.kind = kind;
        TrainingRun run = TrainingRun::create(spec, 2e-3, 0);
        NativeModel model(run.model);
        std::vector<LatentCloud> previews;
        std::vector<int64_t> progress;
        const LatentCloud whole = embedSplits(
            model, data, nullptr, [&](int64_t done) { progress.push_back(done); },
            [&](LatentCloud c) {
                CHECK(progress.size() > 0); // after the first rows, before the rest
                previews.push_back(std::move(c));
            },
            120);
        REQUIRE(previews.size() == 1);
        const LatentCloud& first = previews[0];
        CHECK(first.count() == 120);
        CHECK(first.trainCount == 120);
        CHECK(first.dim == 5);
        // The very codes of the whole map's first rows, with their labels and a plane of their own.
        CHECK(std::vector<float>(whole.codes.begin(), whole.codes.begin() + 120 * 5) == first.codes);
        CHECK(std::vector<uint8_t>(whole.labels.begin(), whole.labels.begin() + 120) == first.labels);
        CHECK(first.xy.size() == 240);
        CHECK(first.logVar.size() == (kind == ModelKind::Vae ? size_t(600) : size_t(0)));
        CHECK(whole.count() == 500);
        CHECK(whole.logVar.size() == (kind == ModelKind::Vae ? size_t(2500) : size_t(0)));
        CHECK(progress.back() == 500);
        // The same whole map as without a preview (to rounding: the batches are cut elsewhere).
        const LatentCloud plain = embedSplits(model, data);
        REQUIRE(plain.codes.size() == whole.codes.size());
        float worst = 0;
        for (size_t i = 0; i < plain.codes.size(); ++i)
            worst = std::max(worst, std::abs(plain.codes[i] - whole.codes[i]));
        CHECK(worst < 1e-5f);
    }
    // No preview: too few images for it to save time, or first rows that miss a class (an
    // image folder's come class by class).
    CHECK(previewRowsFor(data, 120) == 120);
    CHECK(previewRowsFor(data, 200) == 0); // 500 < 3 × 200
    std::sort(data.train.labels.begin(), data.train.labels.end());
    CHECK(previewRowsFor(data, 120) == 0);
    TrainingRun run = TrainingRun::create(presetSpec("mlp", 2), 2e-3, 0);
    NativeModel model(run.model);
    bool called = false;
    CHECK(embedSplits(model, data, nullptr, {}, [&](LatentCloud) { called = true; }, 120).count() == 500);
    CHECK_FALSE(called);
}

TEST_CASE("our one-pass Adam step equals LibTorch's Adam, state and all", "[train]")
{
    // The same gradients for both (not computed from the weights: through a model, Adam
    // magnifies a last-bit difference in a near-zero gradient to a visible one a step later).
    struct Setting {
        double lr, beta1, beta2, weightDecay;
    };
    for (const Setting& c : {Setting{1e-3, 0.9, 0.999, 0.0}, Setting{1e-2, 0.8, 0.95, 0.01}}) {
        INFO("lr " << c.lr << ", betas " << c.beta1 << "/" << c.beta2 << ", weight decay " << c.weightDecay);
        torch::manual_seed(5);
        const std::vector<std::vector<int64_t>> shapes = {{512, 3136}, {64, 32, 3, 3}, {7}, {1}};
        std::vector<torch::Tensor> theirs, ours, start;
        for (const auto& shape : shapes) {
            start.push_back(torch::randn(shape));
            theirs.push_back(start.back().clone().requires_grad_(true));
            ours.push_back(start.back().clone().requires_grad_(true));
        }
        auto options = [&] {
            return torch::optim::AdamOptions(c.lr).betas({c.beta1, c.beta2}).weight_decay(c.weightDecay);
        };
        torch::optim::Adam reference(theirs, options());
        torch::optim::Adam fused(ours, options());
        for (int step = 0; step < 6; ++step) {
            for (size_t i = 0; i < shapes.size(); ++i) {
                // Gradients of all sizes, some far below eps.
                const torch::Tensor g = torch::randn(shapes[i]) * torch::pow(10.0, torch::randint(-12, 1, shapes[i]));
                theirs[i].mutable_grad() = g.clone();
                ours[i].mutable_grad() = g.clone();
            }
            reference.step();
            adamStep(fused);
        }
        for (size_t i = 0; i < shapes.size(); ++i) {
            INFO("parameter " << i);
            CHECK(torch::allclose(ours[i], theirs[i], 1e-5, 1e-7));
            CHECK_FALSE(torch::allclose(ours[i], start[i], 1e-5, 1e-7)); // the steps did something
            const auto& sa = static_cast<torch::optim::AdamParamState&>(
                *reference.state().at(adamStateKey(theirs[i])));
            const auto& sb = static_cast<torch::optim::AdamParamState&>(
                *fused.state().at(adamStateKey(ours[i])));
            CHECK(sb.step() == sa.step());
            CHECK(torch::allclose(sb.exp_avg(), sa.exp_avg(), 1e-5, 1e-7)); // m may cancel to near 0
            CHECK(torch::allclose(sb.exp_avg_sq(), sa.exp_avg_sq(), 1e-5, 1e-20));
        }
    }
}

TEST_CASE("a UMAP-regularised model keeps apart the clusters that a plain 2-D autoencoder merges", "[train][umap]")
{
    // Ten shapes told apart by where their block is; the plain AE's 2-D code, after a few
    // epochs, lays some of them over each other, the UMAP model's codes keep them apart.
    const DatasetSplits data = test::syntheticSplits(600, 200);
    auto trained = [&](ModelKind kind) {
        ModelSpec spec = presetSpec("mlp", 2, kind);
        spec.umapDeskew = false; // their class is where their block is, and deskewing centres the ink
        TrainingRun run = TrainingRun::create(spec, 2e-3, 1);
        TrainConfig config;
        config.epochs = 6;
        config.batchSize = 32;
        config.seed = 1;
        Trainer trainer(run, data, config);
        std::vector<std::pair<std::string, double>> prepared;
        trainer.onPrepare([&](const std::string& what, double f) { prepared.emplace_back(what, f); });
        REQUIRE(trainer.run() == TrainOutcome::Finished);
        if (kind == ModelKind::Umap) {
            REQUIRE_FALSE(prepared.empty());
            CHECK_THAT(prepared.front().first, Catch::Contains("UMAP"));
            CHECK(prepared.back().second == Approx(1.0));
            REQUIRE(run.umapTarget.size() == size_t(2 * 600));
            CHECK(run.history.back().trainStructure > 0);
        } else {
            CHECK(prepared.empty());
            CHECK(run.umapTarget.empty());
        }
        return run;
    };
    TrainingRun plain = trained(ModelKind::Autoencoder), regularised = trained(ModelKind::Umap);
    const double plainKnn = plain.history.back().valKnn, umapKnn = regularised.history.back().valKnn;
    INFO("5-NN: plain AE " << plainKnn << ", UMAP model " << umapKnn);
    // The per-epoch figure is eval's: validation codes among the training codes.
    CHECK(umapKnn == Approx(knnAccuracy(encodeDataset(regularised.model, data.train), data.train.labels,
                                        encodeDataset(regularised.model, data.validation), data.validation.labels, 5)));
    CHECK(umapKnn >= 0.85);
    CHECK(umapKnn > plainKnn + 0.1);
    // Its loss is its reconstruction: comparable with the plain model's, and it still decodes.
    CHECK(regularised.history.back().valLoss == Approx(regularised.history.back().valRecon));
    CHECK(regularised.history.back().valLoss < 1.5 * plain.history.back().valLoss);
}

TEST_CASE("a UMAP model of handwriting lays out its images with their slant undone; told not to, as they are",
          "[train][umap]")
{
    const DatasetSplits data = test::syntheticSplits(120, 20);
    ModelSpec spec = presetSpec("conv", 2, ModelKind::Umap, LossKind::Mse, "mnist");
    REQUIRE(spec.umapDeskew);
    UmapOptions options;
    options.neighbours = spec.umapNeighbours;
    options.minDist = spec.umapMinDist;
    options.seed = 1;
    const int dim = data.train.rows * data.train.cols;
    const std::vector<uint8_t> deskewed = deskewedImages(data.train.pixels.data(), data.train.count, data.train.rows,
                                                         data.train.cols);
    REQUIRE(deskewed != data.train.pixels);
    std::vector<std::string> said;
    std::vector<double> fractions;
    const std::vector<float> layout = Trainer::umapTargets(spec, data.train, nullptr, [&](const std::string& what, double f) {
        said.push_back(what);
        fractions.push_back(f);
    });
    CHECK(layout == umapOfImages(deskewed.data(), data.train.count, dim, options, {}, nullptr));
    REQUIRE_FALSE(said.empty());
    CHECK_THAT(said.front(), Catch::Contains("slant undone"));
    CHECK(fractions.front() == 0); // said before the deskewing, not first from inside UMAP
    CHECK(fractions.back() == 1);
    spec.umapDeskew = false;
    said.clear();
    const std::vector<float> asTheyAre = Trainer::umapTargets(spec, data.train, nullptr, [&](const std::string& what, double) {
        said.push_back(what);
    });
    CHECK(asTheyAre == umapOfImages(data.train.pixels.data(), data.train.count, dim, options, {}, nullptr));
    CHECK(asTheyAre != layout);
    REQUIRE_FALSE(said.empty());
    CHECK_FALSE(Catch::Contains("slant").match(said.front()));
    CHECK_FALSE(Catch::Contains("shades").match(said.front()));
}

TEST_CASE("a UMAP model of clothes lays out its images with their shades compressed by its gamma", "[train][umap]")
{
    const DatasetSplits data = test::syntheticSplits(120, 20);
    ModelSpec spec = presetSpec("conv", 2, ModelKind::Umap, LossKind::Mse, "fashion");
    REQUIRE_FALSE(spec.umapDeskew);
    REQUIRE(spec.umapGamma < 1);
    UmapOptions options;
    options.neighbours = spec.umapNeighbours;
    options.minDist = spec.umapMinDist;
    options.seed = 1;
    const int dim = data.train.rows * data.train.cols;
    std::vector<std::string> said;
    const std::vector<float> layout = Trainer::umapTargets(spec, data.train, nullptr, [&](const std::string& what, double) {
        said.push_back(what);
    });
    CHECK(layout == umapOfImages(data.train.pixels.data(), data.train.count, dim, options, {}, nullptr, spec.umapGamma));
    REQUIRE_FALSE(said.empty());
    CHECK_THAT(said.front(), Catch::Contains("shades compressed"));
    spec.umapGamma = 1;
    const std::vector<float> asTheyAre = Trainer::umapTargets(spec, data.train, nullptr, {});
    CHECK(asTheyAre == umapOfImages(data.train.pixels.data(), data.train.count, dim, options, {}, nullptr));
    CHECK(asTheyAre != layout);
}

TEST_CASE("a stop while a UMAP model's layout is made ends the run before its first step", "[train][umap]")
{
    const DatasetSplits data = test::syntheticSplits(300, 60);
    TrainingRun run = TrainingRun::create(presetSpec("mlp", 2, ModelKind::Umap), 2e-3, 1);
    TrainConfig config;
    config.epochs = 2;
    Trainer trainer(run, data, config);
    trainer.onPrepare([&](const std::string&, double) { trainer.requestStop(); });
    int steps = 0;
    trainer.onStep([&](const StepReport&) { ++steps; });
    CHECK(trainer.run() == TrainOutcome::Stopped);
    CHECK(steps == 0);
    CHECK(run.history.empty());
}

TEST_CASE("a UMAP model's bad settings are refused with a clear message", "[train][umap]")
{
    CHECK_THROWS_WITH(presetSpec("conv", 8, ModelKind::Umap), Catch::Contains("2-D code"));
    ModelSpec spec = presetSpec("conv", 2, ModelKind::Umap);
    spec.umapNeighbours = 1;
    CHECK_THROWS_WITH(checkSpec(spec), Catch::Contains("neighbours"));
    spec = presetSpec("conv", 2, ModelKind::Umap);
    spec.umapWeight = -0.5;
    CHECK_THROWS_WITH(checkSpec(spec), Catch::Contains("weight"));
    spec = presetSpec("conv", 2, ModelKind::Umap);
    for (const double bad : {0.0, 1.5, std::nan("")}) {
        spec.umapMinDist = bad;
        CHECK_THROWS_WITH(checkSpec(spec), Catch::Contains("min_dist"));
    }
    // The same from a file's header.
    QJsonObject json = specToJson(presetSpec("conv", 2, ModelKind::Umap));
    QJsonObject umap = json.value("umap").toObject();
    umap["min_dist"] = 3.0;
    json["umap"] = umap;
    CHECK_THROWS_WITH(specFromJson(json), Catch::Contains("min_dist"));
    json.remove("umap");
    CHECK_THROWS_WITH(specFromJson(json), Catch::Contains("umap.weight"));
}

namespace {

// An mlp on 4 training images (4 of the 10 shapes, each with its own noise) and 80 of all ten
// for validation: it learns the four by heart, and its validation loss turns up again.
TrainConfig overfittingConfig(int epochs)
{
    TrainConfig config;
    config.epochs = epochs;
    config.batchSize = 4;
    config.seed = 3;
    config.cosineDecay = false; // the same rates whatever the number of epochs
    config.measureKnn = false;
    return config;
}

bool sameAdamState(torch::optim::Adam& a, torch::optim::Adam& b)
{
    const auto pa = a.param_groups().at(0).params(), pb = b.param_groups().at(0).params();
    for (size_t i = 0; i < pa.size(); ++i) {
        const auto& sa = static_cast<const torch::optim::AdamParamState&>(*a.state().at(adamStateKey(pa[i])));
        const auto& sb = static_cast<const torch::optim::AdamParamState&>(*b.state().at(adamStateKey(pb[i])));
        if (sa.step() != sb.step() || !torch::equal(sa.exp_avg(), sb.exp_avg())
            || !torch::equal(sa.exp_avg_sq(), sb.exp_avg_sq()))
            return false;
    }
    return true;
}

} // namespace

TEST_CASE("keepBest goes back to the best epoch's weights and optimizer state, as if training had stopped there",
          "[train]")
{
    const DatasetSplits data = test::syntheticSplits(4, 80);
    const int epochs = 150;
    TrainingRun a = TrainingRun::create(presetSpec("mlp", 2), 1e-2, 3);
    TrainConfig config = overfittingConfig(epochs);
    config.keepBest = true;
    std::vector<EpochRecord> reported;
    Trainer trainer(a, data, config);
    trainer.onEpoch([&](const EpochRecord& e) { reported.push_back(e); });
    REQUIRE(trainer.run() == TrainOutcome::Finished);
    REQUIRE(reported.size() == size_t(epochs));
    const auto best = std::min_element(reported.begin(), reported.end(),
                                       [](const EpochRecord& x, const EpochRecord& y) { return x.valLoss < y.valLoss; });
    const int bestEpoch = best->epoch;
    INFO("best epoch " << bestEpoch << ", val " << best->valLoss << ", last " << reported.back().valLoss);
    REQUIRE(bestEpoch < epochs - 20); // the set-up overfits, or this test proves nothing
    CHECK(trainer.bestEpoch() == bestEpoch);
    REQUIRE(a.epochsDone() == bestEpoch);
    CHECK(a.history.back().valLoss == best->valLoss);
    CHECK(Trainer::evaluate(a, data.validation).valLoss == Approx(best->valLoss).epsilon(1e-6));

    // The same as a run told to train just that many epochs: weights and Adam's state alike,
    // and so after one more epoch of each.
    TrainingRun b = TrainingRun::create(presetSpec("mlp", 2), 1e-2, 3);
    Trainer(b, data, overfittingConfig(bestEpoch)).run();
    CHECK(sameWeights(a.model, b.model));
    CHECK(sameAdamState(*a.optimizer, *b.optimizer));
    Trainer(a, data, overfittingConfig(1)).run();
    Trainer(b, data, overfittingConfig(1)).run();
    CHECK(sameWeights(a.model, b.model));
    CHECK(a.history.back().valLoss == b.history.back().valLoss);
}

TEST_CASE("early stopping ends training once the validation loss has not improved for the patience's epochs", "[train]")
{
    const DatasetSplits data = test::syntheticSplits(4, 80);
    TrainingRun run = TrainingRun::create(presetSpec("mlp", 2), 1e-2, 3);
    TrainConfig config = overfittingConfig(400);
    config.patience = 4;
    std::vector<EpochRecord> reported;
    Trainer trainer(run, data, config);
    trainer.onEpoch([&](const EpochRecord& e) { reported.push_back(e); });
    REQUIRE(trainer.run() == TrainOutcome::NoImprovement);
    const auto best = std::min_element(reported.begin(), reported.end(),
                                       [](const EpochRecord& x, const EpochRecord& y) { return x.valLoss < y.valLoss; });
    CHECK(trainer.bestEpoch() == best->epoch);
    CHECK(reported.size() == size_t(best->epoch + 4)); // four epochs without a better one, then stop
    CHECK(run.epochsDone() == int(reported.size()));   // without keepBest the last weights stay
    for (size_t i = size_t(best->epoch); i < reported.size(); ++i)
        CHECK(reported[i].valLoss >= best->valLoss);
}

TEST_CASE("without a validation part, neither patience nor keepBest cut training short", "[train]")
{
    DatasetSplits data = test::syntheticSplits(4, 80);
    data.validation = Dataset{};
    TrainingRun run = TrainingRun::create(presetSpec("mlp", 2), 1e-2, 3);
    TrainConfig config = overfittingConfig(12);
    config.patience = 2;
    config.keepBest = true;
    Trainer trainer(run, data, config);
    CHECK(trainer.run() == TrainOutcome::Finished);
    CHECK(run.epochsDone() == 12);
    CHECK(trainer.bestEpoch() == 0);
}

namespace {

// The angle (degrees) of an image's principal axis, from its second moments.
double principalAngle(const torch::Tensor& image)
{
    const torch::Tensor w = image.squeeze();
    const int64_t h = w.size(0), width = w.size(1);
    const torch::Tensor ys = torch::arange(h, torch::kFloat32).view({h, 1}).expand({h, width});
    const torch::Tensor xs = torch::arange(width, torch::kFloat32).view({1, width}).expand({h, width});
    const double m = w.sum().item<double>();
    const double cx = (w * xs).sum().item<double>() / m, cy = (w * ys).sum().item<double>() / m;
    const double sxx = (w * (xs - cx).pow(2)).sum().item<double>() / m;
    const double syy = (w * (ys - cy).pow(2)).sum().item<double>() / m;
    const double sxy = (w * (xs - cx) * (ys - cy)).sum().item<double>() / m;
    return 0.5 * std::atan2(2 * sxy, sxx - syy) * 180.0 / M_PI;
}

} // namespace

TEST_CASE("augmentation turns, scales and moves each image within the spec's bounds", "[train]")
{
    // A thin bar through the centre at 0°: its principal axis is the bar.
    torch::Tensor bar = torch::zeros({1, 1, 28, 28});
    bar.index_put_({0, 0, torch::indexing::Slice(13, 15), torch::indexing::Slice(4, 24)}, 1.0f);
    const torch::Tensor x = bar.expand({256, 1, 28, 28}).contiguous();
    auto generator = at::detail::createCPUGenerator(5);

    ModelSpec none = presetSpec("conv", 2);
    CHECK(torch::allclose(augmentedImages(x, none, generator), x, 1e-5, 1e-5)); // no augmentation: the image itself

    ModelSpec turn = none;
    turn.rotateAugment = 15;
    const torch::Tensor turned = augmentedImages(x, turn, generator);
    double lo = 90, hi = -90;
    for (int64_t i = 0; i < x.size(0); ++i) {
        const double a = principalAngle(turned[i]);
        lo = std::min(lo, a);
        hi = std::max(hi, a);
        CHECK(turned[i].sum().item<double>() == Approx(bar.sum().item<double>()).epsilon(0.1)); // ink kept
    }
    INFO("angles from " << lo << " to " << hi);
    CHECK(lo >= -16);
    CHECK(hi <= 16);
    CHECK(lo < -10); // both ways, most of the range
    CHECK(hi > 10);

    ModelSpec grow = none;
    grow.scaleAugment = 0.2;
    const torch::Tensor scaled = augmentedImages(x, grow, generator);
    // The bar's spread along its length (the root of its second moment) scales with it.
    const torch::Tensor columns = torch::arange(28, torch::kFloat32).view({1, 1, 1, 28}) - 13.5;
    const torch::Tensor spread = ((scaled * columns.pow(2)).sum({1, 2, 3}) / scaled.sum({1, 2, 3})).sqrt()
                                 / ((bar * columns.pow(2)).sum() / bar.sum()).sqrt();
    INFO("scales from " << spread.min().item<double>() << " to " << spread.max().item<double>());
    CHECK(spread.min().item<double>() >= 0.78);
    CHECK(spread.max().item<double>() <= 1.22);
    CHECK(spread.max().item<double>() - spread.min().item<double>() > 0.25);

    ModelSpec move = none;
    move.shiftAugment = 2;
    const torch::Tensor moved = augmentedImages(x, move, generator);
    const torch::Tensor rows = torch::arange(28, torch::kFloat32).view({1, 1, 28, 1});
    const torch::Tensor centre = (moved * rows).sum({1, 2, 3}) / moved.sum({1, 2, 3}) - 13.5; // bar's centre row: 13.5
    CHECK(centre.abs().max().item<double>() <= 2.01);
    CHECK(centre.abs().max().item<double>() > 1.0);
}

TEST_CASE("the decoder's finish trains the decoder alone on the clean codes, the encoder and the map held still",
          "[train]")
{
    const DatasetSplits data = test::syntheticSplits(160, 40);
    ModelSpec spec = presetSpec("conv", 2);
    spec.inputNoise = 0.3;
    spec.rotateAugment = 10;
    spec.decoderFinish = 0.5; // of 4 epochs: the last 2
    TrainingRun run = TrainingRun::create(spec, 2e-3, 1);
    TrainConfig config;
    config.epochs = 4;
    config.batchSize = 32;
    config.cosineDecay = false;
    auto encoderWeights = [&] {
        std::vector<torch::Tensor> w;
        for (const torch::Tensor& p : run.model->encoderLayers()->parameters())
            w.push_back(p.detach().clone());
        for (const torch::Tensor& b : run.model->encoderLayers()->buffers())
            w.push_back(b.detach().clone()); // batch statistics too: the encoder is not run
        return w;
    };
    auto decoderWeights = [&] {
        std::vector<torch::Tensor> w;
        for (const torch::Tensor& p : run.model->decoderLayers()->parameters())
            w.push_back(p.detach().clone());
        return w;
    };
    auto same = [](const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
        for (size_t i = 0; i < a.size(); ++i)
            if (!torch::equal(a[i], b[i]))
                return false;
        return true;
    };
    std::vector<std::vector<torch::Tensor>> encoderAfter, decoderAfter;
    std::vector<std::pair<int, bool>> steps; // epoch, decoder only
    Trainer trainer(run, data, config);
    trainer.onStep([&](const StepReport& r) { steps.emplace_back(r.epoch, r.decoderOnly); });
    Autoencoder beforeFinish{nullptr};
    trainer.onEpoch([&](const EpochRecord&) {
        encoderAfter.push_back(encoderWeights());
        decoderAfter.push_back(decoderWeights());
        if (encoderAfter.size() == 2)
            beforeFinish = Autoencoder(std::dynamic_pointer_cast<AutoencoderImpl>(run.model->clone()));
    });
    std::vector<torch::Tensor> finishCodes;
    std::vector<int64_t> handedInEpoch3; // how many training codes each call of epoch 3 handed over
    trainer.onCodes([&](bool validation, const torch::Tensor&, const torch::Tensor& codes, const torch::Tensor&) {
        if (!validation && encoderAfter.size() == 2)
            handedInEpoch3.push_back(codes.size(0));
        if (!validation && encoderAfter.size() == 3) // the training steps of epoch 4
            finishCodes.push_back(codes.clone());
    });
    REQUIRE(trainer.run() == TrainOutcome::Finished);
    REQUIRE(encoderAfter.size() == 4);
    // The live map gets every code it will hold at once when the finish begins.
    REQUIRE_FALSE(handedInEpoch3.empty());
    CHECK(handedInEpoch3.front() == data.train.count);
    const size_t weights = run.model->encoderLayers()->parameters().size();
    auto firstOf = [&](const std::vector<torch::Tensor>& all) {
        return std::vector<torch::Tensor>(all.begin(), all.begin() + long(weights));
    };
    CHECK_FALSE(same(encoderAfter[0], encoderAfter[1])); // the encoder learns in the first half
    CHECK(same(firstOf(encoderAfter[1]), firstOf(encoderAfter[2]))); // its weights hold in the second
    CHECK_FALSE(same(encoderAfter[1], encoderAfter[2])); // its batch statistics measured afresh once
    CHECK(same(encoderAfter[2], encoderAfter[3]));       // and then held too
    CHECK_FALSE(same(decoderAfter[1], decoderAfter[2])); // while the decoder goes on learning
    CHECK_FALSE(same(decoderAfter[2], decoderAfter[3]));
    for (const auto& [epoch, decoderOnly] : steps)
        CHECK(decoderOnly == (epoch > 2));
    // Those statistics are the clean training images': eval mode now gives the codes that the
    // images' own batch statistics give (train mode, all of them in one batch); before the
    // finish, with statistics of noisy, turned copies, it did not.
    auto mismatch = [&](Autoencoder model) {
        torch::NoGradGuard noGrad;
        const torch::Tensor x = imagesToTensor(datasetImages(data.train));
        model->eval();
        const torch::Tensor evalCodes = model->encode(x);
        Autoencoder copy(std::dynamic_pointer_cast<AutoencoderImpl>(model->clone()));
        copy->train();
        return ((copy->encode(x) - evalCodes).abs().max() / evalCodes.std()).item<double>();
    };
    const double before = mismatch(beforeFinish), after = mismatch(run.model);
    INFO("eval-mode codes off the clean statistics' by " << before << " before the finish, " << after << " after");
    CHECK(after < 0.05);
    CHECK(after < before / 3);
    // The codes it trains on are the clean training images' codes, in eval mode.
    REQUIRE_FALSE(finishCodes.empty());
    const torch::Tensor clean = encodeDataset(run.model, data.train);
    for (const torch::Tensor& c : finishCodes) {
        bool found = true;
        for (int64_t i = 0; i < c.size(0); ++i)
            found = found && ((clean - c[i]).abs().sum(1).min().item<double>() < 1e-5);
        CHECK(found);
    }
}
