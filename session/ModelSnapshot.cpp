#include "session/ModelSnapshotImpl.h"

#include "io/Checkpoint.h"
#include "common/Error.h"
#include "latent/Evaluation.h"
#include "model/ScriptedModel.h"

#include <omp.h>

#include <QCoreApplication>
#include <QFile>
#include <QThread>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace lx {
namespace {

// Snapshots decode on the GUI thread, one image at a time: that needs no thread team, and a
// team of its own would fight the trainer's for the cores (on 2 cores a preempted OpenMP
// thread stalls every parallel region of the other team). So the calling thread computes
// alone. LibTorch first sets each new thread's count from its global setting, so let it do
// that (get_num_threads) and only then lower this thread's own OpenMP count, which neither
// the global setting nor any other thread sees.
// Returns the count this thread had before (LibTorch's setting): what a batch may use when
// no training runs (ThreadsForThisCall).
int computeOnThisThreadOnly()
{
    thread_local int configured = 0;
    if (configured == 0) {
        configured = std::max(1, at::get_num_threads());
        omp_set_num_threads(1);
    }
    return configured;
}

// This thread's OpenMP count for one call, then back.
class ThreadsForThisCall {
public:
    explicit ThreadsForThisCall(int threads) : before_(omp_get_max_threads())
    {
        if (threads != before_)
            omp_set_num_threads(threads);
    }
    ~ThreadsForThisCall() { omp_set_num_threads(before_); }
    ThreadsForThisCall(const ThreadsForThisCall&) = delete;
    ThreadsForThisCall& operator=(const ThreadsForThisCall&) = delete;

private:
    int before_;
};

// From how many images a batch decodes on all cores (when no training runs): below it, the
// threads' start-up costs more than they save (a hover decodes one or two).
constexpr int64_t kParallelDecodeFrom = 16;

std::mutex g_reporterMutex;
std::function<void(const QString&)> g_reporter;

void reportProblem(const std::exception& e)
{
    const QString message = QString::fromStdString(e.what());
    std::function<void(const QString&)> report;
    {
        std::lock_guard<std::mutex> lock(g_reporterMutex);
        report = g_reporter;
    }
    if (report)
        report(message);
    else
        std::fprintf(stderr, "latent-explorer: %s\n", qPrintable(message));
}

// A call that must not throw into Qt's event loop: the model's failure is reported and the
// caller gets `fallback`. On the GUI thread an imported model's call waits at most 2 s (not the
// 10 s a command waits): a hover must not freeze the window. Background jobs (samples of
// another model, exports) keep the longer wait: a big batch may take its time.
std::chrono::milliseconds interactiveTimeout()
{
    const QCoreApplication* app = QCoreApplication::instance();
    const bool gui = app && QThread::currentThread() == app->thread();
    return gui ? std::chrono::milliseconds(2000) : ScriptedModel::defaultTimeout();
}

template <typename F, typename R>
R guarded(F&& f, R fallback)
{
    ScriptedModel::ThreadTimeout interactive(interactiveTimeout());
    try {
        return f();
    } catch (const Cancelled&) {
        return fallback;
    } catch (const Error& e) {
        reportProblem(e);
    } catch (const c10::Error& e) {
        reportProblem(Error(e.what_without_backtrace()));
    }
    return fallback;
}

} // namespace

void setModelProblemReporter(std::function<void(const QString& message)> report)
{
    std::lock_guard<std::mutex> lock(g_reporterMutex);
    g_reporter = std::move(report);
}

