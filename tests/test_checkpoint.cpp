#include "TestSupport.h"

#include "common/Error.h"
#include "io/AtomicFile.h"
#include "io/Checkpoint.h"
#include "io/CodesCache.h"
#include "io/SessionFile.h"

#include <QJsonArray>
#include "latent/Evaluation.h"
#include "train/AdamStep.h"
#include "train/Trainer.h"

#include <QJsonDocument>

#include <catch2/catch.hpp>

#include <cmath>

#include <algorithm>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace lx;

namespace {

TrainingRun trainedRun(const std::string& arch, ModelKind kind = ModelKind::Autoencoder)
{
    const DatasetSplits data = test::syntheticSplits(96, 32);
    ModelSpec spec = presetSpec(arch, 2, kind);
    spec.batchNorm = arch == "mlp"; // also round-trips BatchNorm's running statistics
    if (spec.isUmap()) { // settings other than the defaults, so that a default can't pass
        spec.umapWeight = 0.25;
        spec.umapNeighbours = 7;
        spec.umapMinDist = 0.3;
    }
    TrainingRun run = TrainingRun::create(spec, 1e-3, 0);
    run.dataset = "synthetic";
    TrainConfig config;
    config.epochs = 1;
    config.batchSize = 32;
    Trainer(run, data, config).run();
    return run;
}

// The JSON header of a checkpoint's bytes, and the bytes with the header replaced.
std::string headerOf(const std::vector<uint8_t>& bytes)
{
    const uint32_t n = uint32_t(bytes[8]) | uint32_t(bytes[9]) << 8 | uint32_t(bytes[10]) << 16 | uint32_t(bytes[11]) << 24;
    return std::string(bytes.begin() + 12, bytes.begin() + 12 + n);
}

std::vector<uint8_t> withHeader(const std::vector<uint8_t>& bytes, const std::string& header)
{
    const size_t payloadAt = 12 + headerOf(bytes).size();
    std::vector<uint8_t> b(12 + header.size() + bytes.size() - payloadAt);
    std::copy_n(bytes.begin(), 8, b.begin());
    for (size_t i = 0; i < 4; ++i)
        b[8 + i] = uint8_t(uint32_t(header.size()) >> (8 * i));
    std::copy(header.begin(), header.end(), b.begin() + 12);
    std::copy(bytes.begin() + long(payloadAt), bytes.end(), b.begin() + 12 + long(header.size()));
    return b;
}

std::string refusal(const std::string& path)
{
    try {
        (void)loadCheckpoint(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("a checkpoint round trip gives bit-identical outputs, history and optimizer state", "[checkpoint]")
{
    test::TempDir dir;
    for (const std::string arch : {"lecture", "conv", "mlp"}) {
        const ModelKind kind = arch == "conv" ? ModelKind::Vae : arch == "mlp" ? ModelKind::Umap : ModelKind::Autoencoder;
        TrainingRun run = trainedRun(arch, kind);
        run.targetEpoch = 7; // a plan of 7 epochs, 1 done: a relaunch goes on to 7
        const std::string path = dir.file(arch + ".ckpt");
        saveCheckpoint(run, path);
        TrainingRun back = loadCheckpoint(path);
        CHECK(back.targetEpoch == 7);
        CHECK(back.spec == run.spec);
        CHECK(back.dataset == "synthetic");
        CHECK(back.learningRate == run.learningRate);
        REQUIRE(back.history.size() == 1);
        CHECK(back.history[0].valLoss == run.history[0].valLoss);
        // The 5-NN figure of each epoch; a UMAP model's settings and its pull term.
        CHECK(run.history[0].valKnn >= 0);
        CHECK(back.history[0].valKnn == run.history[0].valKnn);
        CHECK(back.spec.kind == kind);
        if (kind == ModelKind::Umap) {
            CHECK(back.spec.umapWeight == 0.25);
            CHECK(back.spec.umapNeighbours == 7);
            CHECK(back.spec.umapMinDist == 0.3);
            CHECK(run.history[0].trainStructure > 0);
            CHECK(back.history[0].trainStructure == run.history[0].trainStructure);
        }
        // The loss through the epoch, for the curve of a model reopened (a VAE's terms too).
        CHECK_FALSE(run.history[0].stepLoss.empty());
        CHECK(back.history[0].stepLoss == run.history[0].stepLoss);
        CHECK(back.history[0].stepKl == run.history[0].stepKl);
        CHECK(run.history[0].stepKl.size() == (run.spec.isVae() ? run.history[0].stepLoss.size() : 0));
        torch::NoGradGuard g;
        run.model->eval();
        const torch::Tensor x = torch::rand({5, 1, 28, 28});
        CHECK(torch::equal(run.model->forward(x).reconstruction, back.model->forward(x).reconstruction));
        const torch::Tensor z = torch::randn({5, 2});
        CHECK(torch::equal(decodeToBytes(run.model, z), decodeToBytes(back.model, z)));
        // Adam's moment estimates come back too, so training can go on where it stopped.
        auto& a = static_cast<torch::optim::AdamParamState&>(
            *run.optimizer->state().at(adamStateKey(run.model->parameters()[0])));
        auto& b = static_cast<torch::optim::AdamParamState&>(
            *back.optimizer->state().at(adamStateKey(back.model->parameters()[0])));
        CHECK(torch::equal(a.exp_avg(), b.exp_avg()));
        CHECK(a.step() == b.step());
    }
}

TEST_CASE("a UMAP model's layout is saved with it: resumed, it trains at once; other images get their own", "[checkpoint]")
{
    test::TempDir dir;
    TrainingRun run = trainedRun("mlp", ModelKind::Umap);
    REQUIRE(run.umapTarget.size() == 2 * 96);
    const std::string path = dir.file("umap.ckpt");
    saveCheckpoint(run, path);
    TrainingRun back = loadCheckpoint(path);
    CHECK(back.umapTarget == run.umapTarget);
    CHECK(back.umapTargetOf == run.umapTargetOf);
    auto prepares = [](TrainingRun& r, const DatasetSplits& data) {
        TrainConfig config;
        config.epochs = 1;
        config.batchSize = 32;
        Trainer trainer(r, data, config);
        int calls = 0;
        trainer.onPrepare([&](const std::string&, double) { ++calls; });
        REQUIRE(trainer.run() == TrainOutcome::Finished);
        return calls;
    };
    CHECK(prepares(back, test::syntheticSplits(96, 32)) == 0); // the same images: no new layout
    // Other images of the same count and name: laid out again, not pulled to the old layout.
    DatasetSplits other = test::syntheticSplits(96, 32);
    std::reverse(other.train.pixels.begin(), other.train.pixels.end());
    TrainingRun again = loadCheckpoint(path);
    CHECK(prepares(again, other) > 0);
    CHECK(again.umapTargetOf != run.umapTargetOf);
    // A file written before layouts were saved opens as before, and its next run makes one.
    TrainingRun older = trainedRun("mlp", ModelKind::Umap);
    older.umapTarget.clear();
    saveCheckpoint(older, dir.file("older.ckpt"));
    CHECK(headerOf(test::readBytes(dir.file("older.ckpt"))).find("umap_target_of") == std::string::npos);
    TrainingRun olderBack = loadCheckpoint(dir.file("older.ckpt"));
    CHECK(olderBack.umapTarget.empty());
    CHECK(olderBack.targetEpoch == 0); // no plan saved: none known
    CHECK(prepares(olderBack, test::syntheticSplits(96, 32)) > 0);
}

TEST_CASE("damaged and foreign checkpoint files are refused with what is wrong", "[checkpoint]")
{
    test::TempDir dir;
    TrainingRun run = trainedRun("lecture");
    const std::string good = dir.file("good.ckpt");
    saveCheckpoint(run, good);
    const std::vector<uint8_t> bytes = test::readBytes(good);
    const std::string path = dir.file("bad.ckpt");
    auto refusedWith = [&](const std::vector<uint8_t>& b, const std::string& problem) {
        test::writeBytes(path, b);
        const std::string m = refusal(path);
        INFO(m);
        CHECK(m.find(path) != std::string::npos);
        CHECK(m.find(problem) != std::string::npos);
    };
    SECTION("not a checkpoint at all") { refusedWith({'P', 'K', 3, 4, 0, 0}, "neither a Latent Explorer checkpoint nor a TorchScript module"); }
    SECTION("empty") { refusedWith({}, "an empty file, not a model"); }
    SECTION("truncated")
    {
        refusedWith(std::vector<uint8_t>(bytes.begin(), bytes.begin() + long(bytes.size() / 2)), "truncated");
        refusedWith(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 20), "header length");
    }
    SECTION("a flipped byte in the weights")
    {
        auto b = bytes;
        b[b.size() - 100] ^= 0x40;
        refusedWith(b, "checksum");
    }
    SECTION("a header for another architecture")
    {
        // Keep the weights but claim a latent size of 3: the tensors no longer fit.
        // (A file from before the header had its own checksum: else that refuses it first.)
        QJsonObject header = QJsonDocument::fromJson(QByteArray::fromStdString(headerOf(bytes))).object();
        QJsonObject spec = header["spec"].toObject();
        spec["latent_dim"] = 3;
        header["spec"] = spec;
        header.remove("header_crc32");
        refusedWith(withHeader(bytes, QJsonDocument(header).toJson().toStdString()),
                    "have shape [2, 3136], the architecture needs [3, 3136]");
    }
    SECTION("a header that claims an architecture far larger than the weights in the file")
    {
        // Three 65,536-wide layers: 8.8 G weights. Believed, it would allocate 35 GB before
        // reading a byte of the payload; it is refused from the sizes alone.
        QJsonObject header = QJsonDocument::fromJson(QByteArray::fromStdString(headerOf(bytes))).object();
        QJsonObject spec = header["spec"].toObject();
        spec["encoder_hidden"] = QJsonArray{65536, 65536, 65536};
        header["spec"] = spec;
        header.remove("header_crc32");
        refusedWith(withHeader(bytes, QJsonDocument(header).toJson().toStdString()), "8795830147 weights (35.2 GB) but the file holds ");
    }
    SECTION("an edited header: the activation, the learning rate")
    {
        for (const auto& [from, to] : {std::pair<std::string, std::string>{"\"relu\"", "\"silu\""},
                                       std::pair<std::string, std::string>{"\"learning_rate\": 0.001", "\"learning_rate\": 0.009"}}) {
            std::string header = headerOf(bytes);
            const size_t at = header.find(from);
            REQUIRE(at != std::string::npos);
            header.replace(at, from.size(), to);
            refusedWith(withHeader(bytes, header), "header: it fails its checksum");
        }
    }
    SECTION("a header without its own checksum (an older file) still opens")
    {
        QJsonObject header = QJsonDocument::fromJson(QByteArray::fromStdString(headerOf(bytes))).object();
        REQUIRE(header.contains("header_crc32"));
        header.remove("header_crc32");
        test::writeBytes(path, withHeader(bytes, QJsonDocument(header).toJson().toStdString()));
        CHECK(loadCheckpoint(path).spec.arch == "lecture");
    }
    SECTION("a training history whose curve through an epoch is not numbers, or too long")
    {
        for (const QJsonArray& steps : {QJsonArray{0.5, "x"}, QJsonArray{0.5, QJsonValue::Null}, QJsonArray{}}) {
            QJsonObject header = QJsonDocument::fromJson(QByteArray::fromStdString(headerOf(bytes))).object();
            QJsonArray history = header["history"].toArray();
            REQUIRE(history.size() == 1);
            QJsonObject epoch = history[0].toObject();
            QJsonArray values = steps;
            if (values.isEmpty())
                for (int i = 0; i < 33; ++i)
                    values.append(0.5);
            epoch["step_loss"] = values;
            history[0] = epoch;
            header["history"] = history;
            header.remove("header_crc32");
            refusedWith(withHeader(bytes, QJsonDocument(header).toJson().toStdString()),
                        values.size() == 33 ? "\"step_loss\" has 33 values (at most 32)" : "not a finite number");
        }
    }
    SECTION("a newer format version")
    {
        std::string header = headerOf(bytes);
        const size_t at = header.find("\"version\": 1");
        REQUIRE(at != std::string::npos);
        header[at + 11] = '9';
        refusedWith(withHeader(bytes, header), "version 9 is newer");
    }
    SECTION("a missing file") { CHECK(refusal(dir.file("none.ckpt")).find("cannot open") != std::string::npos); }
}

TEST_CASE("saving over an existing checkpoint replaces it whole and leaves no temporary files", "[checkpoint]")
{
    test::TempDir dir;
    const std::string path = dir.file("model.ckpt");
    TrainingRun a = trainedRun("mlp");
    saveCheckpoint(a, path);
    TrainingRun b = trainedRun("lecture");
    saveCheckpoint(b, path);
    CHECK(loadCheckpoint(path).spec.arch == "lecture");
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);
    CHECK_THROWS_WITH(saveCheckpoint(a, dir.file("no/such/dir/model.ckpt")), Catch::Contains("cannot create a file there"));
}

TEST_CASE("a checkpoint whose weights are not finite is never written over a good one", "[checkpoint]")
{
    test::TempDir dir;
    const std::string path = dir.file("good.ckpt");
    TrainingRun good = trainedRun("mlp");
    saveCheckpoint(good, path);
    const std::vector<uint8_t> before = test::readBytes(path);
    TrainingRun diverged = trainedRun("mlp");
    {
        torch::NoGradGuard noGrad;
        diverged.model->named_parameters().begin()->value().view(-1)[0] = std::nanf("");
    }
    CHECK_FALSE(parametersAreFinite(diverged));
    CHECK(parametersAreFinite(good));
    CHECK_THROWS_WITH(saveCheckpoint(diverged, path), Catch::Contains("not finite"));
    CHECK(test::readBytes(path) == before);
}

TEST_CASE("writing a file replaces only a regular file, keeps its mode and writes through links", "[io]")
{
    test::TempDir dir;
    const std::string text = "hello\n";
    auto write = [&](const std::string& path) { writeFileAtomically(path, text.data(), text.size()); };
    auto modeOf = [](const std::string& path) {
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        return st.st_mode;
    };

    SECTION("an existing file keeps its permissions")
    {
        const std::string path = dir.file("private.txt");
        test::writeBytes(path, {'x'});
        REQUIRE(::chmod(path.c_str(), 0600) == 0);
        write(path);
        CHECK((modeOf(path) & 07777) == 0600);
        CHECK(test::readBytes(path).size() == text.size());
    }
    SECTION("a new file gets the usual permissions, not the temporary file's 0600")
    {
        const std::string path = dir.file("new.txt");
        write(path);
        CHECK((modeOf(path) & 0044) == 0044); // readable by group and others under umask 022/002
    }
    SECTION("a symbolic link stays a link and its target gets the contents")
    {
        const std::string target = dir.file("target.txt"), link = dir.file("link.txt");
        test::writeBytes(target, {'o', 'l', 'd'});
        std::filesystem::create_symlink("target.txt", link);
        write(link);
        CHECK(std::filesystem::is_symlink(link));
        CHECK(test::readBytes(target).size() == text.size());
        CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 2); // no temporary left
    }
    SECTION("contents given in parts are written one after another, an empty part included")
    {
        const std::string path = dir.file("parts.txt");
        test::writeBytes(path, {'o', 'l', 'd', ' ', 'a', 'n', 'd', ' ', 'l', 'o', 'n', 'g', 'e', 'r'});
        writeFileAtomically(path, {{"hel", 3}, {"", 0}, {"lo\n", 3}});
        const std::vector<uint8_t> bytes = test::readBytes(path);
        CHECK(std::string(bytes.begin(), bytes.end()) == text);
        CHECK_THROWS_WITH(writeFileAtomically("/dev/full", {{"a", 1}, {"b", 1}}), Catch::Contains("No space left"));
    }
    SECTION("a full device fails, and stays a device")
    {
        CHECK_THROWS_WITH(write("/dev/full"), Catch::Contains("/dev/full") && Catch::Contains("No space left"));
        CHECK(S_ISCHR(modeOf("/dev/full")));
        write("/dev/null");
        CHECK(S_ISCHR(modeOf("/dev/null")));
    }
    SECTION("a pipe nobody reads is refused, not replaced or waited on")
    {
        const std::string fifo = dir.file("pipe");
        REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
        CHECK_THROWS_WITH(write(fifo), Catch::Contains("nobody is reading"));
        CHECK(S_ISFIFO(modeOf(fifo)));
    }
    SECTION("a save killed before it renamed leaves a temporary that the next save removes once it is old")
    {
        const std::string path = dir.file("model.ckpt");
        const std::string stale = path + ".tmp-4242-0", fresh = path + ".tmp-aB3dE9";
        test::writeBytes(stale, {1, 2, 3});
        test::writeBytes(fresh, {4, 5, 6}); // another save, under way now
        const timespec twoHoursAgo[2] = {{::time(nullptr) - 7200, 0}, {::time(nullptr) - 7200, 0}};
        REQUIRE(::utimensat(AT_FDCWD, stale.c_str(), twoHoursAgo, 0) == 0);
        write(path);
        CHECK_FALSE(std::filesystem::exists(stale));
        CHECK(std::filesystem::exists(fresh));
        CHECK(test::readBytes(path).size() == text.size());
        CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 2); // the file and `fresh`
    }
    SECTION("a folder is refused")
    {
        std::filesystem::create_directory(dir.file("folder"));
        CHECK_THROWS_WITH(write(dir.file("folder")), Catch::Contains("is a folder"));
    }
}

