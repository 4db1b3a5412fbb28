#include "TestSupport.h"

#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

#include <catch2/catch.hpp>

#include <algorithm>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

using namespace lx;

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;

    QJsonObject json() const
    {
        const QStringList lines = out.trimmed().split('\n');
        return QJsonDocument::fromJson(lines.last().toUtf8()).object();
    }
};

Run cli(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QString::fromUtf8(LX_EXECUTABLE), args);
    REQUIRE(p.waitForFinished(300000));
    return Run{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
               QString::fromUtf8(p.readAllStandardError())};
}

} // namespace

TEST_CASE("the CLI trains, evaluates, embeds, decodes and inspects a model end to end", "[cli]")
{
    test::TempDir dir;
    const QString data = QString::fromStdString(test::writeDataset(test::syntheticDataset(200), dir.path().string(), "tiny"));
    const QString model = QString::fromStdString(dir.file("model.ckpt"));

    const Run train = cli({"train", "--data", data, "--model", "ae", "--arch", "lecture", "--epochs", "2", "--batch", "32",
                           "--out", model});
    INFO(train.err.toStdString());
    REQUIRE(train.exitCode == 0);
    const QJsonObject t = train.json();
    CHECK(t["epochs"].toInt() == 2);
    for (const char* key : {"train_loss", "val_loss", "seconds", "images_per_second"})
        CHECK(t[key].toDouble() > 0);
    CHECK(train.err.contains("epoch 2/2")); // progress went to stderr, one line per epoch off a terminal

    const Run eval = cli({"eval", "--model", model}); // the dataset comes from the checkpoint
    INFO(eval.err.toStdString());
    REQUIRE(eval.exitCode == 0);
    const QJsonObject e = eval.json();
    CHECK(e["latent_dim"].toInt() == 2);
    CHECK(e["val_mse"].toDouble() > 0);
    CHECK(e["val_bce"].toDouble() > 0);
    CHECK(e["knn5_accuracy"].toDouble() >= 0);
    CHECK(e["knn5_accuracy"].toDouble() <= 1);

    const QString csv = QString::fromStdString(dir.file("emb.csv"));
    REQUIRE(cli({"embed", "--model", model, "--data", data, "--out", csv}).exitCode == 0);
    std::ifstream in(csv.toStdString());
    std::string header, line;
    std::getline(in, header);
    CHECK(header == "index,split,label,z0,z1");
    int rows = 0, validation = 0;
    while (std::getline(in, line)) {
        ++rows;
        validation += line.find(",validation,") != std::string::npos;
    }
    CHECK(rows == 200);
    CHECK(validation == 40);

    // The same codes for TensorBoard's Embedding Projector: four files in a folder.
    const QString projector = QString::fromStdString(dir.file("projector"));
    const Run exported = cli({"embed", "--model", model, "--data", data, "--format", "projector", "--out", projector});
    REQUIRE(exported.exitCode == 0);
    CHECK(exported.out.contains("\"sprite\":\"420x392\"")); // 15 images a row, 14 rows, of 28x28
    std::ifstream vectors((projector + "/vectors.tsv").toStdString());
    int vectorRows = 0;
    while (std::getline(vectors, line)) {
        ++vectorRows;
        CHECK(std::count(line.begin(), line.end(), '\t') == 1); // two numbers a line
    }
    CHECK(vectorRows == 200);
    std::ifstream metadata((projector + "/metadata.tsv").toStdString());
    std::getline(metadata, header);
    CHECK(header == "label\tclass\tsplit\tindex");
    int metadataRows = 0;
    while (std::getline(metadata, line))
        ++metadataRows;
    CHECK(metadataRows == 200);
    CHECK(QImage(projector + "/sprite.png").size() == QSize(420, 392));
    std::ifstream config((projector + "/projector_config.pbtxt").toStdString());
    const std::string pbtxt((std::istreambuf_iterator<char>(config)), std::istreambuf_iterator<char>());
    CHECK(pbtxt.find("tensor_path: \"vectors.tsv\"") != std::string::npos);
    CHECK(pbtxt.find("image_path: \"sprite.png\"") != std::string::npos);
    CHECK(pbtxt.find("single_image_dim: 28") != std::string::npos);
    const Run badFormat = cli({"embed", "--model", model, "--format", "tsv", "--out", projector});
    CHECK(badFormat.exitCode == 2);
    CHECK(badFormat.err.contains("--format must be csv or projector"));

    const QString png = QString::fromStdString(dir.file("digit.png"));
    REQUIRE(cli({"decode", "--model", model, "--z", "0.5,-1.2", "--out", png}).exitCode == 0);
    CHECK(QImage(png).size() == QSize(28, 28));
    REQUIRE(cli({"decode", "--model", model, "--z", "0,0", "--out", png, "--scale", "4"}).exitCode == 0);
    CHECK(QImage(png).size() == QSize(112, 112));

    const Run inspect = cli({"inspect", "--model", model});
    REQUIRE(inspect.exitCode == 0);
    CHECK(inspect.out.contains("32×14×14"));
    CHECK(inspect.out.contains("64×7×7"));
    CHECK(inspect.out.contains("1×28×28"));
    CHECK(inspect.out.contains("epochs: 2"));
    CHECK_FALSE(inspect.out.contains("denoising"));

    // A denoising model says so, and keeps saying so in its checkpoint.
    const QString denoising = QString::fromStdString(dir.file("denoising.ckpt"));
    REQUIRE(cli({"train", "--data", data, "--arch", "mlp", "--epochs", "1", "--input-noise", "0.3", "--out", denoising})
                .exitCode == 0);
    CHECK(cli({"inspect", "--model", denoising}).out.contains("trained denoising: Gaussian noise σ 0.3"));
    const Run negative = cli({"train", "--data", data, "--input-noise", "-1", "--out", denoising});
    CHECK(negative.exitCode != 0);
    CHECK(negative.err.contains("input-noise"));
}

