#include "TestSupport.h"

#include "common/Error.h"
#include "latent/Evaluation.h"
#include "io/ZipArchive.h"
#include "model/ScriptedModel.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>
#include <sstream>

using namespace lx;

namespace {

std::string dataFile(const std::string& name)
{
    return std::string(LX_TEST_DATA) + "/" + name;
}

// tiny_ae_probe.txt: encode() of the image whose pixel i is (i % 256) / 255, then decode()
// of the code (0.5, −1, 2), as Python computed them.
std::vector<std::vector<float>> probe()
{
    std::ifstream f(dataFile("tiny_ae_probe.txt"));
    std::vector<std::vector<float>> lines;
    for (std::string line; std::getline(f, line);) {
        std::istringstream in(line);
        lines.emplace_back();
        for (float v; in >> v;)
            lines.back().push_back(v);
    }
    return lines;
}

} // namespace

TEST_CASE("a TorchScript model from Python encodes and decodes as it did in Python", "[scripted]")
{
    const auto model = ScriptedModel::load(dataFile("tiny_ae.pt"));
    CHECK(model->latentDim() == 3);
    CHECK(model->parameterCount() == 784 * 32 + 32 + 32 * 3 + 3 + 3 * 32 + 32 + 32 * 784 + 784);
    const auto expected = probe();
    REQUIRE(expected.size() == 2);
    REQUIRE(expected[0].size() == 3);
    REQUIRE(expected[1].size() == 784);

    const torch::Tensor x = (torch::arange(784) % 256).to(torch::kFloat32).div(255).view({1, 1, 28, 28});
    const torch::Tensor z = model->encode(x);
    REQUIRE(z.sizes() == torch::IntArrayRef({1, 3}));
    for (int k = 0; k < 3; ++k)
        CHECK(z[0][k].item<float>() == Approx(expected[0][size_t(k)]).margin(1e-5));
    const torch::Tensor image = model->decode(torch::tensor({{0.5f, -1.0f, 2.0f}})).flatten();
    for (int i = 0; i < 784; i += 37)
        CHECK(image[i].item<float>() == Approx(expected[1][size_t(i)]).margin(1e-5));

    // Everywhere a native model goes: the map's cloud of a dataset.
    const DatasetSplits data = test::syntheticSplits(40, 10);
    const LatentCloud cloud = embedSplits(*model, data);
    CHECK(cloud.dim == 3);
    CHECK(cloud.count() == 50);
    CHECK_FALSE(cloud.projection.isIdentity()); // 3-D: its PCA plane
    const ReconstructionScores scores = reconstructionScores(*model, data.validation);
    CHECK(scores.mse > 0);
    CHECK(scores.mse < 1);
}