TEST_CASE("a codes cache is used only for its own checkpoint and dataset, and never when damaged", "[checkpoint][cache]")
{
    test::TempDir dir;
    const std::string path = dir.file("m.ckpt.codes");
    CodesCache c;
    c.checkpointCrc = 0xdeadbeef;
    c.dataset = "mnist";
    c.trainCount = 3;
    c.validationCount = 2;
    c.dim = 2;
    c.codes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    writeCodesCache(path, c);
    CodesCache expected = c;
    expected.codes.clear();
    const auto back = readCodesCache(path, expected);
    REQUIRE(back);
    CHECK(back->codes == c.codes);

    for (int which = 0; which < 6; ++which) {
        CodesCache other = expected;
        switch (which) {
        case 0: other.checkpointCrc ^= 1; break; // another checkpoint
        case 1: other.dataset = "fashion"; break;
        case 2: other.trainCount = 4; break;
        case 3: other.validationCount = 1; break;
        case 4: other.dim = 5; break;
        case 5: other.withLogVar = true; break; // a VAE needs its log σ² too
        }
        CHECK_FALSE(readCodesCache(path, other));
    }
    std::vector<uint8_t> bytes = test::readBytes(path);
    bytes[bytes.size() / 2] ^= 0x40; // one flipped bit in the codes
    test::writeBytes(path, bytes);
    CHECK_FALSE(readCodesCache(path, expected));
    bytes[bytes.size() / 2] ^= 0x40;
    bytes.pop_back(); // truncated
    test::writeBytes(path, bytes);
    CHECK_FALSE(readCodesCache(path, expected));
    CHECK_FALSE(readCodesCache(dir.file("absent.codes"), expected));
    c.codes.pop_back();
    CHECK_THROWS_AS(writeCodesCache(path, c), Error);

    // A VAE's posterior log σ² comes back beside its codes.
    c.codes.push_back(10);
    c.withLogVar = true;
    c.logVar = {-1, -2, -3, -4, -5, -6, -7, -8, -9, -10};
    writeCodesCache(path, c);
    expected.withLogVar = true;
    const auto vae = readCodesCache(path, expected);
    REQUIRE(vae);
    CHECK(vae->codes == c.codes);
    CHECK(vae->logVar == c.logVar);
}

