#include "model/ScriptedModel.h"

#include "common/Error.h"
#include "io/ZipArchive.h"

#include <torch/script.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace lx {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::atomic<int> g_runaway{0};
thread_local milliseconds tl_timeout{0};
thread_local const std::atomic<bool>* tl_cancel = nullptr;

std::string secondsText(milliseconds t)
{
    char text[32];
    if (t.count() % 1000 == 0)
        std::snprintf(text, sizeof text, "%lld s", static_cast<long long>(t.count() / 1000));
    else
        std::snprintf(text, sizeof text, "%.1f s", double(t.count()) / 1000.0);
    return text;
}

std::atomic<bool> g_verbose{false};

// An exception raised inside a TorchScript method comes with the interpreter's traceback (a
// dozen lines); its last line says what went wrong ("RuntimeError: …"): that one line.
std::string lastLine(const std::string& message)
{
    size_t end = message.find_last_not_of(" \n\r\t");
    if (end == std::string::npos)
        return message;
    const size_t start = message.rfind('\n', end);
    const std::string last =
        message.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
    // Verbose: the interpreter's whole traceback, after the line that says what went wrong.
    return g_verbose && start != std::string::npos ? last + "\n" + message.substr(0, end + 1) : last;
}


constexpr uintmax_t kMaxBytes = uintmax_t(2) << 30; // 2 GiB: far beyond any 28×28 model

std::string name(const std::string& path)
{
    return std::filesystem::path(path).filename().string();
}

std::string shapeText(const torch::Tensor& t)
{
    std::string s;
    for (int64_t i = 0; i < t.dim(); ++i)
        s += (i ? "×" : "") + std::to_string(t.size(i));
    return s.empty() ? "a scalar" : s;
}

// The zip's end-of-central-directory record, and the central directory naming a data.pkl
// (every TorchScript archive has one). Reads only the file's tail.
void checkArchive(const std::string& path)
{
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec)
        throw Error(path + ": cannot read the file (" + ec.message() + ")");
    if (size < 100)
        throw Error(path + ": too small to be a TorchScript file (" + std::to_string(size) + " bytes)");
    if (size > kMaxBytes)
        throw Error(path + ": too large for a model of 28×28 images (" + std::to_string(size >> 20) + " MB)");
    std::ifstream f(path, std::ios::binary);
    char head[4] = {};
    f.read(head, 4);
    if (!f || std::memcmp(head, "PK\x03\x04", 4) != 0)
        throw Error(path + ": not a TorchScript file (it is not a zip archive as torch.jit.save writes)");
    const uintmax_t tail = std::min<uintmax_t>(size, 1 << 20);
    std::string end(size_t(tail), '\0');
    f.seekg(std::streamoff(size - tail));
    f.read(end.data(), std::streamsize(tail));
    if (!f)
        throw Error(path + ": cannot read the file");
    if (end.rfind("PK\x05\x06") == std::string::npos)
        throw Error(path + ": a damaged or truncated zip archive (no end of central directory)");
    if (end.find("data.pkl") == std::string::npos || end.find("/code/") == std::string::npos)
        throw Error(path + ": a zip archive but not a TorchScript module (no data.pkl and code/ entries); "
                           "save the model with torch.jit.save(torch.jit.script(model), path)");
    // Every entry against its CRC-32 (LibTorch's loader checks none: a flipped byte in the
    // weights loaded silently, and a damaged record could crash it).
    std::string all(size_t(size), '\0');
    f.seekg(0);
    f.read(all.data(), std::streamsize(size));
    if (!f)
        throw Error(path + ": cannot read the file");
    verifyZipEntries(all, path);
}

} // namespace

bool isTorchScriptFile(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    char head[4] = {};
    f.read(head, 4);
    return f && std::memcmp(head, "PK\x03\x04", 4) == 0;
}

void ScriptedModel::setVerboseErrors(bool verbose)
{
    g_verbose = verbose;
}

int runawayModelCalls()
{
    return g_runaway.load();
}

// The thread every call into one model runs on, so that the caller can stop waiting. Its
// state is shared with the thread, which outlives the model when a call never comes back.
struct ScriptedModel::Runner {
    struct Shared {
        std::mutex mutex;
        std::condition_variable cv;
        std::function<void()> task;
        bool hasTask = false;
        bool running = false;
        bool done = false;
        bool quit = false;
        bool leftRunning = false; // its caller gave up on it (counted in g_runaway)
        Clock::time_point started;
        pid_t tid = 0; // the thread's own id, to lower its priority once it is left running
    };
    std::shared_ptr<Shared> shared = std::make_shared<Shared>();
    std::thread thread;
    std::timed_mutex turn; // one call at a time
    std::atomic<bool> stopped{false};
    std::string why; // the message it was set aside with; written once, before `stopped` is set