TEST_CASE("the CLI's default model is the window's first: a UMAP-regularised conv AE, with its 5-NN per epoch",
          "[cli][umap]")
{
    test::TempDir dir;
    const QString data = QString::fromStdString(test::writeDataset(test::syntheticDataset(200), dir.path().string(), "tiny"));
    const QString model = QString::fromStdString(dir.file("umap.ckpt"));
    const Run train = cli({"train", "--data", data, "--epochs", "1", "--batch", "32", "--out", model});
    INFO(train.err.toStdString());
    REQUIRE(train.exitCode == 0);
    CHECK(train.err.contains("by UMAP")); // the layout first, said on stderr
    CHECK(train.err.contains("5-NN"));
    const QJsonObject t = train.json();
    CHECK(t["train_structure"].toDouble() > 0);
    CHECK(t["val_knn5"].toDouble() >= 0);
    CHECK(t["val_knn5"].toDouble() <= 1);
    const Run inspect = cli({"inspect", "--model", model});
    CHECK(inspect.out.contains("architecture: conv (umap, latent 2"));
    CHECK(inspect.out.contains("UMAP-regularised"));
    CHECK(inspect.out.contains("weight 0.001, 15 neighbours, min_dist 0.1"));
    // Digits are moved by a pixel, not made noisy, turned or scaled (each cost MSE).
    CHECK_FALSE(inspect.out.contains("trained denoising"));
    CHECK(inspect.out.contains("trained on images moved by up to 1 pixel at random"));
    CHECK_FALSE(inspect.out.contains("turned"));
    CHECK(inspect.out.contains("last 30% trained the decoder alone"));
    CHECK(inspect.out.contains("slant undone"));
    // --umap-deskew no: the layout from the images as they are, and inspect says nothing of it.
    const QString asTheyAre = QString::fromStdString(dir.file("as-they-are.ckpt"));
    REQUIRE(cli({"train", "--data", data, "--epochs", "1", "--batch", "32", "--umap-deskew", "no", "--out", asTheyAre}).exitCode
            == 0);
    const Run inspectAsTheyAre = cli({"inspect", "--model", asTheyAre});
    CHECK(inspectAsTheyAre.out.contains("UMAP-regularised"));
    CHECK_FALSE(inspectAsTheyAre.out.contains("slant undone"));
    CHECK_FALSE(inspect.out.contains("shades compressed")); // handwriting: the pixels' values as they are
    // --umap-gamma: the layout's neighbours among the pixels raised to it, and inspect says so.
    const QString gamma = QString::fromStdString(dir.file("gamma.ckpt"));
    REQUIRE(cli({"train", "--data", data, "--epochs", "1", "--batch", "32", "--umap-gamma", "0.5", "--out", gamma}).exitCode
            == 0);
    CHECK(cli({"inspect", "--model", gamma}).out.contains("raised to the power 0.5 (shades compressed)"));
    // A wider code: a plain autoencoder, as before; a UMAP model of one is refused.
    const QString wide = QString::fromStdString(dir.file("wide.ckpt"));
    REQUIRE(cli({"train", "--data", data, "--latent", "4", "--arch", "mlp", "--epochs", "1", "--out", wide}).exitCode == 0);
    CHECK(cli({"inspect", "--model", wide}).out.contains("(ae, latent 4"));
    for (const QStringList& args : {QStringList{"--model", "umap", "--latent", "4"}, QStringList{"--umap-neighbours", "1"},
                                    QStringList{"--umap-min-dist", "2"}, QStringList{"--umap-weight", "-1"},
                                    QStringList{"--umap-deskew", "maybe"}, QStringList{"--umap-gamma", "0"},
                                    QStringList{"--umap-gamma", "bright"}}) {
        const Run bad = cli(QStringList{"train", "--data", data, "--out", QString::fromStdString(dir.file("bad.ckpt"))} + args);
        INFO(args.join(' ').toStdString() << ": " << bad.err.toStdString());
        CHECK(bad.exitCode != 0);
        CHECK(bad.err.count('\n') == 1);
        CHECK_FALSE(std::filesystem::exists(dir.file("bad.ckpt")));
    }
}

