#pragma once

namespace lx {

// The instruction sets our own vectorised kernels are compiled for (the build targets
// baseline x86-64; each kernel is compiled once more for each of these).
enum class CpuIsa { Baseline, Avx2, Avx512 };

// The widest of those this CPU can run.
CpuIsa cpuIsa();

// What this CPU can run, capped by $LX_MAX_CPU_ISA or, when that is unset, by
// $ONEDNN_MAX_CPU_ISA or $DNNL_MAX_CPU_ISA (oneDNN's own switch, same names: AVX2, AVX512_CORE, ...; SSE41 or AVX
// mean baseline), so one variable holds oneDNN and our kernels to AVX2 on an AVX-512
// machine, as on a laptop. Read once.
CpuIsa kernelIsa();

// The environment variable that holds oneDNN's kernels (ONEDNN_MAX_CPU_ISA, else
// DNNL_MAX_CPU_ISA) and the one that holds ours (LX_MAX_CPU_ISA, else oneDNN's), if set.
const char* oneDnnIsaSwitch();
const char* kernelIsaSwitch();

// "AVX-512", "AVX2" or "baseline x86-64".
const char* isaName(CpuIsa isa);

// The instruction set oneDNN dispatches its kernels for ("AVX2", "AVX-512", ...).
const char* oneDnnIsaName();

// The CPU's model name (/proc/cpuinfo), or "".
const char* cpuModelName();

// The kernel of `avx512`, `avx2` and `baseline` (one function compiled three ways) that
// kernelIsa() allows.
template <class Fn>
Fn pickKernel(Fn avx512, Fn avx2, Fn baseline)
{
    switch (kernelIsa()) {
    case CpuIsa::Avx512:
        return avx512;
    case CpuIsa::Avx2:
        return avx2;
    case CpuIsa::Baseline:
        break;
    }
    return baseline;
}

} // namespace lx

// For a kernel's body (inlined into each of its compiled copies) and the copies themselves.
#define LX_KERNEL_BODY inline __attribute__((always_inline))
#define LX_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma")))
#define LX_TARGET_AVX2 __attribute__((target("avx2,fma")))
