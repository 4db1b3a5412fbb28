// torch before Qt: Qt's keyword macros break LibTorch's headers.
#include "common/CpuIsa.h"
#include "common/Error.h"
#include "common/SystemInfo.h"
#include "data/Dataset.h"
#include "io/AtomicFile.h"
#include "io/Checkpoint.h"
#include "io/EmbeddingsCsv.h"
#include "model/LatentModel.h"
#include "model/ScriptedModel.h"
#include "latent/Evaluation.h"
#include "model/ArchitecturePlan.h"
#include "train/Trainer.h"
#include "session/ImageFolder.h"
#include "session/Projector.h"

#include "Cli.h"
#include "TerminalProgress.h"

#include <QBuffer>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QImage>
#include <QJsonDocument>
#include <QJsonArray>
#include <QJsonObject>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>

namespace {

// A loss as inspect prints it: five decimals, or what it is when it is not a number.
QString lossText(double loss)
{
    return std::isfinite(loss) ? QString::number(loss, 'f', 5) : QStringLiteral("not finite");
}


using lx::Error;

// A mistake in how the command was called (exit code 2), as opposed to work that failed.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A value the user typed that core refuses (an unknown --model, --arch or --loss) is a usage
// mistake like any other: exit 2, not 1.
template <typename F>
auto typed(F&& f) -> decltype(f())
{
    try {
        return f();
    } catch (const lx::Error& e) {
        throw UsageError(e.what());
    }
}

struct Command {
    const char* summary;
    std::function<void(QCommandLineParser&)> addOptions;
    std::function<int(const QCommandLineParser&)> run;
};

void printLine(FILE* stream, const QString& text)
{
    std::fprintf(stream, "%s\n", text.toLocal8Bit().constData());
    std::fflush(stream);
}

void printJson(const QJsonObject& o)
{
    printLine(stdout, QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)));
}

std::string text(const QCommandLineParser& p, const char* name)
{
    return p.value(name).toStdString();
}

std::string required(const QCommandLineParser& p, const char* name)
{
    if (!p.isSet(name) || p.value(name).isEmpty())
        throw UsageError(std::string("--") + name + " is required");
    return text(p, name);
}

long long wholeNumber(const QCommandLineParser& p, const char* name, long long lo, long long hi)
{
    bool ok = false;
    const long long v = p.value(name).toLongLong(&ok);
    if (!ok || v < lo || v > hi)
        throw UsageError(std::string("--") + name + " must be a whole number from " + std::to_string(lo) + " to "
                         + std::to_string(hi) + ", not '" + p.value(name).toStdString() + "'");
    return v;
}

bool yesNo(const QCommandLineParser& p, const char* name)
{
    const std::string v = text(p, name);
    if (v != "yes" && v != "no")
        throw UsageError(std::string("--") + name + " must be yes or no, not '" + v + "'");
    return v == "yes";
}

double number(const QCommandLineParser& p, const char* name, double lo, double hi)
{
    bool ok = false;
    const double v = p.value(name).toDouble(&ok);
    if (!ok || !(v >= lo && v <= hi)) // bounds as a person writes them: 1e-09, 0, 1e+06
        throw UsageError(std::string("--") + name + " must be a number from " + QString::number(lo, 'g', 6).toStdString()
                         + " to " + QString::number(hi, 'g', 6).toStdString() + ", not '" + p.value(name).toStdString()
                         + "'");
    return v;
}

QCommandLineOption opt(const char* name, const char* help, const char* valueName = nullptr, const char* def = nullptr)
{
    QCommandLineOption o(QString::fromLatin1(name), QString::fromUtf8(help));
    if (valueName)
        o.setValueName(QString::fromLatin1(valueName));
    if (def)
        o.setDefaultValue(QString::fromLatin1(def));
    return o;
}

// --- train --------------------------------------------------------------------------------

std::atomic<lx::Trainer*> g_activeTrainer{nullptr};

extern "C" void stopOnSignal(int)
{
    if (lx::Trainer* t = g_activeTrainer.load())
        t->requestStop();
    std::signal(SIGINT, SIG_DFL); // a second Ctrl+C ends the process at once
}