    Runner()
    {
        thread = std::thread([s = shared] {
            pthread_setname_np(pthread_self(), "lx-model"); // what top shows, should it run away
            std::unique_lock<std::mutex> lock(s->mutex);
            s->tid = pid_t(syscall(SYS_gettid));
            for (;;) {
                s->cv.wait(lock, [&] { return s->hasTask || s->quit; });
                if (!s->hasTask)
                    break;
                std::function<void()> task = std::move(s->task);
                s->hasTask = false;
                s->running = true;
                s->started = Clock::now();
                lock.unlock();
                task(); // stores its outcome; never throws
                task = nullptr; // let go of the module before saying it is done
                lock.lock();
                s->running = false;
                s->done = true;
                if (s->leftRunning) {
                    s->leftRunning = false;
                    --g_runaway;
                }
                s->cv.notify_all();
            }
        });
    }

    ~Runner()
    {
        std::unique_lock<std::mutex> lock(shared->mutex);
        shared->quit = true;
        shared->cv.notify_all();
        const bool busy = shared->running;
        lock.unlock();
        if (busy)
            thread.detach(); // it ends by itself, should its call ever return
        else
            thread.join();
    }
};

ScriptedModel::ScriptedModel() : runner_(std::make_shared<Runner>()) {}
ScriptedModel::~ScriptedModel() = default;

milliseconds ScriptedModel::defaultTimeout()
{
    if (const char* text = std::getenv("LX_MODEL_TIMEOUT")) {
        char* end = nullptr;
        const double seconds = std::strtod(text, &end);
        if (end != text && *end == '\0' && seconds > 0 && seconds <= 86400)
            return milliseconds(static_cast<long long>(seconds * 1000.0 + 0.5));
    }
    return milliseconds(10000);
}

ScriptedModel::ThreadTimeout::ThreadTimeout(milliseconds timeout) : previous_(tl_timeout)
{
    tl_timeout = timeout;
}

ScriptedModel::ThreadTimeout::~ThreadTimeout()
{
    tl_timeout = previous_;
}

ScriptedModel::ThreadCancel::ThreadCancel(const std::atomic<bool>* cancel) : previous_(tl_cancel)
{
    tl_cancel = cancel;
}

ScriptedModel::ThreadCancel::~ThreadCancel()
{
    tl_cancel = previous_;
}

bool ScriptedModel::stoppedAnswering() const
{
    return runner_->stopped.load();
}

std::shared_ptr<ScriptedModel> ScriptedModel::load(const std::string& path, const std::atomic<bool>* cancel)
{
    checkArchive(path);
    std::shared_ptr<ScriptedModel> m(new ScriptedModel);
    m->path_ = path;
    try {
        m->module_ = std::make_shared<torch::jit::Module>(torch::jit::load(path, torch::kCPU));
    } catch (const c10::Error& e) {
        throw Error(path + ": LibTorch cannot load it as TorchScript: " + e.what_without_backtrace());
    } catch (const std::exception& e) {
        throw Error(path + ": LibTorch cannot load it as TorchScript: " + e.what());
    }
    m->module_->eval();
    std::vector<std::string> missing;
    for (const char* method : {"encode", "decode"})
        if (!m->module_->find_method(method))
            missing.push_back(method);
    if (!missing.empty()) {
        std::string list = missing.size() == 2 ? "encode and decode" : missing.front();
        throw Error(name(path) + ": the module has no method " + list
                    + "; it needs encode(x: N×1×28×28 in [0,1]) -> N×D and decode(z: N×D) -> N×1×28×28 "
                      "(mark them @torch.jit.export)");
    }
    // Probe both on two images: encode must give N×D, decode must give back N×1×28×28.
    const torch::Tensor x = torch::rand({2, 1, 28, 28});
    const torch::Tensor z = m->call("encode", x, cancel);
    if (z.dim() != 2 || z.size(0) != 2 || z.size(1) < 1 || z.size(1) > 4096)
        throw Error(name(path) + ": encode(x) of 2 images of 1×28×28 returned " + shapeText(z)
                    + "; it must return 2×D (one code of D numbers per image)");
    m->dim_ = int(z.size(1));
    m->checkDecoded(m->call("decode", z, cancel), z);
    return m;
}