TEST_CASE("train --patience stops once validation stops improving and saves the best epoch's weights", "[cli]")
{
    test::TempDir dir;
    // 16 training images: an mlp learns them by heart and its validation loss turns up.
    const QString data = QString::fromStdString(test::writeDataset(test::syntheticDataset(20), dir.path().string(), "few"));
    const QString model = QString::fromStdString(dir.file("best.ckpt"));
    const Run train = cli({"train", "--data", data, "--model", "ae", "--arch", "mlp", "--epochs", "400", "--batch", "16",
                           "--lr", "1e-2", "--patience", "5", "--out", model});
    INFO(train.err.toStdString());
    REQUIRE(train.exitCode == 0);
    const QJsonObject t = train.json();
    CHECK(t["outcome"].toString() == "no_improvement");
    const int best = t["best_epoch"].toInt();
    CHECK(best >= 1);
    CHECK(t["epochs_trained"].toInt() == best + 5);
    CHECK(t["epochs"].toInt() == best); // the file holds the best epoch and its history up to it
    const Run inspect = cli({"inspect", "--model", model});
    CHECK(inspect.out.contains(QString("epochs: %1\n").arg(best)));
    // Without --patience or --seconds the last weights are kept, as before.
    const Run plain = cli({"train", "--data", data, "--model", "ae", "--arch", "mlp", "--epochs", "3", "--out", model});
    CHECK(plain.json()["epochs"].toInt() == 3);
    CHECK_FALSE(plain.json().contains("best_epoch"));
}