void addTrainOptions(QCommandLineParser& p)
{
    p.addOption(opt("data", "Dataset: mnist, fashion, an IDX images file, a NumPy .npy or .npz, or a folder.", "name", "mnist"));
    p.addOption(opt("model",
                    "Model type: ae, vae or umap (an AE whose 2-D code is also pulled towards a UMAP layout of the "
                    "training images: a map as clear as UMAP's that still decodes). Default: umap for a 2-D code "
                    "(what the window trains first), ae for a wider one.",
                    "type", ""));
    p.addOption(opt("arch", "Architecture: lecture, conv or mlp.", "arch", "conv"));
    p.addOption(opt("latent", "Latent size D.", "D", "2"));
    p.addOption(opt("epochs", "Epochs to train.", "N", "5"));
    p.addOption(opt("batch", "Batch size.", "N", "128"));
    p.addOption(opt("lr", "Adam learning rate.", "rate", "1e-3"));
    p.addOption(opt("loss", "Reconstruction loss: mse or bce.", "loss", "mse"));
    p.addOption(opt("beta", "VAE: weight of the KL term.", "beta", "1"));
    p.addOption(opt("input-noise",
                    "Denoising: the sigma of Gaussian noise added to each training image, whose clean version is "
                    "the target (0: none; a UMAP model's default: 0.3 on fashion, 0 on digits, which are moved instead).",
                    "sigma", ""));
    p.addOption(opt("shift",
                    "Augmentation: each training image moved by up to this many pixels at random before the model "
                    "sees it, the untouched image its target (0: none; a UMAP model's default: 1, with --rotate 0, "
                    "--scale 0 and --decoder-finish 0.3; on fashion 0: clothes are photographed upright).",
                    "pixels", ""));
    p.addOption(opt("rotate", "Augmentation: each training image turned by up to this many degrees at random (0: none).",
                    "degrees", ""));
    p.addOption(opt("scale", "Augmentation: each training image scaled by up to this fraction at random (0: none).",
                    "fraction", ""));
    p.addOption(opt("decoder-finish",
                    "The last fraction of the run trains the decoder alone on the clean images' codes, the encoder "
                    "and the map held still (0: none).",
                    "fraction", ""));
    p.addOption(opt("umap-weight",
                    "UMAP model: the weight of the pull towards the layout (default: 0.001; on fashion 0.03).", "w", ""));
    p.addOption(opt("umap-neighbours", "UMAP model: the neighbours k of each image in UMAP's graph.", "k", "15"));
    p.addOption(opt("umap-min-dist", "UMAP model: how tightly the layout packs neighbours, in (0, 1].", "d", "0.1"));
    p.addOption(opt("umap-deskew",
                    "UMAP model: yes to find the layout's neighbours among the training images with their slant undone "
                    "(the default on handwriting; no on fashion), no to use them as they are.",
                    "yes|no", ""));
    p.addOption(opt("umap-gamma",
                    "UMAP model: find the layout's neighbours among the pixel values (0..1) raised to this power, "
                    "from 0.05 to 4; below 1, shape counts more than shade (default: 1; on fashion 0.4).",
                    "g", ""));
    p.addOption(opt("seed", "Random seed (same seed, same machine: same model).", "N", "0"));
    p.addOption(opt("seconds", "Stop after this many seconds of training (0: no limit).", "S", "0"));
    p.addOption(opt("patience",
                    "Early stopping: stop once this many epochs in a row bring no lower validation loss (0: "
                    "never).",
                    "N", "0"));
    p.addOption(opt("keep-best",
                    "yes: end with the weights of the epoch with the lowest validation loss, later epochs dropped; "
                    "no: the last weights. Default: yes with --seconds or --patience, else no.",
                    "yes|no", ""));
    p.addOption(opt("out", "Where to save the checkpoint.", "file", "model.ckpt"));
}

QJsonObject epochJson(const lx::TrainingRun& run, const lx::EpochRecord& last)
{
    QJsonObject o{{"epochs", run.epochsDone()}, {"train_loss", last.trainLoss}, {"val_loss", last.valLoss}};
    if (run.spec.isVae()) {
        o["train_recon"] = last.trainRecon;
        o["val_recon"] = last.valRecon;
        o["train_kl"] = last.trainKl;
        o["val_kl"] = last.valKl;
    }
    if (run.spec.isUmap())
        o["train_structure"] = last.trainStructure;
    if (last.valKnn >= 0)
        o["val_knn5"] = last.valKnn;
    return o;
}

