#include "common/Error.h"
#include "model/ArchitecturePlan.h"
#include "model/Autoencoder.h"

#include <catch2/catch.hpp>

using namespace lx;

namespace {

std::vector<int64_t> planned(const FeatureShape& s, int64_t batch)
{
    if (s.flat)
        return {batch, s.channels};
    return {batch, s.channels, s.rows, s.cols};
}

// Runs a batch through the built layers one module at a time and checks that each produces
// the shape the plan says, so `inspect` and the shape panel describe what really runs.
void checkShapesMatchPlan(const ModelSpec& spec, int64_t batch)
{
    Autoencoder model(spec);
    model->eval();
    torch::NoGradGuard noGrad;
    const ArchitecturePlan plan = planArchitecture(spec);
    REQUIRE(plan.ok());
    std::pair<torch::nn::Sequential, const std::vector<PlannedLayer>*> parts[] = {
        {model->encoderLayers(), &plan.encoder}, {model->decoderLayers(), &plan.decoder}};
    torch::Tensor h = torch::rand({batch, 1, spec.imageRows, spec.imageCols});
    for (auto& [layers, plannedLayers] : parts) {
        if (plannedLayers == &plan.decoder)
            h = torch::randn({batch, int64_t(spec.latentDim)});
        REQUIRE(layers->size() == plannedLayers->size());
        size_t i = 0;
        for (auto& module : *layers) {
            h = module.forward(h);
            INFO(spec.arch << " layer " << i << ": " << (*plannedLayers)[i].describe());
            CHECK(h.sizes().vec() == planned((*plannedLayers)[i].out, batch));
            ++i;
        }
    }
    CHECK(h.sizes().vec() == std::vector<int64_t>{batch, 1, spec.imageRows, spec.imageCols});
    int64_t params = 0;
    for (const auto& p : model->parameters())
        params += p.numel();
    CHECK(params == plan.parameterCount());
}

} // namespace

TEST_CASE("the lecture preset is exactly the lecture's conv autoencoder: 28 -> 14 -> 7 and back", "[model]")
{
    const ArchitecturePlan plan = planArchitecture(presetSpec("lecture", 2));
    REQUIRE(plan.ok());
    std::vector<std::string> layers;
    for (const auto* part : {&plan.encoder, &plan.decoder})
        for (const PlannedLayer& l : *part)
            layers.push_back(l.describe() + " -> " + l.out.text());
    CHECK(layers == std::vector<std::string>{
                        "Conv2d 1→32 k3 s2 p1 -> 32×14×14", "ReLU -> 32×14×14", "Conv2d 32→64 k3 s2 p1 -> 64×7×7",
                        "ReLU -> 64×7×7", "Flatten -> 3136", "Linear 3136→2 -> 2", "Linear 2→3136 -> 3136", "ReLU -> 3136",
                        "Unflatten -> 64×7×7", "ConvTranspose2d 64→32 k3 s2 p1 op1 -> 32×14×14", "ReLU -> 32×14×14",
                        "ConvTranspose2d 32→1 k3 s2 p1 op1 -> 1×28×28", "Sigmoid -> 1×28×28"});
}

TEST_CASE("every preset's layers produce the shapes its plan lists, for AE and VAE", "[model]")
{
    for (const std::string& arch : presetNames())
        for (ModelKind kind : {ModelKind::Autoencoder, ModelKind::Vae})
            for (int latent : {2, 16}) {
                ModelSpec spec = presetSpec(arch, latent, kind);
                spec.batchNorm = latent == 16; // both with and without batch normalisation
                checkShapesMatchPlan(spec, 3);
            }
}

TEST_CASE("a VAE's encoder gives mean and log-variance, and eval mode decodes the mean", "[model]")
{
    Autoencoder vae(presetSpec("conv", 3, ModelKind::Vae));
    vae->eval();
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::rand({4, 1, 28, 28});
    auto [mu, logVar] = vae->encodeDistribution(x);
    CHECK(mu.sizes().vec() == std::vector<int64_t>{4, 3});
    CHECK(logVar.sizes().vec() == std::vector<int64_t>{4, 3});
    const ModelOutput out = vae->forward(x);
    CHECK(torch::equal(out.reconstruction, vae->decode(mu)));
    const LossTerms t = computeLoss(vae->spec(), out, x);
    CHECK(t.kl.item<double>() >= 0);
    CHECK(t.total.item<double>() >= t.reconstruction.item<double>());
}

