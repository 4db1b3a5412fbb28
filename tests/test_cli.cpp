#include "TestSupport.h"

#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

#include <catch2/catch.hpp>

#include <fstream>

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

    const Run train = cli({"train", "--data", data, "--arch", "lecture", "--epochs", "2", "--batch", "32", "--out", model});
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
    CHECK(badModel.err.contains("not a Latent Explorer checkpoint"));

    const Run badNumber = cli({"train", "--epochs", "many", "--out", out});
    CHECK(badNumber.exitCode == 2);
    CHECK(badNumber.err.contains("--epochs"));

    const Run unknownOption = cli({"embed", "--frobnicate"});
    CHECK(unknownOption.exitCode == 2);

    const Run unknownCommand = cli({"trian"});
    CHECK(unknownCommand.exitCode == 2);
    CHECK(unknownCommand.err.contains("unknown command"));

    CHECK_FALSE(std::filesystem::exists(out.toStdString()));
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1); // just junk.ckpt
}

TEST_CASE("every command has --help", "[cli]")
{
    for (const char* command : {"train", "eval", "embed", "decode", "inspect"}) {
        const Run help = cli({command, "--help"});
        CHECK(help.exitCode == 0);
        CHECK(help.out.contains("--"));
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

TEST_CASE("inspect --system names LibTorch and the BLAS in use", "[cli]")
{
    const Run r = cli({"inspect", "--system"});
    REQUIRE(r.exitCode == 0);
    CHECK(r.out.contains("LibTorch: 1."));
    CHECK(r.out.contains("BLAS: "));
    CHECK(r.out.contains("threads: "));
    if (r.out.contains("openblas")) // which of its kernel sets OpenBLAS chose for this CPU
        CHECK(r.out.contains("BLAS kernels: "));
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
    CHECK(said["model"].toString().startsWith("mlp AE"));
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