// Any dataset the window opens (an image folder too); each image skipped is a warning line.
lx::DatasetSplits openData(const std::string& name)
{
    std::vector<std::string> skipped;
    lx::DatasetSplits data = lx::openAnyDataset(name, &skipped);
    for (const std::string& s : skipped)
        std::fprintf(stderr, "latent-explorer: warning: skipped %s\n", s.c_str());
    return data;
}

int runTrain(const QCommandLineParser& p)
{
    const std::string out = required(p, "out");
    const int latent = int(wholeNumber(p, "latent", 1, 1024));
    lx::ModelSpec spec = typed([&] {
        const std::string kind = p.isSet("model") ? text(p, "model") : latent == 2 ? "umap" : "ae";
        return lx::presetSpec(text(p, "arch"), latent, lx::parseKind(kind), lx::parseLoss(text(p, "loss")), text(p, "data"));
    });
    spec.beta = number(p, "beta", 0, 1e6);
    if (p.isSet("input-noise"))
        spec.inputNoise = number(p, "input-noise", 0, 10);
    if (p.isSet("shift"))
        spec.shiftAugment = int(wholeNumber(p, "shift", 0, 8));
    if (p.isSet("rotate"))
        spec.rotateAugment = number(p, "rotate", 0, 45);
    if (p.isSet("scale"))
        spec.scaleAugment = number(p, "scale", 0, 0.5);
    if (p.isSet("decoder-finish"))
        spec.decoderFinish = number(p, "decoder-finish", 0, 0.9);
    if (p.isSet("umap-weight"))
        spec.umapWeight = number(p, "umap-weight", 0, 1000);
    spec.umapNeighbours = int(wholeNumber(p, "umap-neighbours", 2, 200));
    spec.umapMinDist = number(p, "umap-min-dist", 1e-9, 1);
    if (p.isSet("umap-deskew"))
        spec.umapDeskew = yesNo(p, "umap-deskew");
    if (p.isSet("umap-gamma"))
        spec.umapGamma = number(p, "umap-gamma", 0.05, 4);
    typed([&] {
        lx::checkSpec(spec);
        return 0;
    });
    lx::TrainConfig config;
    config.epochs = int(wholeNumber(p, "epochs", 1, 100000));
    config.batchSize = int(wholeNumber(p, "batch", 1, 65536));
    config.seed = uint64_t(wholeNumber(p, "seed", 0, (1ll << 53)));
    config.timeLimitSeconds = number(p, "seconds", 0, 1e9);
    config.patience = int(wholeNumber(p, "patience", 0, 100000));
    if (p.isSet("keep-best")) {
        config.keepBest = yesNo(p, "keep-best");
    } else {
        config.keepBest = config.timeLimitSeconds > 0 || config.patience > 0;
    }
    const double lr = number(p, "lr", 1e-9, 10);

    const lx::DatasetSplits data = openData(text(p, "data"));
    lx::TrainingRun run = lx::TrainingRun::create(spec, lr, config.seed);
    run.dataset = data.name;
    lx::Trainer trainer(run, data, config);

    TerminalProgress progress;
    const int lastEpoch = run.epochsDone() + config.epochs;
    trainer.onStep([&](const lx::StepReport& r) {
        progress.step(r.epoch, lastEpoch, r.step, r.stepsPerEpoch, r.loss, r.imagesPerSecond);
    });
    trainer.onPrepare([&](const std::string& what, double f) { progress.prepare(what, f); });
    int epochsTrained = 0; // with keep-best, the epochs after the best are dropped from the history
    double seconds = 0, images = 0;
    trainer.onEpoch([&](const lx::EpochRecord& e) {
        ++epochsTrained;
        seconds += e.seconds;
        images += e.seconds * e.imagesPerSecond;
        char line[256];
        char knn[32] = "";
        if (e.valKnn >= 0)
            std::snprintf(knn, sizeof knn, "  5-NN %.3f", e.valKnn);
        std::snprintf(line, sizeof line, "epoch %d/%d%s  train %.5f  val %.5f%s  %.1f s  %.0f img/s", e.epoch, lastEpoch,
                      e.partial ? " (partial)" : "", e.trainLoss, e.valLoss, knn, e.seconds, e.imagesPerSecond);
        progress.endEpoch(line);
    });

    g_activeTrainer = &trainer;
    std::signal(SIGINT, stopOnSignal);
    std::string failure;
    lx::TrainOutcome outcome = lx::TrainOutcome::Stopped;
    try {
        outcome = trainer.run();
    } catch (const Error& e) {
        failure = e.what();
    }
    std::signal(SIGINT, SIG_DFL);
    g_activeTrainer = nullptr;

    const bool existed = QFileInfo::exists(QString::fromStdString(out));
    const std::string untouched = existed ? " (" + out + " keeps what it held)" : "";
    if (run.history.empty())
        throw Error((failure.empty() ? "training stopped before the first step" : failure) + "; nothing was saved" + untouched);
    if (!lx::parametersAreFinite(run)) // a divergence that reached the weights: never over a good file
        throw Error((failure.empty() ? std::string("training diverged") : failure)
                    + "; the weights or the last validation loss are no longer finite, so nothing was saved" + untouched);
    lx::saveCheckpoint(run, out); // also after a stop or a divergence caught in time
    if (!failure.empty())
        throw Error(failure + " (the weights trained until then were saved to " + out + ")");

    QJsonObject result = epochJson(run, run.history.back());
    result["seconds"] = seconds;
    result["images_per_second"] = images / std::max(seconds, 1e-9);
    result["outcome"] = outcome == lx::TrainOutcome::Finished        ? "finished"
                        : outcome == lx::TrainOutcome::TimeLimit     ? "time_limit"
                        : outcome == lx::TrainOutcome::NoImprovement ? "no_improvement"
                                                                     : "stopped";
    if (config.keepBest) {
        // The weights saved are the best epoch's; the epochs after it were trained and dropped.
        result["best_epoch"] = trainer.bestEpoch();
        result["epochs_trained"] = epochsTrained;
        // The best can be the partial epoch a time limit cut short, which "epochs" (whole ones)
        // does not count: say so rather than name an epoch past "epochs".
        if (run.history.back().partial && run.history.back().epoch == trainer.bestEpoch())
            result["best_epoch_partial"] = true;
    }
    result["out"] = QString::fromStdString(out);
    printJson(result);
    return 0;
}