TEST_CASE("the shape checker explains the lecture's three cases", "[model]")
{
    ModelSpec spec = presetSpec("lecture", 2);
    SECTION("with padding and output_padding the sizes meet") { CHECK(planArchitecture(spec).ok()); }
    SECTION("stride 2 without output_padding gives 27x27, and the fix is named")
    {
        spec.decoderConvs[1].outputPadding = 0;
        const ArchitecturePlan plan = planArchitecture(spec);
        CHECK(plan.problem == "decoder gives 27×27, expected 28×28: output_padding = 1 on the last layer fixes it");
        CHECK_THROWS_WITH(Autoencoder(spec), Catch::Contains("decoder gives 27×27"));
    }
    SECTION("no padding anywhere shrinks and regrows to the wrong size")
    {
        for (auto& c : spec.encoderConvs)
            c.padding = 0;
        for (auto& c : spec.decoderConvs)
            c.padding = 0, c.outputPadding = 0;
        const ArchitecturePlan plan = planArchitecture(spec);
        CHECK(plan.encoder[2].out.text() == "64×6×6"); // 28 → 13 → 6
        CHECK(plan.problem.find("decoder gives 27×27, expected 28×28") == 0);
    }
    SECTION("output_padding must be smaller than the stride")
    {
        spec.decoderConvs[0].outputPadding = 2;
        CHECK(planArchitecture(spec).problem.find("must be smaller than the stride 2") != std::string::npos);
    }
    SECTION("a layer that would shrink the image to nothing")
    {
        spec.encoderConvs.push_back({64, 9, 1, 0, 0});
        CHECK(planArchitecture(spec).problem.find("smaller than its kernel") != std::string::npos);
    }
}

TEST_CASE("a spec survives JSON and a damaged spec is refused by field", "[model]")
{
    ModelSpec spec = presetSpec("mlp", 8, ModelKind::Vae, LossKind::Bce);
    spec.beta = 4;
    spec.activation = Activation::Silu;
    CHECK(specFromJson(specToJson(spec)) == spec);
    QJsonObject bad = specToJson(spec);
    bad["latent_dim"] = 0;
    CHECK_THROWS_WITH(specFromJson(bad), Catch::Contains("latent_dim"));
    bad = specToJson(spec);
    bad["kind"] = "gan";
    CHECK_THROWS_WITH(specFromJson(bad), Catch::Contains("ae, vae or umap"));
    CHECK_THROWS_WITH(presetSpec("resnet"), Catch::Contains("lecture, conv or mlp"));
}