TEST_CASE("CLI errors exit non-zero with one line on stderr and write nothing", "[cli]")
{
    test::TempDir dir;
    const QString out = QString::fromStdString(dir.file("never.ckpt"));
    const QString junk = QString::fromStdString(dir.file("junk.ckpt"));
    test::writeBytes(junk.toStdString(), {1, 2, 3, 4, 5});

    const Run badData = cli({"train", "--data", "/no/such/file", "--out", out});
    CHECK(badData.exitCode == 1);
    CHECK(badData.err.trimmed().count('\n') == 0);
    CHECK(badData.err.contains("no such dataset"));

    const Run badModel = cli({"eval", "--model", junk, "--data", "/no/such"});
    CHECK(badModel.exitCode == 1);
    CHECK(badModel.err.contains("neither a Latent Explorer checkpoint nor a TorchScript module"));

    const Run badNumber = cli({"train", "--epochs", "many", "--out", out});
    CHECK(badNumber.exitCode == 2);
    CHECK(badNumber.err.contains("--epochs"));

    const Run unknownOption = cli({"embed", "--frobnicate"});
    CHECK(unknownOption.exitCode == 2);

    // Unknown values of the options that name a choice are usage mistakes too (exit 2).
    for (const QStringList& args : {QStringList{"train", "--model", "gan", "--out", out},
                                    QStringList{"train", "--arch", "resnet", "--out", out},
                                    QStringList{"train", "--loss", "l1", "--out", out},
                                    QStringList{"train", "--keep-best", "maybe", "--out", out},
                                    QStringList{"inspect", "--arch", "resnet"}}) {
        const Run r = cli(args);
        INFO(args.join(' ').toStdString() << ": " << r.err.toStdString());
        CHECK(r.exitCode == 2);
        CHECK(r.err.trimmed().count('\n') == 0);
        CHECK(r.err.contains("(see --help)"));
    }
    // A range written as a person writes it: 1e-09, not 0.000000.
    const Run badRate = cli({"train", "--lr", "0", "--out", out});
    CHECK(badRate.exitCode == 2);
    CHECK(badRate.err.contains("--lr must be a number from 1e-09 to 10, not '0'"));
    // A folder given as a model says so.
    const Run folder = cli({"inspect", "--model", QString::fromStdString(dir.path().string())});
    CHECK(folder.exitCode == 1);
    CHECK(folder.err.contains("a folder, not a model file"));
    // A symlink loop in a dataset folder is skipped, not a raw filesystem error.
    const std::filesystem::path data = dir.path() / "data";
    std::filesystem::create_directory(data);
    std::filesystem::create_symlink("loop-images-idx3-ubyte", data / "loop-images-idx3-ubyte");
    const Run loop = cli({"train", "--data", QString::fromStdString(data.string()), "--out", out});
    CHECK(loop.exitCode == 1);
    CHECK(loop.err.contains("no IDX images file"));
    CHECK_FALSE(loop.err.contains("filesystem error"));
    std::filesystem::remove_all(data);

    const Run unknownCommand = cli({"trian"});
    CHECK(unknownCommand.exitCode == 2);
    CHECK(unknownCommand.err.contains("unknown command"));
    // A file is opened in the window (the desktop file's %f), one at a time.
    const QString model = QString::fromUtf8(LX_TEST_DATA) + "/tiny_ae.pt";
    const Run twoFiles = cli({model, model});
    CHECK(twoFiles.exitCode == 2);
    CHECK(twoFiles.err.contains("give one file to open"));

    CHECK_FALSE(std::filesystem::exists(out.toStdString()));
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1); // just junk.ckpt
}

TEST_CASE("every command has --help", "[cli]")
{
    for (const char* command : {"train", "eval", "embed", "decode", "inspect"}) {
        const Run help = cli({command, "--help"});
        CHECK(help.exitCode == 0);
        CHECK(help.out.contains("--"));
        CHECK(help.out.startsWith(QStringLiteral("Usage: latent-explorer %1 [options]\n").arg(command)));
    }
    const Run overview = cli({"--help"});
    CHECK(overview.exitCode == 0);
    CHECK(overview.out.contains("train"));
}