ModelSnapshot::ModelSnapshot(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ModelSnapshot::~ModelSnapshot() = default;

ModelSnapshotPtr snapshotOf(const Autoencoder& model, bool midTraining)
{
    Autoencoder copy{nullptr};
    {
        torch::NoGradGuard noGrad;
        copy = Autoencoder(std::dynamic_pointer_cast<AutoencoderImpl>(model->clone()));
    }
    copy->eval();
    return snapshotOf(std::make_shared<NativeModel>(copy), midTraining);
}

ModelSnapshotPtr SnapshotRecycler::take(const Autoencoder& model, bool midTraining)
{
    const std::shared_ptr<AutoencoderImpl> source = model.ptr();
    if (source_.owner_before(source) || source.owner_before(source_) || source_.expired()) {
        copies_.clear(); // another model: its copies do not fit
        source_ = source;
    }
    for (const std::shared_ptr<NativeModel>& copy : copies_) {
        // Only this list holds it: no snapshot (hence no reader) can reach it any more. The
        // fence pairs with the release of the reader's last reference, so its reads of the
        // weights come before these writes.
        if (copy.use_count() != 1)
            continue;
        std::atomic_thread_fence(std::memory_order_acquire);
        torch::NoGradGuard noGrad;
        const std::vector<torch::Tensor> from = model->parameters(), to = copy->module()->parameters();
        const std::vector<torch::Tensor> fromBuffers = model->buffers(), toBuffers = copy->module()->buffers();
        for (size_t i = 0; i < from.size(); ++i)
            to[i].copy_(from[i]);
        for (size_t i = 0; i < fromBuffers.size(); ++i)
            toBuffers[i].copy_(fromBuffers[i]);
        return snapshotOf(std::shared_ptr<LatentModel>(copy), midTraining);
    }
    ModelSnapshotPtr fresh = snapshotOf(model, midTraining);
    if (copies_.size() < kCopies)
        copies_.push_back(std::static_pointer_cast<NativeModel>(fresh->impl().model));
    return fresh;
}

ModelSnapshotPtr snapshotOf(std::shared_ptr<LatentModel> model, bool midTraining)
{
    auto impl = std::make_unique<ModelSnapshot::Impl>();
    impl->model = std::move(model);
    impl->midTraining = midTraining;
    return std::make_shared<const ModelSnapshot>(std::move(impl));
}

const ModelSpec* ModelSnapshot::spec() const
{
    return impl_->model->spec();
}

int ModelSnapshot::latentDim() const
{
    return impl_->model->latentDim();
}

bool ModelSnapshot::isVae() const
{
    return impl_->model->isVae();
}

bool ModelSnapshot::isTrainable() const
{
    return impl_->model->spec() != nullptr;
}

int ModelSnapshot::imageRows() const
{
    return impl_->model->imageRows();
}

int ModelSnapshot::imageCols() const
{
    return impl_->model->imageCols();
}

QString ModelSnapshot::description() const
{
    return QString::fromStdString(impl_->model->description());
}

QImage greyImage(const uint8_t* pixels, int rows, int cols)
{
    QImage image(cols, rows, QImage::Format_Grayscale8);
    for (int y = 0; y < rows; ++y)
        std::memcpy(image.scanLine(y), pixels + size_t(y) * size_t(cols), size_t(cols));
    return image;
}

std::vector<QImage> ModelSnapshot::decodeMany(const std::vector<float>& z) const
{
    const int64_t d = latentDim();
    const int64_t n = int64_t(z.size()) / d;
    if (n == 0)
        return {};
    return guarded([&] {
        // The snapshot is shared between threads and stays in eval mode: forward passes only
        // read its weights (no mode switch, no gradient).
        const int configured = computeOnThisThreadOnly();
        ThreadsForThisCall threads(!impl_->midTraining && n >= kParallelDecodeFrom ? configured : 1);
        torch::NoGradGuard noGrad;
        const torch::Tensor codes = torch::from_blob(const_cast<float*>(z.data()), {n, d}, torch::kFloat32);
        const torch::Tensor bytes = imagesToBytes(impl_->model->decode(codes)).contiguous();
        const int rows = int(bytes.size(1)), cols = int(bytes.size(2));
        std::vector<QImage> images;
        images.reserve(size_t(n));
        for (int64_t i = 0; i < n; ++i)
            images.push_back(greyImage(bytes.data_ptr<uint8_t>() + i * rows * cols, rows, cols));
        return images;
    }, std::vector<QImage>(size_t(n)));
}

QImage ModelSnapshot::decode(const std::vector<float>& z) const
{
    std::vector<QImage> one = decodeMany(z);
    return one.empty() ? QImage() : one.front();
}

std::vector<float> ModelSnapshot::encode(const uint8_t* pixels, std::vector<float>* logVar) const
{
    if (logVar)
        logVar->clear();
    return guarded([&] { return encodeOrThrow(pixels, logVar); }, std::vector<float>());
}

std::vector<float> ModelSnapshot::encodeOrThrow(const uint8_t* pixels, std::vector<float>* logVar) const
{
    computeOnThisThreadOnly();
    torch::NoGradGuard noGrad;
    const torch::Tensor bytes =
        torch::from_blob(const_cast<uint8_t*>(pixels), {1, imageRows(), imageCols()}, torch::kUInt8);
    auto [mu, lv] = impl_->model->encodeDistribution(imagesToTensor(bytes));
    mu = mu.contiguous();
    if (logVar) {
        logVar->clear();
        if (lv.defined()) {
            lv = lv.contiguous();
            logVar->assign(lv.data_ptr<float>(), lv.data_ptr<float>() + lv.numel());
        }
    }
    return std::vector<float>(mu.data_ptr<float>(), mu.data_ptr<float>() + mu.numel());
}

std::vector<float> ModelSnapshot::encodeMany(const uint8_t* pixels, int64_t count, const std::atomic<bool>* cancel,
                                             std::vector<float>* logVar) const
{
    computeOnThisThreadOnly();
    torch::NoGradGuard noGrad;
    const torch::Tensor bytes =
        torch::from_blob(const_cast<uint8_t*>(pixels), {count, imageRows(), imageCols()}, torch::kUInt8);
    std::vector<float> codes;
    codes.reserve(size_t(count) * size_t(latentDim()));
    if (logVar)
        logVar->clear();
    for (int64_t start = 0; start < count; start += 256) {
        if (cancel && cancel->load())
            throw Cancelled();
        auto [mu, lv] =
            impl_->model->encodeDistribution(imagesToTensor(bytes.slice(0, start, std::min(count, start + 256))));
        mu = mu.contiguous();
        codes.insert(codes.end(), mu.data_ptr<float>(), mu.data_ptr<float>() + mu.numel());
        if (logVar && lv.defined()) {
            lv = lv.contiguous();
            logVar->insert(logVar->end(), lv.data_ptr<float>(), lv.data_ptr<float>() + lv.numel());
        }
    }
    return codes;
}

bool isTorchScriptModel(const QString& path)
{
    return isTorchScriptFile(QFile::encodeName(path).toStdString());
}

ModelSnapshotPtr loadSnapshot(const QString& path)
{
    const std::string file = QFile::encodeName(path).toStdString();
    if (isTorchScriptFile(file))
        return snapshotOf(std::shared_ptr<LatentModel>(ScriptedModel::load(file)));
    const TrainingRun run = loadCheckpoint(file);
    return snapshotOf(run.model);
}

} // namespace lx
