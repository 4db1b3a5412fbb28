#pragma once

#include "model/ModelSpec.h"

#include <QImage>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace lx {

// An immutable copy of a model's weights that widgets may use from the GUI thread while the
// trainer goes on changing its own copy. Torch stays behind this header (moc reads
// session/ and ui/ headers, and Qt's keywords clash with LibTorch's): widgets see images and floats only.
class ModelSnapshot {
public:
    ~ModelSnapshot();

    int latentDim() const;
    const ModelSpec* spec() const; // our own models; nullptr for a TorchScript model
    bool isTrainable() const;      // our own models only
    bool isVae() const;
    QString description() const; // "conv AE, latent 2", "TorchScript model.pt, latent 16"
    int imageRows() const;
    int imageCols() const;

    // decode, decodeMany and encode are what widgets call on the GUI thread: they never throw.
    // A model that fails (an imported one whose method raises, returns NaN or does not answer
    // in time) gives null images or an empty code, and its message goes to the problem
    // reporter (setModelProblemReporter).
    //
    // The decoded image of one latent point (latentDim() values), greyscale 8-bit.
    QImage decode(const std::vector<float>& z) const;
    // Many points at once: N×latentDim() values in, N images out.
    std::vector<QImage> decodeMany(const std::vector<float>& z) const;
    // The code of one image (rows×cols bytes); for a VAE, the mean; `logVar` gets log σ² if given.
    std::vector<float> encode(const uint8_t* pixels, std::vector<float>* logVar = nullptr) const;
    // The codes of `count` images (count×rows×cols bytes), count×latentDim() values; a VAE's
    // log σ² to `logVar` if given (left empty for an AE). When `cancel` becomes true, throws
    // lx::Cancelled between batches.
    std::vector<float> encodeMany(const uint8_t* pixels, int64_t count, const std::atomic<bool>* cancel = nullptr,
                                  std::vector<float>* logVar = nullptr) const;

    struct Impl;
    explicit ModelSnapshot(std::unique_ptr<Impl> impl);
    const Impl& impl() const { return *impl_; }

private:
    std::vector<float> encodeOrThrow(const uint8_t* pixels, std::vector<float>* logVar) const;

    std::unique_ptr<Impl> impl_;
};

using ModelSnapshotPtr = std::shared_ptr<const ModelSnapshot>;

// A model file (one of our checkpoints, or a TorchScript module) opened as a snapshot, for
// looking at beside the session's own model. Throws lx::Error saying what is wrong.
ModelSnapshotPtr loadSnapshot(const QString& path);

// Whether a file is a TorchScript module (a model from elsewhere) rather than our checkpoint.
bool isTorchScriptModel(const QString& path);

// Where the GUI-thread calls above say that a model failed (any thread may call it; the
// window shows the line). Without one, the message goes to stderr.
void setModelProblemReporter(std::function<void(const QString& message)> report);

// Bytes (rows×cols, row-major) to a greyscale QImage that owns its pixels.
QImage greyImage(const uint8_t* pixels, int rows, int cols);

} // namespace lx