TEST_CASE("augmentation and the decoder's finish are part of the spec: saved, read back, absent in older files, checked",
          "[model]")
{
    ModelSpec spec = presetSpec("conv", 2, ModelKind::Umap); // the first launch's model has them all
    CHECK(spec.shiftAugment == 1);
    CHECK(spec.rotateAugment == 0);
    CHECK(spec.scaleAugment == 0);
    CHECK(spec.umapWeight == 0.001);
    CHECK(spec.decoderFinish == 0.3);
    CHECK(spec.inputNoise == 0); // moved copies, not noisy ones (noise on top cost 5-NN and MSE)
    CHECK(spec.umapDeskew); // its layout from the digits with their slant undone
    for (const std::string& arch : presetNames()) { // plain autoencoders train as the lecture's
        const ModelSpec plain = presetSpec(arch, 2);
        CHECK(plain.rotateAugment + plain.scaleAugment + plain.shiftAugment + plain.decoderFinish == 0);
    }
    // Upright photographs (fashion, by name or path) are not moved, turned or scaled but made
    // noisy, and laid out as they are; the finish stays. Digits and unknown folders are moved
    // by a pixel and laid out deskewed.
    for (const std::string fashion : {"fashion", "/usr/share/dataset-fashion-mnist/train", "Fashion-MNIST"}) {
        INFO(fashion);
        const ModelSpec clothes = presetSpec("conv", 2, ModelKind::Umap, LossKind::Mse, fashion);
        CHECK(clothes.rotateAugment + clothes.scaleAugment + clothes.shiftAugment == 0);
        CHECK(clothes.inputNoise == 0.3);
        CHECK(clothes.decoderFinish == 0.3);
        CHECK_FALSE(clothes.umapDeskew);
        CHECK(clothes.umapWeight == 0.03);
        CHECK(clothes.umapGamma == 0.4); // shades compressed
    }
    for (const std::string other : {"mnist", "/home/me/my-digits"}) {
        CHECK(presetSpec("conv", 2, ModelKind::Umap, LossKind::Mse, other).shiftAugment == 1);
        CHECK(presetSpec("conv", 2, ModelKind::Umap, LossKind::Mse, other).umapDeskew);
        CHECK(presetSpec("conv", 2, ModelKind::Umap, LossKind::Mse, other).umapGamma == 1);
    }
    // The deskewing round-trips both ways; a file from before it has none; a value that is
    // not a truth value is refused.
    for (const bool deskew : {false, true}) {
        ModelSpec umap = spec;
        umap.umapDeskew = deskew;
        CHECK(specFromJson(specToJson(umap)).umapDeskew == deskew);
        CHECK(specFromJson(specToJson(umap)) == umap);
    }
    {
        QJsonObject json = specToJson(spec);
        QJsonObject u = json["umap"].toObject();
        u.remove("deskew");
        json["umap"] = u;
        CHECK_FALSE(specFromJson(json).umapDeskew);
        u["deskew"] = "yes";
        json["umap"] = u;
        CHECK_THROWS_WITH(specFromJson(json), Catch::Contains("umap.deskew"));
    }
    // So does the gamma; a file from before it has the pixels as they are; a value that is not
    // a number, or out of range, is refused.
    for (const double gamma : {0.3, 1.0, 2.0}) {
        ModelSpec umap = spec;
        umap.umapGamma = gamma;
        CHECK(specFromJson(specToJson(umap)).umapGamma == gamma);
        ModelSpec other = umap;
        other.umapGamma = gamma / 2;
        CHECK(specFromJson(specToJson(umap)) != other);
    }
    {
        QJsonObject json = specToJson(spec);
        QJsonObject u = json["umap"].toObject();
        u.remove("gamma");
        json["umap"] = u;
        CHECK(specFromJson(json).umapGamma == 1);
        for (const QJsonValue bad : {QJsonValue("0.3"), QJsonValue(0.0), QJsonValue(-1.0), QJsonValue(5.0)}) {
            u["gamma"] = bad;
            json["umap"] = u;
            CHECK_THROWS_WITH(specFromJson(json), Catch::Contains("gamma"));
        }
    }
    spec.rotateAugment = 7.5;
    spec.scaleAugment = 0.05;
    spec.decoderFinish = 0.25;
    const ModelSpec back = specFromJson(specToJson(spec));
    CHECK(back == spec);
    CHECK(back.rotateAugment == 7.5);
    CHECK(back.decoderFinish == 0.25);
    QJsonObject older = specToJson(spec);
    for (const char* key : {"rotate_augment", "scale_augment", "decoder_finish"})
        older.remove(key); // a checkpoint from before the fields existed
    const ModelSpec old = specFromJson(older);
    CHECK(old.rotateAugment == 0);
    CHECK(old.scaleAugment == 0);
    CHECK(old.decoderFinish == 0);
    for (const auto& [key, value] : std::vector<std::pair<const char*, QJsonValue>>{
             {"rotate_augment", 90}, {"rotate_augment", "lots"}, {"scale_augment", -0.1}, {"decoder_finish", 1.0}}) {
        QJsonObject bad = specToJson(spec);
        bad[key] = value;
        CHECK_THROWS_WITH(specFromJson(bad), Catch::Contains(key));
    }
    ModelSpec vae = presetSpec("conv", 2, ModelKind::Vae);
    vae.decoderFinish = 0.3;
    CHECK_THROWS_WITH(checkSpec(vae), Catch::Contains("VAE"));
}

TEST_CASE("the denoising σ is part of the spec: saved, read back, absent in older files, checked", "[model]")
{
    for (const std::string& arch : presetNames()) // plain autoencoders unless asked
        CHECK(presetSpec(arch, 2).inputNoise == 0);
    ModelSpec spec = presetSpec("lecture", 2);
    spec.inputNoise = 0.25;
    CHECK(specFromJson(specToJson(spec)).inputNoise == 0.25);
    QJsonObject older = specToJson(spec);
    older.remove("input_noise"); // a checkpoint from before the field existed
    CHECK(specFromJson(older).inputNoise == 0);
    QJsonObject bad = specToJson(spec);
    bad["input_noise"] = -1;
    CHECK_THROWS_WITH(specFromJson(bad), Catch::Contains("input_noise"));
    bad["input_noise"] = "lots";
    CHECK_THROWS_WITH(specFromJson(bad), Catch::Contains("input_noise"));
}