// --- eval, embed, decode -------------------------------------------------------------------

void addModelOption(QCommandLineParser& p)
{
    p.addOption(opt("model", "A checkpoint saved by train.", "file"));
}

void addDataOption(QCommandLineParser& p)
{
    p.addOption(opt("data", "Dataset (default: the one the model was trained on).", "name"));
}

// A checkpoint of ours, or a TorchScript module from Python: explored the same way.
struct LoadedModel {
    std::unique_ptr<lx::TrainingRun> run;
    std::shared_ptr<lx::ScriptedModel> scripted;
    std::unique_ptr<lx::NativeModel> native;

    lx::LatentModel& model() { return scripted ? static_cast<lx::LatentModel&>(*scripted) : *native; }
    std::string dataset() const { return run ? run->dataset : std::string(); }
};

LoadedModel loadModel(const std::string& path)
{
    LoadedModel m;
    if (lx::isTorchScriptFile(path)) {
        m.scripted = lx::ScriptedModel::load(path);
    } else {
        m.run = std::make_unique<lx::TrainingRun>(lx::loadCheckpoint(path));
        m.native = std::make_unique<lx::NativeModel>(m.run->model);
    }
    return m;
}

lx::DatasetSplits dataFor(const QCommandLineParser& p, LoadedModel& loaded)
{
    const std::string name = p.isSet("data") ? text(p, "data") : loaded.dataset();
    if (name.empty())
        throw UsageError(loaded.scripted ? "--data is required for a TorchScript model (it does not name its dataset)"
                                         : "--data is required (the checkpoint does not name its dataset)");
    lx::DatasetSplits data = openData(name);
    lx::LatentModel& model = loaded.model();
    if (data.train.rows != model.imageRows() || data.train.cols != model.imageCols())
        throw Error(name + ": images are " + std::to_string(data.train.rows) + "x" + std::to_string(data.train.cols)
                    + " but the model takes " + std::to_string(model.imageRows()) + "x"
                    + std::to_string(model.imageCols()));
    return data;
}

