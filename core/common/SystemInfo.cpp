#include "common/SystemInfo.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <dlfcn.h>
#include <malloc.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <sstream>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace lx {
namespace {

// OpenBLAS's name for its kernel set, found at run time (LibTorch links "a BLAS"), or "".
std::string openBlasCore()
{
    using CoreName = char* (*)();
    const auto name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    const char* core = name ? name() : nullptr;
    return core ? core : "";
}

} // namespace

SystemInfo systemInfo()
{
    SystemInfo info;
    info.torchVersion = TORCH_VERSION;
    info.threads = at::get_num_threads();
    info.interopThreads = at::get_num_interop_threads();
    info.mkldnn = at::hasMKLDNN();
    info.blasKernels = openBlasCore();
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        const size_t slash = line.find('/');
        if (slash == std::string::npos)
            continue;
        const std::string path = line.substr(slash);
        const std::string file = path.substr(path.rfind('/') + 1);
        const bool blas = file.rfind("libblas.so", 0) == 0 || file.rfind("libopenblas", 0) == 0
                          || file.rfind("libmkl_rt", 0) == 0 || file.rfind("libblis", 0) == 0;
        if (!blas)
            continue;
        // Debian's reference BLAS lives in .../blas/; OpenBLAS in .../openblas-*/.
        const bool reference = path.find("/blas/libblas.so") != std::string::npos;
        if (info.blasLibrary.empty() || (info.referenceBlas && !reference)) {
            info.blasLibrary = path;
            info.referenceBlas = reference;
        }
    }
    return info;
}

std::string blasWarning(const SystemInfo& info)
{
    if (!info.referenceBlas)
        return {};
    return "LibTorch is using the reference BLAS (" + info.blasLibrary
           + "), about 7x slower: install libopenblas0-openmp (apt-get install libopenblas0-openmp)";
}

void configureMemory()
{
    // glibc serves blocks over 128 KiB with mmap and unmaps them on free, raising that
    // threshold only gradually: the first training steps then page-fault on every activation
    // buffer (several MB each) and run at half speed. Keep such blocks in the heap for reuse.
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    // One heap for every thread. glibc gives each thread that allocates (the window's, the
    // worker's, OpenMP's) an arena of its own, and each arena keeps up to the trim threshold
    // of freed memory: three of them kept ~180 MB while training, one keeps ~90 MB, at the
    // same speed (bench/RESULTS.md, session 15). Set before any thread is started.
    mallopt(M_ARENA_MAX, 1);
    configureMemoryForBatch(128);
}

void configureMemoryForBatch(int64_t batch)
{
    // Keep freed memory at the heap's top up to what a training step of this batch needs
    // again (the `conv` model's step: ~100 MB at batch 512): below that, each step gave back
    // what the next one faulted in again (batch 256 at 32 MB: 154 ms a step against 54; batch
    // 512 at 64 MB: 340 ms against 100). Not more: the window's resident memory counts what is
    // kept (256 MB kept 214 MB free while training; bench/RESULTS.md, sessions 9 and 10).
    const int64_t bytes = std::clamp<int64_t>(batch, 256, 1 << 14) * (256 << 10);
    mallopt(M_TRIM_THRESHOLD, int(std::min<int64_t>(bytes, INT32_MAX)));
}

void releaseFreeMemory()
{
    malloc_trim(0);
}

void configureThreads(int requested)
{
    configureMemory();
    int n = requested;
    if (const char* env = std::getenv("LX_THREADS"); env && std::atoi(env) > 0)
        n = std::atoi(env);
    if (n <= 0)
        n = int(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(n);
    at::set_num_interop_threads(1);
}

namespace {

// The busy time (user, nice, system, irq, softirq; not idle, iowait or steal) of the cores
// this process may run on (its affinity: a process pinned to 2 of 8 cores cares only about those
// 2), how many those are, and this process's own time (utime + stime), in clock ticks; false
// where /proc cannot be read.
bool busyTicks(uint64_t& machine, int& cores, uint64_t& process)
{
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    const bool known = sched_getaffinity(0, sizeof allowed, &allowed) == 0;
    std::ifstream stat("/proc/stat");
    std::string line;
    machine = 0;
    cores = 0;
    while (std::getline(stat, line) && line.compare(0, 3, "cpu") == 0) {
        if (line.size() < 4 || !std::isdigit(static_cast<unsigned char>(line[3])))
            continue; // the first line: all cores together
        std::istringstream fields(line.substr(3));
        int cpu = -1;
        uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
        if (!(fields >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq))
            return false;
        if (known && (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)))
            continue;
        machine += user + nice + system + irq + softirq;
        ++cores;
    }
    if (cores == 0)
        return false;
    std::ifstream self("/proc/self/stat");
    if (!std::getline(self, line))
        return false;
    const size_t close = line.rfind(')'); // the command's name may hold spaces and parentheses
    if (close == std::string::npos)
        return false;
    std::istringstream fields(line.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 13 && fields >> field; ++i) { // fields 3 (state) to 13; 14 and 15 next
    }
    uint64_t utime = 0, stime = 0;
    if (!(fields >> utime >> stime))
        return false;
    process = utime + stime;
    return true;
}

} // namespace

double OtherProcessesLoad::sample()
{
    uint64_t busy = 0, ours = 0;
    const double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    if (!busyTicks(busy, cores_, ours)) {
        have_ = false;
        return -1;
    }
    double others = -1;
    const double elapsed = now - seconds_;
    if (have_ && elapsed > 0 && busy >= busy_ && ours >= ours_) {
        const double ticks = double(sysconf(_SC_CLK_TCK));
        others = std::max(0.0, (double(busy - busy_) - double(ours - ours_)) / ticks / elapsed);
    }
    have_ = true;
    busy_ = busy;
    ours_ = ours;
    seconds_ = now;
    return others;
}

int threadsBesideLoad(int configured, double otherCores, int cores)
{
    if (otherCores < 0)
        return configured;
    return int(std::clamp<long>(std::lround(double(cores) - otherCores), 1, std::max(1, configured)));
}

void startWorkerThreads()
{
    at::parallel_for(0, at::get_num_threads(), 1, [](int64_t, int64_t) {});
}

} // namespace lx