TEST_CASE("without a display, --version answers and the window refuses with a message instead of aborting", "[cli]")
{
    QProcessEnvironment headless = QProcessEnvironment::systemEnvironment();
    for (const char* v : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        headless.remove(v);
    const Run version = cli({"--version"}, headless);
    CHECK(version.exitCode == 0);
    CHECK(version.out.startsWith("Latent Explorer "));
    const Run window = cli({}, headless);
    CHECK(window.exitCode == 1);
    CHECK(window.err.contains("no display"));
    CHECK(window.err.count('\n') == 1);
}

TEST_CASE("an exception inside an imported model is one line, and its traceback only with --verbose", "[cli]")
{
    const QString model = QString::fromUtf8(LX_TEST_DATA) + "/raises.pt";
    const QString line = "latent-explorer inspect: error: raises.pt: decode failed on a 2×3 input: "
                         "builtins.RuntimeError: this model refuses every code";
    const Run plain = cli({"inspect", "--model", model});
    CHECK(plain.exitCode == 1);
    CHECK(plain.err.trimmed() == line);
    const Run verbose = cli({"inspect", "--model", model, "--verbose"});
    CHECK(verbose.exitCode == 1);
    CHECK(verbose.err.startsWith(line + "\n"));
    CHECK(verbose.err.contains("Traceback of TorchScript"));
}

TEST_CASE("inspect --system names LibTorch and the BLAS in use", "[cli]")
{
    const Run r = cli({"inspect", "--system"});
    REQUIRE(r.exitCode == 0);
    CHECK(r.out.contains("LibTorch: 1."));
    CHECK(r.out.contains("BLAS: "));
    CHECK(r.out.contains("threads: "));
    if (r.out.contains("openblas")) // which of its kernel sets OpenBLAS chose for this CPU
        CHECK(r.out.contains("BLAS kernels: "));
    CHECK(r.out.contains("CPU: "));
    CHECK(r.out.contains("oneDNN kernels: "));
    CHECK(r.out.contains("our kernels: "));
}

TEST_CASE("ONEDNN_MAX_CPU_ISA holds oneDNN and our own kernels to AVX2, as on a machine without AVX-512", "[cli]")
{
    const Run free = cli({"inspect", "--system"});
    REQUIRE(free.exitCode == 0);
    const bool avx2 = free.out.contains("(up to AVX-512)") || free.out.contains("(up to AVX2)"); // else the baseline
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("LX_MAX_CPU_ISA");
    env.insert("ONEDNN_MAX_CPU_ISA", "AVX2");
    const Run held = cli({"inspect", "--system"}, env);
    REQUIRE(held.exitCode == 0);
    CHECK(held.out.contains(avx2 ? "our kernels: AVX2 (held by $ONEDNN_MAX_CPU_ISA)"
                                 : "our kernels: baseline x86-64 (held by $ONEDNN_MAX_CPU_ISA)"));
    if (avx2)
        CHECK(held.out.contains("oneDNN kernels: AVX2 (held by $ONEDNN_MAX_CPU_ISA)"));
    // Our own switch holds ours alone, here to the baseline.
    env.remove("ONEDNN_MAX_CPU_ISA");
    env.insert("LX_MAX_CPU_ISA", "SSE41");
    const Run baseline = cli({"inspect", "--system"}, env);
    REQUIRE(baseline.exitCode == 0);
    CHECK(baseline.out.contains("our kernels: baseline x86-64 (held by $LX_MAX_CPU_ISA)"));
    CHECK_FALSE(baseline.out.contains("oneDNN kernels: SSE4.1"));
}

TEST_CASE("the CLI explores a TorchScript model from Python: inspect, eval, embed, decode", "[cli]")
{
    test::TempDir dir;
    const std::string data = test::writeDataset(test::syntheticDataset(60), dir.path().string(), "shapes");
    const QString model = QString::fromUtf8(LX_TEST_DATA) + "/tiny_ae.pt";
    const Run inspect = cli({"inspect", "--model", model});
    REQUIRE(inspect.exitCode == 0);
    CHECK(inspect.out.contains("decode(z: N×3) -> N×1×28×28"));
    CHECK(inspect.out.contains("enc.1: Linear"));
    const Run eval = cli({"eval", "--model", model, "--data", QString::fromStdString(data)});
    REQUIRE(eval.exitCode == 0);
    CHECK(eval.json().value("latent_dim").toInt() == 3);
    CHECK(eval.json().value("val_mse").toDouble() > 0);
    const QString csv = QString::fromStdString(dir.file("emb.csv"));
    REQUIRE(cli({"embed", "--model", model, "--data", QString::fromStdString(data), "--out", csv}).exitCode == 0);
    QFile f(csv);
    REQUIRE(f.open(QIODevice::ReadOnly));
    CHECK(f.readLine().trimmed() == "index,split,label,z0,z1,z2");
    const QString png = QString::fromStdString(dir.file("d.png"));
    REQUIRE(cli({"decode", "--model", model, "--z", "0.5,-1,2", "--out", png}).exitCode == 0);
    CHECK(QImage(png).size() == QSize(28, 28));
    // What it cannot do, said in one line.
    const Run noData = cli({"eval", "--model", model});
    CHECK(noData.exitCode != 0);
    CHECK(noData.err.contains("--data is required for a TorchScript model"));
    const Run bad = cli({"inspect", "--model", QString::fromUtf8(LX_TEST_DATA) + "/no_decode.pt"});
    CHECK(bad.exitCode == 1);
    CHECK(bad.err.contains("no method decode"));
    CHECK(bad.err.trimmed().count('\n') == 0);
}

TEST_CASE("screenshot mode opens a model on the dataset --data names, at --size, and says what it drew", "[cli]")
{
    test::TempDir dir;
    // A checkpoint trained on one dataset, shown on another of the same image size.
    const QString trainedOn = QString::fromStdString(test::writeDataset(test::syntheticDataset(120), dir.path().string(), "a"));
    const QString shownOn = QString::fromStdString(test::writeDataset(test::syntheticDataset(90, 3), dir.path().string(), "b"));
    const QString model = QString::fromStdString(dir.file("model.ckpt"));
    REQUIRE(cli({"train", "--data", trainedOn, "--arch", "mlp", "--epochs", "1", "--batch", "32", "--out", model}).exitCode == 0);
    const QString png = QString::fromStdString(dir.file("shot.png"));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    env.insert("HOME", QString::fromStdString(dir.path().string())); // its own settings, not the user's
    const Run shot = cli({"--screenshot", png, "--model", model, "--data", shownOn, "--size", "800x600"}, env);
    INFO(shot.err.toStdString());
    REQUIRE(shot.exitCode == 0);
    const QJsonObject said = shot.json();
    CHECK(said["dataset"].toString() == shownOn);
    CHECK(said["points"].toInt() == 90);
    CHECK(said["width"].toInt() == 800);
    CHECK(said["height"].toInt() == 600);
    CHECK(said["model"].toString().startsWith("mlp UMAP-AE, latent 2")); // the default model
    const QImage image(png);
    CHECK(image.size() == QSize(800, 600));
    // Without --data the checkpoint's own dataset.
    const Run own = cli({"--screenshot", png, "--model", model}, env);
    REQUIRE(own.exitCode == 0);
    CHECK(own.json()["dataset"].toString() == trainedOn);
    CHECK(cli({"--screenshot", png, "--size", "12x3"}, env).exitCode == 2);
}

TEST_CASE("a run that diverges never replaces a good checkpoint, and says so", "[cli]")
{
    test::TempDir dir;
    const QString data = QString::fromStdString(test::writeDataset(test::syntheticDataset(300), dir.path().string(), "d"));
    const QString out = QString::fromStdString(dir.file("m.ckpt"));
    REQUIRE(cli({"train", "--data", data, "--arch", "mlp", "--epochs", "1", "--out", out}).exitCode == 0);
    const std::vector<uint8_t> good = test::readBytes(out.toStdString());
    // A learning rate of 10 on a VAE: the loss runs away within a few epochs.
    const Run bad = cli({"train", "--data", data, "--model", "vae", "--arch", "lecture", "--lr", "10", "--batch", "300",
                         "--epochs", "12", "--out", out});
    INFO(bad.err.toStdString());
    CHECK(bad.exitCode != 0);
    CHECK(bad.err.contains("diverged"));
    CHECK(bad.err.contains("nothing was saved"));
    CHECK(bad.err.contains("keeps what it held"));
    CHECK(test::readBytes(out.toStdString()) == good);
}

namespace {

// Every file under `dir` (links as their targets' names), to tell that nothing changed.
std::map<std::string, std::string> contentsOf(const std::filesystem::path& dir)
{
    std::map<std::string, std::string> all;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        if (e.is_symlink())
            all[e.path().string()] = "-> " + std::filesystem::read_symlink(e.path()).string();
        else if (e.is_regular_file()) {
            const std::vector<uint8_t> b = test::readBytes(e.path().string());
            all[e.path().string()] = std::string(b.begin(), b.end());
        } else
            all[e.path().string()] = "(folder)";
    }
    return all;
}

} // namespace