int runEval(const QCommandLineParser& p)
{
    LoadedModel loaded = loadModel(required(p, "model"));
    lx::LatentModel& model = loaded.model();
    const lx::DatasetSplits data = dataFor(p, loaded);
    const lx::ReconstructionScores scores = lx::reconstructionScores(model, data.validation);
    QJsonObject o{{"dataset", QString::fromStdString(data.name)},
                  {"val_images", double(data.validation.count)},
                  {"val_mse", scores.mse},
                  {"val_bce", scores.bce},
                  {"latent_dim", model.latentDim()}};
    if (data.train.hasLabels() && data.validation.hasLabels()) {
        const torch::Tensor train = lx::encodeDataset(model, data.train);
        const torch::Tensor val = lx::encodeDataset(model, data.validation);
        o["knn5_accuracy"] = lx::knnAccuracy(train, data.train.labels, val, data.validation.labels, 5);
    } else {
        o["knn5_accuracy"] = QJsonValue::Null;
    }
    if (loaded.run && loaded.run->spec.isVae())
        o["val_kl"] = lx::Trainer::evaluate(*loaded.run, data.validation).valKl;
    printJson(o);
    return 0;
}

int runEmbed(const QCommandLineParser& p)
{
    const QString format = p.value("format");
    if (format != "csv" && format != "projector")
        throw UsageError("--format must be csv or projector, not '" + format.toStdString() + "'");
    LoadedModel loaded = loadModel(required(p, "model"));
    const std::string out = required(p, "out");
    const lx::DatasetSplits data = dataFor(p, loaded);
    if (format == "projector") // its limits, before the codes are computed
        if (const std::string problem = lx::projectorProblem(data); !problem.empty())
            throw Error(out + ": " + problem);
    const lx::LatentCloud cloud = lx::embedSplits(loaded.model(), data);
    if (format == "projector") {
        const lx::ProjectorExport e = lx::writeProjector(out, data, cloud.codes, cloud.dim);
        QJsonArray files;
        for (const std::string& f : e.files)
            files.append(QString::fromStdString(f));
        printJson(QJsonObject{{"format", "projector"}, {"rows", double(e.points)}, {"latent_dim", cloud.dim},
                              {"out", QString::fromStdString(out)}, {"files", files},
                              {"sprite", QStringLiteral("%1x%2").arg(e.spriteWidth).arg(e.spriteHeight)}});
        return 0;
    }
    const std::string csv = lx::embeddingsCsv(data, cloud.codes, cloud.dim);
    lx::writeFileAtomically(out, csv.data(), csv.size());
    printJson(QJsonObject{{"rows", double(data.totalCount())}, {"latent_dim", cloud.dim},
                          {"out", QString::fromStdString(out)}});
    return 0;
}

int runDecode(const QCommandLineParser& p)
{
    LoadedModel loaded = loadModel(required(p, "model"));
    const std::string out = required(p, "out");
    const int scale = int(wholeNumber(p, "scale", 1, 64));
    const QStringList parts = QString::fromStdString(required(p, "z")).split(',', Qt::SkipEmptyParts);
    const int dim = loaded.model().latentDim();
    if (parts.size() != dim)
        throw UsageError("--z needs " + std::to_string(dim) + " comma-separated numbers for this model, got "
                         + std::to_string(parts.size()));
    std::vector<float> z;
    for (const QString& s : parts) {
        bool ok = false;
        const float v = s.trimmed().toFloat(&ok);
        if (!ok || !std::isfinite(v))
            throw UsageError("--z: '" + s.toStdString() + "' is not a number");
        z.push_back(v);
    }
    const torch::Tensor bytes =
        lx::decodeToBytes(loaded.model(), torch::from_blob(z.data(), {1, int64_t(z.size())}, torch::kFloat32))
            .contiguous();
    QImage image(int(bytes.size(2)), int(bytes.size(1)), QImage::Format_Grayscale8);
    for (int y = 0; y < image.height(); ++y)
        std::memcpy(image.scanLine(y), bytes.data_ptr<uint8_t>() + y * image.width(), size_t(image.width()));
    if (scale > 1)
        image = image.scaled(image.width() * scale, image.height() * scale, Qt::IgnoreAspectRatio, Qt::FastTransformation);
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    if (!image.save(&buffer, "PNG"))
        throw Error(out + ": could not encode the PNG");
    lx::writeFileAtomically(out, png.constData(), size_t(png.size()));
    printJson(QJsonObject{{"out", QString::fromStdString(out)}, {"width", image.width()}, {"height", image.height()}});
    return 0;
}