TEST_CASE("a session file round-trips, keeps a model beside it relative, and refuses bad fields", "[session]")
{
    test::TempDir dir;
    SessionState s;
    s.model = dir.file("model.ckpt");
    s.dataset = "mnist";
    s.hasView = true;
    s.viewX[0] = -3;
    s.viewX[1] = 4;
    s.viewY[0] = -1.5;
    s.viewY[1] = 2.5;
    s.hiddenClasses = {3, 7};
    s.pins = {{0.5f, -1.0f}, {2.0f, 0.25f}};
    s.interpolationA = {1, 2};
    s.interpolationB = {-1, 0};
    s.interpolationT = 0.3;
    s.slerp = true;
    s.interpolationSteps = 5;
    s.arithmeticFrom = 2;
    s.arithmeticTo = 9;
    s.arithmeticStrength = 0.75;
    s.decodedGrid = true;
    const std::string path = dir.file("view.lxsession");
    writeSession(path, s);
    const std::vector<uint8_t> bytes = test::readBytes(path);
    const std::string text(bytes.begin(), bytes.end());
    CHECK(text.find("\"model\": \"model.ckpt\"") != std::string::npos); // beside it: by name
    const SessionState back = readSession(path);
    CHECK(back.model == s.model); // absolute again
    CHECK(back.dataset == "mnist");
    CHECK(back.viewX[1] == 4);
    CHECK(back.viewY[0] == -1.5);
    CHECK(back.hiddenClasses == s.hiddenClasses);
    CHECK(back.pins == s.pins);
    CHECK(back.interpolationA == s.interpolationA);
    CHECK(back.interpolationB == s.interpolationB);
    CHECK(back.interpolationT == Approx(0.3));
    CHECK(back.slerp);
    CHECK(back.interpolationSteps == 5);
    CHECK(back.arithmeticTo == 9);
    CHECK(back.arithmeticStrength == Approx(0.75));
    CHECK(back.decodedGrid);

    QJsonObject o = sessionToJson(s);
    auto refusedWith = [](const QJsonObject& json) {
        try {
            sessionFromJson(json);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("(accepted)");
    };
    QJsonObject bad = o;
    bad["version"] = 99;
    CHECK_THAT(refusedWith(bad), Catch::Contains("newer"));
    bad = o;
    bad["view"] = QJsonObject{{"x", QJsonArray{2, 1}}, {"y", QJsonArray{0, 1}}};
    CHECK_THAT(refusedWith(bad), Catch::Contains("view.x"));
    bad = o;
    bad["pins"] = QJsonArray{QJsonArray{1, "two"}};
    CHECK_THAT(refusedWith(bad), Catch::Contains("pins"));
    bad = o;
    bad.remove("format");
    CHECK_THAT(refusedWith(bad), Catch::Contains("not a Latent Explorer session"));
    // Beyond a float's range: refused, not read back as ±inf.
    bad = o;
    bad["view"] = QJsonObject{{"x", QJsonArray{-1e300, 1e300}}, {"y", QJsonArray{0, 1}}};
    CHECK_THAT(refusedWith(bad), Catch::Contains("x holds -1e+300, beyond what a code can be"));
    bad = o;
    bad["pins"] = QJsonArray{QJsonArray{1e39, 0}};
    CHECK_THAT(refusedWith(bad), Catch::Contains("pins holds 1e+39"));
    // A count or a class is whole: 2.5 steps is refused, not read as 2.
    bad = o;
    QJsonObject in = bad["interpolation"].toObject();
    in["steps"] = 4.5;
    bad["interpolation"] = in;
    CHECK(refusedWith(bad) == "session: steps must be a whole number from 2 to 16, not 4.5");
    bad = o;
    bad["arithmetic"] = QJsonObject{{"from", 1.25}, {"to", 2}, {"strength", 1}};
    CHECK_THAT(refusedWith(bad), Catch::Contains("from must be a whole number"));
    test::writeBytes(dir.file("junk.lxsession"), {'{', 'x'});
    CHECK_THROWS_WITH(readSession(dir.file("junk.lxsession")), Catch::Contains("not a session file"));
}