TEST_CASE("every bad model file is refused by every command with one line naming it, and changes no file", "[cli]")
{
    test::TempDir dir;
    const QString data = QString::fromStdString(test::writeDataset(test::syntheticDataset(60), dir.path().string(), "tiny"));
    const std::vector<std::string> bad = test::writeBadModelFiles(dir.path().string(), LX_TEST_DATA);
    REQUIRE(bad.size() >= 15);
    const QString csv = QString::fromStdString(dir.file("out.csv")), png = QString::fromStdString(dir.file("out.png"));
    test::writeBytes(csv.toStdString(), {'k', 'e', 'e', 'p'});
    test::writeBytes(png.toStdString(), {'k', 'e', 'e', 'p'});
    const auto before = contentsOf(dir.path());

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("LX_MODEL_TIMEOUT", "1"); // never_opens.pt: a second, not ten
    for (const std::string& file : bad) {
        const QString model = QString::fromStdString(file);
        const QString name = QString::fromStdString(std::filesystem::path(file).filename().string());
        const std::vector<QStringList> commands{{"inspect", "--model", model},
                                                {"eval", "--model", model, "--data", data},
                                                {"embed", "--model", model, "--data", data, "--out", csv},
                                                {"decode", "--model", model, "-z", "0,0", "--out", png}};
        // The four at once: they read and must not write.
        std::vector<std::unique_ptr<QProcess>> running;
        for (const QStringList& args : commands) {
            running.push_back(std::make_unique<QProcess>());
            running.back()->setProcessEnvironment(env);
            running.back()->start(QString::fromUtf8(LX_EXECUTABLE), args);
        }
        for (size_t i = 0; i < commands.size(); ++i) {
            QProcess& p = *running[i];
            REQUIRE(p.waitForFinished(120000));
            const QString err = QString::fromUtf8(p.readAllStandardError()).trimmed();
            INFO(commands[i].join(' ').toStdString() << "\n  -> " << err.toStdString());
            CHECK(p.exitStatus() == QProcess::NormalExit);
            CHECK(p.exitCode() == 1);
            CHECK(err.count('\n') == 0);
            CHECK(err.startsWith(QStringLiteral("latent-explorer %1: error: ").arg(commands[i].first())));
            CHECK(err.contains(name));
            CHECK_FALSE(err.contains("filesystem error"));
            CHECK(p.readAllStandardOutput().isEmpty());
        }
    }
    CHECK(contentsOf(dir.path()) == before);
}