// --- inspect -------------------------------------------------------------------------------

void printPlan(const lx::ModelSpec& spec)
{
    const lx::ArchitecturePlan plan = lx::planArchitecture(spec);
    printLine(stdout, QString::fromStdString("architecture: " + spec.arch + " (" + lx::kindName(spec.kind) + ", latent "
                                             + std::to_string(spec.latentDim) + ", loss " + lx::lossName(spec.loss) + ")"));
    printLine(stdout, QString::fromStdString("input: 1×" + std::to_string(spec.imageRows) + "×" + std::to_string(spec.imageCols)));
    if (spec.isUmap())
        printLine(stdout, QStringLiteral("UMAP-regularised: the code pulled towards a UMAP layout of the training images "
                                         "(weight %1, %2 neighbours, min_dist %3)")
                              .arg(spec.umapWeight)
                              .arg(spec.umapNeighbours)
                              .arg(spec.umapMinDist));
    if (spec.isUmap() && spec.umapDeskew)
        printLine(stdout, QStringLiteral("its layout's neighbours found among the training images with their slant undone"));
    if (spec.isUmap() && spec.umapGamma != 1.0)
        printLine(stdout, QStringLiteral("its layout's neighbours found among the pixel values raised to the power %1 "
                                         "(shades compressed)")
                              .arg(spec.umapGamma));
    if (spec.augments()) {
        QStringList moves;
        if (spec.shiftAugment > 0)
            moves << QStringLiteral("moved by up to %1 pixel%2").arg(spec.shiftAugment).arg(spec.shiftAugment > 1 ? "s" : "");
        if (spec.rotateAugment > 0)
            moves << QStringLiteral("turned by up to %1°").arg(spec.rotateAugment);
        if (spec.scaleAugment > 0)
            moves << QStringLiteral("scaled by up to ±%1%").arg(100 * spec.scaleAugment);
        const QString last = moves.takeLast();
        printLine(stdout, QStringLiteral("trained on images %1 at random")
                              .arg(moves.isEmpty() ? last : moves.join(", ") + " and " + last));
    }
    if (spec.decoderFinish > 0)
        printLine(stdout, QStringLiteral("each run's last %1% trained the decoder alone on the clean images' codes")
                              .arg(100 * spec.decoderFinish));
    if (spec.inputNoise > 0)
        printLine(stdout, QStringLiteral("trained denoising: Gaussian noise σ %1 added to each training image").arg(spec.inputNoise));
    for (const auto& [name, layers] : {std::pair<const char*, const std::vector<lx::PlannedLayer>*>{"encoder", &plan.encoder},
                                       {"decoder", &plan.decoder}}) {
        printLine(stdout, QString::fromLatin1(name) + ":");
        for (const lx::PlannedLayer& l : *layers) {
            const int64_t params = l.parameterCount();
            printLine(stdout, QStringLiteral("  %1 → %2%3")
                                  .arg(QString::fromStdString(l.describe()), -28)
                                  .arg(QString::fromStdString(l.out.text()), -10)
                                  .arg(params ? QStringLiteral("  %1 parameters").arg(params) : QString()));
        }
    }
    printLine(stdout, QStringLiteral("parameters: %1").arg(plan.parameterCount()));
    if (!plan.ok())
        throw Error("this architecture cannot work: " + plan.problem);
}