torch::Tensor ScriptedModel::call(const char* method, const torch::Tensor& input, const std::atomic<bool>* cancel)
{
    Runner& r = *runner_;
    if (!cancel)
        cancel = tl_cancel;
    const milliseconds timeout = tl_timeout.count() > 0 ? tl_timeout : defaultTimeout();
    const auto stoppedError = [&] { return Error(r.why); };
    std::unique_lock<std::timed_mutex> turn(r.turn, std::defer_lock);
    while (!turn.try_lock_for(milliseconds(20))) {
        if (r.stopped)
            throw stoppedError();
        if (cancel && cancel->load())
            throw Cancelled();
    }
    if (r.stopped)
        throw stoppedError();

    struct Outcome {
        c10::IValue value;
        std::exception_ptr error;
    };
    auto outcome = std::make_shared<Outcome>();
    Runner::Shared& s = *r.shared;
    std::unique_lock<std::mutex> lock(s.mutex);
    s.task = [module = module_, method = std::string(method), in = input.to(torch::kFloat32), outcome] {
        try {
            torch::NoGradGuard noGrad;
            outcome->value = module->get_method(method)({in});
        } catch (...) {
            outcome->error = std::current_exception();
        }
    };
    s.hasTask = true;
    s.done = false;
    s.cv.notify_all();
    while (!s.cv.wait_for(lock, milliseconds(20), [&] { return s.done; })) {
        const bool cancelled = cancel && cancel->load();
        const bool late = s.running && Clock::now() - s.started > timeout;
        if (!cancelled && !late)
            continue;
        if (s.running) { // it cannot be stopped: leave it, and refuse every later call
            s.leftRunning = true;
            ++g_runaway;
            // Nor can it be killed, but it need not cost anything: at SCHED_IDLE it runs only
            // on a core nobody else wants (the window and the trainer keep theirs).
            const sched_param idle{};
            sched_setscheduler(s.tid, SCHED_IDLE, &idle);
        } else {
            s.hasTask = false;
            s.task = nullptr;
        }
        // Later calls are refused with this same line: one message for the one problem.
        r.why = cancelled ? name(path_) + ": " + method + " was cancelled while it ran; the model is set aside"
                          : name(path_) + ": " + method + " did not answer in " + secondsText(timeout)
                                + " (a loop that never ends?); the model is set aside";
        r.stopped = true;
        if (cancelled)
            throw Cancelled();
        throw Error(r.why);
    }
    lock.unlock();

    c10::IValue out;
    try {
        if (outcome->error)
            std::rethrow_exception(outcome->error);
        out = outcome->value;
    } catch (const c10::Error& e) {
        throw Error(name(path_) + ": " + method + " failed on a " + shapeText(input)
                    + " input: " + lastLine(e.what_without_backtrace()));
    } catch (const std::exception& e) { // what a `raise` inside the method becomes (JITException)
        throw Error(name(path_) + ": " + method + " failed on a " + shapeText(input) + " input: " + lastLine(e.what()));
    }
    if (!out.isTensor())
        throw Error(name(path_) + ": " + method + " must return one tensor, not " + out.tagKind());
    torch::Tensor t = out.toTensor().to(torch::kFloat32);
    // A model from elsewhere is checked at every call: NaN or infinity would become a black
    // image, a CSV of "nan", or LibTorch's raw complaint several steps later.
    if (!torch::isfinite(t).all().item<bool>())
        throw Error(name(path_) + ": " + method + " returned values that are not finite (NaN or infinity) for a "
                    + shapeText(input) + " input");
    return t;
}

std::pair<torch::Tensor, torch::Tensor> ScriptedModel::encodeDistribution(const torch::Tensor& x)
{
    torch::Tensor z = call("encode", x);
    if (z.dim() != 2 || z.size(0) != x.size(0) || (dim_ > 0 && z.size(1) != dim_))
        throw Error(name(path_) + ": encode returned " + shapeText(z) + " for " + shapeText(x) + " images");
    return {z, torch::Tensor()};
}

torch::Tensor ScriptedModel::decode(const torch::Tensor& z)
{
    return checkDecoded(call("decode", z), z);
}

torch::Tensor ScriptedModel::checkDecoded(torch::Tensor y, const torch::Tensor& z)
{
    if (y.dim() != 4 || y.size(0) != z.size(0) || y.size(1) != 1 || y.size(2) != 28 || y.size(3) != 28)
        throw Error(name(path_) + ": decode(z) of " + shapeText(z) + " codes returned " + shapeText(y) + "; it must return "
                    + std::to_string(z.size(0)) + "×1×28×28 (images in [0,1])");
    // Images are in [0, 1]: a decode beyond that (a missing sigmoid) is clamped, said once.
    const double lo = y.min().item<double>(), hi = y.max().item<double>();
    if (lo < 0.0 || hi > 1.0) {
        std::call_once(*outOfRangeSaid_, [&] {
            std::fprintf(stderr, "latent-explorer: warning: %s: decode returns values from %g to %g, outside [0, 1]; "
                                 "they are clamped\n", name(path_).c_str(), lo, hi);
        });
        y = y.clamp(0.0, 1.0);
    }
    return y;
}

std::string ScriptedModel::description() const
{
    return "TorchScript " + name(path_) + ", latent " + std::to_string(dim_);
}

int64_t ScriptedModel::parameterCount() const
{
    int64_t n = 0;
    for (const at::Tensor& p : module_->parameters())
        n += p.numel();
    return n;
}

std::string ScriptedModel::structure() const
{
    std::ostringstream s;
    for (const auto& sub : module_->named_modules()) {
        if (sub.name.empty())
            continue;
        const auto type = sub.value.type()->name();
        s << sub.name << ": " << (type ? type->name() : std::string("module")) << "\n";
    }
    return s.str();
}

} // namespace lx
