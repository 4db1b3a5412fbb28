#pragma once

#include <cstdint>
#include <string>

namespace lx {

struct SystemInfo {
    std::string torchVersion;
    int threads = 0;
    int interopThreads = 0;
    bool mkldnn = false;
    std::string blasLibrary; // the libblas/openblas/mkl file the process has mapped, or ""
    bool referenceBlas = false;
    std::string blasKernels; // OpenBLAS's kernel set for this CPU (e.g. Haswell: AVX2), or ""
};

// What this process computes with, read from LibTorch and /proc/self/maps.
SystemInfo systemInfo();

// One line for users when the reference BLAS is loaded (about 7x slower), else "".
std::string blasWarning(const SystemInfo& info);

// Keeps large freed blocks in the heap for reuse (glibc would unmap them): the training
// step's buffers are then not page-faulted in again and again. Called by configureThreads.
void configureMemory();

// Keeps as much freed memory as a training step of `batch` images allocates again (at least
// 128 MB): called by the trainer. Process-wide.
void configureMemoryForBatch(int64_t batch);

// Gives the heap's free memory back to the system (after training, while idle).
void releaseFreeMemory();

// Sets LibTorch's thread counts once, at start: $LX_THREADS, else `requested`, else all cores.
void configureThreads(int requested = 0);

// Starts the calling thread's OpenMP workers now (each thread that computes in parallel has a
// team of its own; the first parallel region takes ~10 ms on the reference machine). For a
// thread about to compute, e.g. the command line before it trains, so that the cost does not
// land in the first training step; the window's GUI thread computes alone and needs none.
void startWorkerThreads();

// How many cores other processes kept busy between one sample() and the next: the busy time
// of the cores this process may run on (/proc/stat) less its own (/proc/self/stat), over the
// wall time between. −1 on the first call, or where /proc cannot be read.
class OtherProcessesLoad {
public:
    double sample();
    // The cores this process may run on, as of the last sample (0 before one).
    int cores() const { return cores_; }

private:
    bool have_ = false;
    int cores_ = 0;
    uint64_t busy_ = 0, ours_ = 0;
    double seconds_ = 0;
};

// The threads to compute with beside other processes that keep `otherCores` of `cores` busy:
// the cores left free (rounded), at least 1, at most `configured`. OpenMP's workers spin while
// they wait for each other, so two threads on two cores beside one busy process trained at half
// the speed of one thread (bench/RESULTS.md, session 13).
int threadsBesideLoad(int configured, double otherCores, int cores);

} // namespace lx