TEST_CASE("a TorchScript file that is not the model we need is refused, saying what is wrong", "[scripted]")
{
    auto refusal = [](const std::string& path) {
        try {
            ScriptedModel::load(path);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("(loaded)");
    };
    CHECK_THAT(refusal(dataFile("no_decode.pt")), Catch::Contains("has no method decode"));
    CHECK_THAT(refusal(dataFile("wrong_shape.pt")), Catch::Contains("returned 2×784; it must return 2×1×28×28"));

    test::TempDir dir;
    std::vector<uint8_t> bytes = test::readBytes(dataFile("tiny_ae.pt"));
    const std::vector<uint8_t> head(bytes.begin(), bytes.begin() + long(bytes.size() / 2));
    test::writeBytes(dir.file("truncated.pt"), head);
    CHECK_THAT(refusal(dir.file("truncated.pt")), Catch::Contains("truncated"));
    test::writeBytes(dir.file("empty.pt"), {});
    CHECK_THAT(refusal(dir.file("empty.pt")), Catch::Contains("too small"));
    std::vector<uint8_t> text(4000, 'x');
    test::writeBytes(dir.file("text.pt"), text);
    CHECK_THAT(refusal(dir.file("text.pt")), Catch::Contains("not a TorchScript file"));
    CHECK_FALSE(isTorchScriptFile(dir.file("text.pt")));
    CHECK(isTorchScriptFile(dataFile("tiny_ae.pt")));
    // A damaged byte inside a stored tensor or in the code: refused, never a crash.
    for (size_t at : {size_t(200), bytes.size() / 3, bytes.size() - 300}) {
        std::vector<uint8_t> damaged = bytes;
        damaged[at] ^= 0xff;
        test::writeBytes(dir.file("damaged.pt"), damaged);
        const std::string result = refusal(dir.file("damaged.pt"));
        INFO("flipped byte " << at << ": " << result);
        CHECK((result == "(loaded)" || result.find("damaged.pt") != std::string::npos)); // names the file
    }
    CHECK_THAT(refusal(dir.file("absent.pt")), Catch::Contains("cannot read"));
}

TEST_CASE("a TorchScript model whose outputs are not finite is refused, naming the file and the method", "[scripted]")
{
    auto refusal = [](const std::string& file) {
        try {
            ScriptedModel::load(dataFile(file));
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("loaded");
    };
    const std::string decode = refusal("nan_decode.pt");
    CHECK(decode.find("nan_decode.pt: decode returned values that are not finite") != std::string::npos);
    const std::string encode = refusal("nan_encode.pt");
    CHECK(encode.find("nan_encode.pt: encode returned values that are not finite") != std::string::npos);
}

TEST_CASE("a TorchScript decode outside [0, 1] is clamped into it", "[scripted]")
{
    const auto model = ScriptedModel::load(dataFile("no_sigmoid.pt"));
    torch::NoGradGuard noGrad;
    const torch::Tensor images = model->decode(torch::randn({16, model->latentDim()}));
    CHECK(images.min().item<float>() >= 0.0f);
    CHECK(images.max().item<float>() <= 1.0f);
    // Clamped, not squashed: the values that were inside stay as they were.
    CHECK((images == 0).any().item<bool>());
    CHECK((images == 1).any().item<bool>());
    CHECK(((images > 0) & (images < 1)).any().item<bool>());
}

TEST_CASE("an exception inside a TorchScript method is one line naming the file and the method", "[scripted]")
{
    std::string message;
    try {
        ScriptedModel::load(dataFile("raises.pt"));
    } catch (const Error& e) {
        message = e.what();
    }
    INFO(message);
    CHECK(message.find("raises.pt: decode failed") != std::string::npos);
    CHECK(message.find("this model refuses every code") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos); // not the interpreter's traceback
}

TEST_CASE("a TorchScript file with any byte of any entry flipped is refused, and so is a damaged directory",
          "[scripted]")
{
    test::TempDir dir;
    const std::vector<uint8_t> good = test::readBytes(dataFile("tiny_ae.pt"));
    const std::string text(good.begin(), good.end());
    const std::vector<ZipEntry> entries = readZipDirectory(text, "tiny_ae.pt");
    REQUIRE(entries.size() >= 10);
    const std::string path = dir.file("flipped.pt");
    int refused = 0, tried = 0;
    for (const ZipEntry& e : entries) {
        if (e.compressedSize == 0)
            continue;
        // One flipped bit in the middle of the entry's bytes (weights, code, pickles alike).
        std::vector<uint8_t> bytes = good;
        bytes[size_t(e.dataOffset + e.compressedSize / 2)] ^= 0x10;
        test::writeBytes(path, bytes);
        ++tried;
        try {
            ScriptedModel::load(path);
        } catch (const Error& error) {
            INFO(error.what());
            CHECK(std::string(error.what()).find(e.name) != std::string::npos);
            ++refused;
        }
    }
    CHECK(refused == tried);
    // A central directory that points elsewhere.
    std::vector<uint8_t> bytes = good;
    const size_t eocd = text.rfind("PK\x05\x06");
    REQUIRE(eocd != std::string::npos);
    bytes[eocd + 16] ^= 0x01;
    test::writeBytes(path, bytes);
    CHECK_THROWS_WITH(ScriptedModel::load(path), Catch::Contains("damaged zip archive"));
}

TEST_CASE("an imported model whose encode never returns is given up on open, with one line", "[scripted][deadline]")
{
    const ScriptedModel::ThreadTimeout shortWait(std::chrono::milliseconds(300));
    const int runawayBefore = runawayModelCalls();
    std::string message;
    try {
        ScriptedModel::load(dataFile("never_opens.pt"));
    } catch (const Error& e) {
        message = e.what();
    }
    INFO(message);
    CHECK(message == "never_opens.pt: encode did not answer in 0.3 s (a loop that never ends?); the model is set aside");
    // Its thread is left running (nothing can stop a TorchScript loop), and counted: the
    // program must end with _Exit.
    CHECK(runawayModelCalls() == runawayBefore + 1);
}

TEST_CASE("an imported model that hangs on some codes answers elsewhere, then is set aside after one timeout",
          "[scripted][deadline]")
{
    const auto model = ScriptedModel::load(dataFile("far_hangs.pt"));
    const ScriptedModel::ThreadTimeout shortWait(std::chrono::milliseconds(300));
    torch::NoGradGuard noGrad;
    const torch::Tensor near = torch::zeros({1, model->latentDim()});
    CHECK(model->decode(near).size(0) == 1);
    CHECK_FALSE(model->stoppedAnswering());
    CHECK_THROWS_WITH(model->decode(torch::full({1, model->latentDim()}, 500.0f)),
                      "far_hangs.pt: decode did not answer in 0.3 s (a loop that never ends?); the model is set aside");
    CHECK(model->stoppedAnswering());
    // Every later call is refused at once (its thread is still busy with the endless one), with
    // the same line: one message for the one problem.
    CHECK_THROWS_WITH(model->decode(near),
                      "far_hangs.pt: decode did not answer in 0.3 s (a loop that never ends?); the model is set aside");
    CHECK_THROWS_WITH(model->encodeDistribution(torch::rand({1, 1, 28, 28})), Catch::Contains("decode did not answer"));
}

TEST_CASE("opening an imported model that never answers can be cancelled", "[scripted][deadline]")
{
    const ScriptedModel::ThreadTimeout longWait(std::chrono::milliseconds(600000));
    std::atomic<bool> cancel{false};
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        cancel = true;
    });
    CHECK_THROWS_AS(ScriptedModel::load(dataFile("never_opens.pt"), &cancel), Cancelled);
    canceller.join();
}

TEST_CASE("a model whose calls answer in time is not affected by the deadline", "[scripted][deadline]")
{
    const auto model = ScriptedModel::load(dataFile("tiny_ae.pt"));
    const ScriptedModel::ThreadTimeout shortWait(std::chrono::milliseconds(2000));
    torch::NoGradGuard noGrad;
    // Many calls, from two threads at once: each one's answer is its own.
    std::vector<float> fromOther;
    std::thread other([&] {
        for (int i = 0; i < 50; ++i) {
            const torch::Tensor y = model->decode(torch::full({1, 3}, 0.25f));
            fromOther.push_back(y.sum().item<float>());
        }
    });
    const float here = model->decode(torch::full({1, 3}, -1.0f)).sum().item<float>();
    for (int i = 0; i < 50; ++i)
        CHECK(model->decode(torch::full({1, 3}, -1.0f)).sum().item<float>() == here);
    other.join();
    REQUIRE(fromOther.size() == 50);
    for (float v : fromOther)
        CHECK(v == fromOther.front());
    CHECK(fromOther.front() != here);
    CHECK_FALSE(model->stoppedAnswering());
}