int runInspect(const QCommandLineParser& p)
{
    if (p.isSet("system")) {
        const lx::SystemInfo info = lx::systemInfo();
        const char* cpu = lx::cpuModelName();
        printLine(stdout, QStringLiteral("CPU: %1 (up to %2)").arg(*cpu ? cpu : "unknown", lx::isaName(lx::cpuIsa())));
        const auto heldBy = [](const char* variable) {
            return variable ? QStringLiteral(" (held by $%1)").arg(variable) : QString();
        };
        printLine(stdout, QStringLiteral("oneDNN kernels: %1").arg(lx::oneDnnIsaName()) + heldBy(lx::oneDnnIsaSwitch()));
        printLine(stdout, QStringLiteral("our kernels: %1").arg(lx::isaName(lx::kernelIsa())) + heldBy(lx::kernelIsaSwitch()));
        printLine(stdout, QString::fromStdString("LibTorch: " + info.torchVersion));
        printLine(stdout, QStringLiteral("threads: %1 (inter-op %2)").arg(info.threads).arg(info.interopThreads));
        printLine(stdout, QStringLiteral("oneDNN (MKL-DNN): %1").arg(info.mkldnn ? "on" : "off"));
        printLine(stdout, QString::fromStdString("BLAS: " + (info.blasLibrary.empty() ? "none mapped" : info.blasLibrary)
                                                 + (info.referenceBlas ? " (reference: slow)" : "")));
        if (!info.blasKernels.empty())
            printLine(stdout, QString::fromStdString("BLAS kernels: " + info.blasKernels)
                                  + (qEnvironmentVariableIsSet("OPENBLAS_CORETYPE") ? " (set by $OPENBLAS_CORETYPE)" : ""));
        // Where `mnist` is looked for: an installed copy's own, the build's, or $LX_DATA_DIR.
        printLine(stdout, QString::fromStdString("datasets: " + lx::dataDirectory())
                              + (qEnvironmentVariableIsSet("LX_DATA_DIR") ? " (set by $LX_DATA_DIR)" : ""));
        if (const std::string w = lx::blasWarning(info); !w.empty())
            printLine(stderr, QString::fromStdString("warning: " + w));
        return 0;
    }
    if (p.isSet("model") && lx::isTorchScriptFile(text(p, "model"))) {
        const auto scripted = lx::ScriptedModel::load(text(p, "model"));
        printLine(stdout, QString::fromStdString("TorchScript module: " + scripted->path()));
        printLine(stdout, QStringLiteral("encode(x: N×1×28×28) -> N×%1").arg(scripted->latentDim()));
        printLine(stdout, QStringLiteral("decode(z: N×%1) -> N×1×28×28").arg(scripted->latentDim()));
        printLine(stdout, QStringLiteral("parameters: %L1").arg(scripted->parameterCount()));
        printLine(stdout, "submodules:");
        for (const QString& line : QString::fromStdString(scripted->structure()).split('\n', Qt::SkipEmptyParts))
            printLine(stdout, "  " + line);
        return 0;
    }
    if (p.isSet("model")) {
        const std::string path = text(p, "model");
        const QJsonObject header = lx::readCheckpointHeader(path);
        const lx::TrainingRun run = lx::loadCheckpoint(path); // proves the weights load, not just the header
        printLine(stdout, QString::fromStdString("checkpoint: " + path));
        printLine(stdout, "dataset: " + header.value("dataset").toString());
        printLine(stdout, QStringLiteral("epochs: %1").arg(run.epochsDone()));
        if (!run.history.empty())
            printLine(stdout, QStringLiteral("last losses: train %1, validation %2")
                                  .arg(lossText(run.history.back().trainLoss), lossText(run.history.back().valLoss)));
        printPlan(run.spec);
        return 0;
    }
    const int latent = int(wholeNumber(p, "latent", 1, 1024));
    const lx::ModelSpec spec = typed([&] { return lx::presetSpec(text(p, "arch"), latent, lx::parseKind(text(p, "type"))); });
    printPlan(spec);
    return 0;
}

