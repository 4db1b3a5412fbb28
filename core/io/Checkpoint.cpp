#include "io/Checkpoint.h"

#include "common/Error.h"
#include "io/AtomicFile.h"
#include "io/Crc32.h"
#include "model/ArchitecturePlan.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>


#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace lx {
namespace {

// The archive's entry for a UMAP model's layout (TrainingRun::umapTarget): a name no module
// parameter can have (theirs are archiveKey()'s).
const std::string kUmapTargetKey = "umap_target";

const char kMagic[8] = {'L', 'X', 'C', 'K', 'P', 'T', '\r', '\n'};
constexpr size_t kPrefixBytes = sizeof kMagic + 4;
constexpr uint32_t kMaxHeaderBytes = 16u << 20;
constexpr uint64_t kMaxFileBytes = uint64_t(4) << 30;

// Archive keys cannot hold dots (they become attribute names); module paths use them.
std::string archiveKey(const std::string& name)
{
    std::string key = "t_" + name;
    for (char& c : key)
        if (c == '.')
            c = '_';
    return key;
}

QJsonArray floatsToJson(const std::vector<float>& values)
{
    QJsonArray array;
    for (const float v : values)
        array.append(double(v));
    return array;
}

// An epoch's loss through its steps (EpochRecord::stepLoss): at most kStepBuckets finite
// numbers, or the file is refused.
std::vector<float> floatsFromJson(const QJsonObject& o, const char* key)
{
    const QJsonArray array = o.value(QLatin1String(key)).toArray();
    if (array.size() > EpochRecord::kStepBuckets)
        throw Error(std::string("the training history's \"") + key + "\" has " + std::to_string(array.size())
                    + " values (at most " + std::to_string(EpochRecord::kStepBuckets) + ")");
    std::vector<float> values;
    for (const QJsonValue& v : array) {
        if (!v.isDouble() || !std::isfinite(float(v.toDouble())))
            throw Error(std::string("the training history's \"") + key + "\" holds a value that is not a finite number");
        values.push_back(float(v.toDouble()));
    }
    return values;
}

QJsonObject epochToJson(const EpochRecord& e)
{
    QJsonObject o{{"epoch", e.epoch},           {"train_loss", e.trainLoss}, {"val_loss", e.valLoss},
                  {"train_recon", e.trainRecon}, {"val_recon", e.valRecon}, {"train_kl", e.trainKl},
                  {"val_kl", e.valKl},           {"seconds", e.seconds},     {"images_per_second", e.imagesPerSecond},
                  {"partial", e.partial}};
    if (e.trainStructure != 0)
        o.insert("train_structure", e.trainStructure);
    if (e.valKnn >= 0)
        o.insert("val_knn5", e.valKnn);
    if (!e.stepLoss.empty())
        o.insert("step_loss", floatsToJson(e.stepLoss));
    if (!e.stepRecon.empty())
        o.insert("step_recon", floatsToJson(e.stepRecon));
    if (!e.stepKl.empty())
        o.insert("step_kl", floatsToJson(e.stepKl));
    return o;
}

EpochRecord epochFromJson(const QJsonObject& o)
{
    // JSON has no infinity: a loss that was not finite is stored as null, and read back as NaN
    // (not as 0, which would read as a perfect model).
    auto loss = [&o](const char* key) {
        const QJsonValue v = o.value(key);
        return v.isDouble() ? v.toDouble() : v.isNull() ? std::nan("") : 0.0;
    };
    EpochRecord e;
    e.epoch = o.value("epoch").toInt();
    e.trainLoss = loss("train_loss");
    e.valLoss = loss("val_loss");
    e.trainRecon = loss("train_recon");
    e.valRecon = loss("val_recon");
    e.trainKl = loss("train_kl");
    e.valKl = loss("val_kl");
    e.trainStructure = loss("train_structure");
    if (const QJsonValue knn = o.value("val_knn5"); knn.isDouble() && knn.toDouble() >= 0 && knn.toDouble() <= 1)
        e.valKnn = knn.toDouble();
    e.seconds = o.value("seconds").toDouble();
    e.imagesPerSecond = o.value("images_per_second").toDouble();
    e.partial = o.value("partial").toBool();
    e.stepLoss = floatsFromJson(o, "step_loss");
    e.stepRecon = floatsFromJson(o, "step_recon");
    e.stepKl = floatsFromJson(o, "step_kl");
    return e;
}


// The CRC-32 of a header's compact JSON without its own checksum field: keys come out sorted
// and numbers in their shortest exact form, so the text read back gives the same value.
std::string bytesText(double bytes)
{
    char text[32];
    if (bytes >= 1e9)
        std::snprintf(text, sizeof text, "%.1f GB", bytes / 1e9);
    else if (bytes >= 1e6)
        std::snprintf(text, sizeof text, "%.1f MB", bytes / 1e6);
    else
        std::snprintf(text, sizeof text, "%.0f kB", bytes / 1e3);
    return text;
}

uint32_t headerCrc(QJsonObject header)
{
    header.remove("header_crc32");
    const QByteArray text = QJsonDocument(header).toJson(QJsonDocument::Compact);
    return crc32Of(std::string(text.constData(), size_t(text.size())));
}



struct RawCheckpoint {
    QJsonObject header;
    std::string payload;
};

[[noreturn]] void refuse(const std::string& path, const std::string& problem)
{
    throw Error(path + ": " + problem);
}

RawCheckpoint readRaw(const std::string& path, bool withPayload)
{
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (status.type() == std::filesystem::file_type::directory)
        refuse(path, "a folder, not a model file (a checkpoint .ckpt or a TorchScript .pt)");
    if (!ec && status.type() != std::filesystem::file_type::regular && status.type() != std::filesystem::file_type::not_found)
        refuse(path, "not a regular file (a device, pipe or socket): a model is read from a file");
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        refuse(path, std::string("cannot open file (") + std::strerror(errno) + ")");
    const std::streamoff size = in.tellg();
    if (size < 0)
        refuse(path, "cannot read its size");
    if (uint64_t(size) > kMaxFileBytes)
        refuse(path, "larger than 4 GiB: not a Latent Explorer checkpoint");
    in.seekg(0);
    char prefix[kPrefixBytes];
    if (uint64_t(size) < kPrefixBytes || !in.read(prefix, kPrefixBytes) || std::memcmp(prefix, kMagic, sizeof kMagic) != 0)
        refuse(path, size == 0 ? "an empty file, not a model"
                               : "neither a Latent Explorer checkpoint nor a TorchScript module (it starts with neither "
                                 "LXCKPT nor a zip archive's signature)");
    uint32_t headerBytes = 0;
    for (int i = 3; i >= 0; --i)
        headerBytes = (headerBytes << 8) | uint8_t(prefix[sizeof kMagic + i]);
    if (headerBytes == 0 || headerBytes > kMaxHeaderBytes || kPrefixBytes + headerBytes > uint64_t(size))
        refuse(path, "damaged checkpoint (its header length does not fit the file; truncated?)");
    std::string headerText(headerBytes, '\0');
    if (!in.read(headerText.data(), headerBytes))
        refuse(path, "read error in the checkpoint header");
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(headerText), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        refuse(path, "damaged checkpoint header (" + err.errorString().toStdString() + ")");
    RawCheckpoint raw;
    raw.header = doc.object();
    if (raw.header.value("format").toString() != "latent-explorer-checkpoint")
        refuse(path, "not a Latent Explorer checkpoint (header has no format tag)");
    const int version = raw.header.value("version").toInt(-1);
    if (version < 1)
        refuse(path, "damaged checkpoint header (no format version)");
    if (version > kCheckpointVersion)
        refuse(path, "checkpoint format version " + std::to_string(version) + " is newer than this program reads ("
                         + std::to_string(kCheckpointVersion) + "); update Latent Explorer");
    // The header's own checksum (files from before it have none and open as they did).
    if (raw.header.contains("header_crc32")
        && uint32_t(raw.header.value("header_crc32").toDouble(-1)) != headerCrc(raw.header))
        refuse(path, "damaged checkpoint header: it fails its checksum (the file was edited or corrupted)");
    const double declared = raw.header.value("payload_bytes").toDouble(-1);
    const uint64_t available = uint64_t(size) - kPrefixBytes - headerBytes;
    if (declared < 0 || declared != double(available))
        refuse(path, "damaged checkpoint: the weights take " + std::to_string(available) + " bytes, the header says "
                         + std::to_string(int64_t(declared)) + " (truncated or appended to?)");
    if (withPayload) {
        raw.payload.resize(available);
        if (!in.read(raw.payload.data(), std::streamsize(available)))
            refuse(path, "read error in the checkpoint's weights");
        if (crc32Of(raw.payload) != uint32_t(raw.header.value("payload_crc32").toDouble(-1)))
            refuse(path, "damaged checkpoint: the weights fail their checksum (the file was altered or corrupted)");
    }
    return raw;
}

} // namespace

bool parametersAreFinite(const TrainingRun& run)
{
    if (!run.model)
        return false;
    if (!run.history.empty()) {
        const EpochRecord& last = run.history.back();
        if (!std::isfinite(last.trainLoss) || !std::isfinite(last.valLoss))
            return false;
    }
    torch::NoGradGuard noGrad;
    for (const auto& p : run.model->named_parameters())
        if (!torch::isfinite(p.value()).all().item<bool>())
            return false;
    for (const auto& b : run.model->named_buffers())
        if (b.value().is_floating_point() && !torch::isfinite(b.value()).all().item<bool>())
            return false;
    return true;
}

void saveCheckpoint(const TrainingRun& run, const std::string& path)
{
    if (!run.model || !run.optimizer)
        throw Error(path + ": there is no model to save");
    if (!parametersAreFinite(run))
        throw Error(path + ": the model's weights or its last losses are not finite (training diverged); nothing was "
                           "written");
    torch::serialize::OutputArchive archive;
    for (const auto& p : run.model->named_parameters())
        archive.write(archiveKey(p.key()), p.value().detach());
    for (const auto& b : run.model->named_buffers())
        archive.write(archiveKey(b.key()), b.value(), /*is_buffer=*/true);
    torch::serialize::OutputArchive optimizerArchive;
    run.optimizer->save(optimizerArchive);
    archive.write("optimizer", optimizerArchive);
    // A UMAP model's layout of its training images: resuming it (after a relaunch, or a model
    // reopened) goes straight to training instead of laying them out again (fashion: ~15 s).
    const bool layout = !run.umapTarget.empty() && run.umapTarget.size() % 2 == 0 && !run.umapTargetOf.empty();
    if (layout)
        archive.write(kUmapTargetKey,
                      torch::from_blob(const_cast<float*>(run.umapTarget.data()), {int64_t(run.umapTarget.size() / 2), 2},
                                       torch::kFloat32),
                      /*is_buffer=*/true);
    // The payload in one buffer of about its size (the tensors' bytes and room for the
    // archive's own): grown by doubling, its copies passed 150 MB for a 40 MB `conv`
    // checkpoint, memory the heap then kept.
    size_t tensorBytes = 0;
    for (const torch::Tensor& t : run.model->parameters())
        tensorBytes += t.nbytes();
    for (const torch::Tensor& t : run.model->buffers())
        tensorBytes += t.nbytes();
    tensorBytes += run.umapTarget.size() * sizeof(float);
    for (const auto& [key, state] : run.optimizer->state()) {
        (void)key;
        if (const auto* adam = dynamic_cast<const torch::optim::AdamParamState*>(state.get()))
            for (const torch::Tensor& t : {adam->exp_avg(), adam->exp_avg_sq(), adam->max_exp_avg_sq()})
                tensorBytes += t.defined() ? t.nbytes() : 0;
    }
    std::string payload;
    payload.reserve(tensorBytes + tensorBytes / 16 + (1 << 20));
    archive.save_to([&payload](const void* data, size_t n) {
        payload.append(static_cast<const char*>(data), n);
        return n;
    });

    QJsonArray history;
    for (const EpochRecord& e : run.history)
        history.append(epochToJson(e));
    QJsonObject header{
        {"format", "latent-explorer-checkpoint"},
        {"version", kCheckpointVersion},
        {"spec", specToJson(run.spec)},
        {"dataset", QString::fromStdString(run.dataset)},
        {"learning_rate", run.learningRate},
        {"epochs", run.epochsDone()},
        {"history", history},
        {"parameters", double(planArchitecture(run.spec).parameterCount())},
        {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
        {"payload_bytes", double(payload.size())},
        {"payload_crc32", double(crc32Of(payload))},
    };
    if (layout)
        header["umap_target_of"] = QString::fromStdString(run.umapTargetOf);
    if (run.targetEpoch > 0)
        header["target_epoch"] = run.targetEpoch;
    header["header_crc32"] = double(headerCrc(header));
    const QByteArray headerText = QJsonDocument(header).toJson(QJsonDocument::Indented);
    std::string head(kMagic, sizeof kMagic);
    const uint32_t n = uint32_t(headerText.size());
    for (int i = 0; i < 4; ++i)
        head.push_back(char((n >> (8 * i)) & 0xff));
    head.append(headerText.constData(), size_t(headerText.size()));
    writeFileAtomically(path, {{head.data(), head.size()}, {payload.data(), payload.size()}});
}

QJsonObject readCheckpointHeader(const std::string& path)
{
    return readRaw(path, false).header;
}

TrainingRun loadCheckpoint(const std::string& path)
{
    const RawCheckpoint raw = readRaw(path, true);
    ModelSpec spec;
    try {
        spec = specFromJson(raw.header.value("spec").toObject());
    } catch (const Error& e) {
        refuse(path, e.what());
    }
    const ArchitecturePlan plan = planArchitecture(spec);
    if (!plan.ok())
        refuse(path, "its architecture cannot work: " + plan.problem);
    // The weights are in the file: an architecture bigger than the bytes it holds is a lie, and
    // believing it would allocate gigabytes (or be killed for it) before the payload is read.
    // Older files without a header checksum open too, so this is checked whatever the CRC says.
    const double weightBytes = double(plan.parameterCount()) * 4.0;
    if (weightBytes > double(raw.payload.size()))
        refuse(path, "damaged checkpoint: its header describes " + std::to_string(plan.parameterCount())
                         + " weights (" + bytesText(weightBytes) + ") but the file holds " + bytesText(double(raw.payload.size())));
    const double lr = raw.header.value("learning_rate").toDouble(-1);
    if (!(lr > 0))
        refuse(path, "damaged checkpoint header (no learning rate)");

    TrainingRun run = TrainingRun::create(spec, lr, 0);
    run.dataset = raw.header.value("dataset").toString().toStdString();
    // Older files have none; a nonsense value is no plan.
    if (const int target = raw.header.value("target_epoch").toInt(0); target > 0 && target <= 1000000)
        run.targetEpoch = target;
    try {
        for (const QJsonValue& e : raw.header.value("history").toArray())
            run.history.push_back(epochFromJson(e.toObject()));
    } catch (const Error& e) {
        refuse(path, e.what());
    }

    try {
        torch::serialize::InputArchive archive;
        archive.load_from(raw.payload.data(), raw.payload.size());
        torch::NoGradGuard noGrad;
        auto restore = [&](const std::string& name, torch::Tensor& target, bool isBuffer) {
            torch::Tensor stored;
            if (!archive.try_read(archiveKey(name), stored, isBuffer) || !stored.defined())
                refuse(path, "the weights for '" + name + "' are missing: the file does not match its own architecture");
            if (stored.sizes() != target.sizes() || stored.scalar_type() != target.scalar_type())
                refuse(path, "the weights for '" + name + "' have shape " + c10::str(stored.sizes()) + ", the architecture needs "
                                 + c10::str(target.sizes()));
            target.copy_(stored);
        };
        for (auto& p : run.model->named_parameters())
            restore(p.key(), p.value(), false);
        for (auto& b : run.model->named_buffers())
            restore(b.key(), b.value(), true);
        torch::serialize::InputArchive optimizerArchive;
        if (archive.try_read("optimizer", optimizerArchive))
            run.optimizer->load(optimizerArchive);
        // The UMAP layout, if saved and sound; otherwise (older files, or one that does not
        // fit) the trainer lays the images out again, as it does for a new model.
        const std::string layoutOf = raw.header.value("umap_target_of").toString().toStdString();
        torch::Tensor layout;
        if (spec.isUmap() && !layoutOf.empty() && archive.try_read(kUmapTargetKey, layout, /*is_buffer=*/true)
            && layout.defined() && layout.dim() == 2 && layout.size(1) == 2 && layout.scalar_type() == torch::kFloat32
            && torch::isfinite(layout).all().item<bool>()) {
            const torch::Tensor c = layout.contiguous();
            run.umapTarget.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
            run.umapTargetOf = layoutOf;
        }
    } catch (const Error&) {
        throw;
    } catch (const c10::Error& e) {
        refuse(path, std::string("damaged checkpoint: LibTorch could not read the weights (") + e.what_without_backtrace() + ")");
    } catch (const std::exception& e) {
        refuse(path, std::string("damaged checkpoint: LibTorch could not read the weights (")
                         + std::string(e.what()).substr(0, 200) + ")");
    }
    run.model->eval();
    return run;
}

} // namespace lx