const std::map<QString, Command>& commands()
{
    static const std::map<QString, Command> table = {
        {"train", {"Train a model and save a checkpoint.", addTrainOptions, runTrain}},
        {"eval",
         {"Score a model on a dataset's validation part (one JSON line).",
          [](QCommandLineParser& p) {
              addModelOption(p);
              addDataOption(p);
          },
          runEval}},
        {"embed",
         {"Write every image's latent code as CSV, or for TensorBoard's Embedding Projector.",
          [](QCommandLineParser& p) {
              addModelOption(p);
              addDataOption(p);
              p.addOption(opt("format", "csv (one file), or projector (a folder: vectors.tsv, metadata.tsv, sprite.png, "
                                        "projector_config.pbtxt; at most 100,000 images and a sprite of 8,192 px).",
                              "format", "csv"));
              p.addOption(opt("out", "The CSV file, or the projector's folder, to write.", "path"));
          },
          runEmbed}},
        {"decode",
         {"Decode one latent point to a PNG.",
          [](QCommandLineParser& p) {
              addModelOption(p);
              p.addOption(opt("z", "The latent point, comma-separated (e.g. 0.5,-1.2).", "values"));
              p.addOption(opt("out", "The PNG file to write.", "file"));
              p.addOption(opt("scale", "Enlarge by this factor.", "N", "1"));
          },
          runDecode}},
        {"inspect",
         {"Show an architecture layer by layer with output shapes, or the system (--system).",
          [](QCommandLineParser& p) {
              p.addOption(opt("model", "A checkpoint to inspect.", "file"));
              p.addOption(opt("arch", "A preset architecture to inspect instead.", "arch", "conv"));
              p.addOption(opt("latent", "Latent size for --arch.", "D", "2"));
              p.addOption(opt("type", "Model type for --arch: ae or vae.", "type", "ae"));
              p.addOption(opt("system", "Show LibTorch's version, threads, oneDNN and the BLAS in use."));
          },
          runInspect}},
    };
    return table;
}

void printOverview()
{
    printLine(stdout, "Usage: latent-explorer [command] [options]");
    printLine(stdout, "Without a command, opens the Latent Explorer window.\n\nCommands:");
    for (const auto& [name, command] : commands())
        printLine(stdout, QStringLiteral("  %1 %2").arg(name, -9).arg(QString::fromUtf8(command.summary)));
    printLine(stdout, "\nRun 'latent-explorer <command> --help' for a command's options.");
}

} // namespace

bool isCliCommand(const QString& word)
{
    return commands().count(word) > 0 || word == "help" || word == "--help" || word == "-h";
}

int runCli(const QStringList& arguments)
{
    const QString name = arguments.value(1);
    const auto it = commands().find(name);
    if (it == commands().end()) {
        printOverview();
        return 0;
    }
    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromUtf8(it->second.summary));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({"h", "help"}, "Show this help.");
    parser.addOption(help);
    const QCommandLineOption verbose("verbose", "Errors in full (an imported model's traceback).");
    parser.addOption(verbose);
    it->second.addOptions(parser);
    QStringList args = arguments;
    args.removeAt(1);
    args[0] = "latent-explorer " + name;
    try {
        if (!parser.parse(args))
            throw UsageError(parser.errorText().toStdString());
        if (parser.isSet(help)) {
            // Qt names the program by its path ("Usage: /usr/bin/latent-explorer [options]"):
            // the usage line a person types, with the command.
            QString helpText = parser.helpText();
            const int endOfUsage = helpText.indexOf('\n');
            helpText.replace(0, endOfUsage, QStringLiteral("Usage: latent-explorer %1 [options]").arg(name));
            printLine(stdout, helpText);
            return 0;
        }
        if (!parser.positionalArguments().isEmpty())
            throw UsageError("unexpected argument '" + parser.positionalArguments().first().toStdString() + "'");
        lx::ScriptedModel::setVerboseErrors(parser.isSet(verbose));
        lx::startWorkerThreads(); // commands compute on this thread, in parallel
        return it->second.run(parser);
    } catch (const UsageError& e) {
        printLine(stderr, QStringLiteral("latent-explorer %1: %2 (see --help)").arg(name, QString::fromStdString(e.what())));
        return 2;
    } catch (const c10::Error& e) {
        printLine(stderr, QStringLiteral("latent-explorer %1: error: %2").arg(name, QString::fromStdString(e.what_without_backtrace())));
        return 1;
    } catch (const std::exception& e) {
        printLine(stderr, QStringLiteral("latent-explorer %1: error: %2").arg(name, QString::fromStdString(e.what())));
        return 1;
    }
}

int endProcess(int code)
{
    if (lx::runawayModelCalls() > 0) {
        std::fflush(stdout);
        std::fflush(stderr);
        std::_Exit(code);
    }
    return code;
}
