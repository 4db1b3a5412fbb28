#include "common/CpuIsa.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <string>

namespace lx {
namespace {

} // namespace

CpuIsa cpuIsa()
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma"))
        return CpuIsa::Avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return CpuIsa::Avx2;
    return CpuIsa::Baseline;
}

namespace {

// The cap a switch's value names (oneDNN's names), or the CPU's own set for none or an
// unknown name.
CpuIsa capOf(const char* value, CpuIsa none)
{
    if (!value || !*value)
        return none;
    std::string v(value);
    for (char& c : v)
        c = char(std::toupper(static_cast<unsigned char>(c)));
    if (v.rfind("AVX512", 0) == 0 || v == "ALL")
        return CpuIsa::Avx512;
    if (v.rfind("AVX2", 0) == 0)
        return CpuIsa::Avx2;
    if (v == "AVX" || v.rfind("SSE", 0) == 0 || v == "BASELINE")
        return CpuIsa::Baseline;
    return none;
}

} // namespace

CpuIsa kernelIsa()
{
    static const CpuIsa isa = [] {
        const CpuIsa has = cpuIsa();
        const char* own = std::getenv("LX_MAX_CPU_ISA");
        const char* onednn = std::getenv("ONEDNN_MAX_CPU_ISA");
        if (!onednn || !*onednn)
            onednn = std::getenv("DNNL_MAX_CPU_ISA"); // oneDNN's older name, which it still reads
        const CpuIsa cap = capOf(own && *own ? own : onednn, has);
        return int(cap) < int(has) ? cap : has;
    }();
    return isa;
}

const char* isaName(CpuIsa isa)
{
    switch (isa) {
    case CpuIsa::Avx512:
        return "AVX-512";
    case CpuIsa::Avx2:
        return "AVX2";
    case CpuIsa::Baseline:
        break;
    }
    return "baseline x86-64";
}

const char* oneDnnIsaName()
{
    using dnnl::cpu_isa;
    switch (dnnl::get_effective_cpu_isa()) {
    case cpu_isa::sse41:
        return "SSE4.1";
    case cpu_isa::avx:
        return "AVX";
    case cpu_isa::avx2:
        return "AVX2";
    case cpu_isa::avx2_vnni:
        return "AVX2 (VNNI)";
    case cpu_isa::avx512_core:
        return "AVX-512";
    case cpu_isa::avx512_core_vnni:
        return "AVX-512 (VNNI)";
    case cpu_isa::avx512_core_bf16:
        return "AVX-512 (BF16)";
    case cpu_isa::avx512_core_amx:
        return "AVX-512 (AMX)";
    default:
        return "other";
    }
}

const char* cpuModelName()
{
    static const std::string name = [] {
        std::ifstream info("/proc/cpuinfo");
        std::string line;
        while (std::getline(info, line))
            if (line.rfind("model name", 0) == 0) {
                const size_t colon = line.find(':');
                const size_t start = colon == std::string::npos ? colon : line.find_first_not_of(" \t", colon + 1);
                return start == std::string::npos ? std::string() : line.substr(start);
            }
        return std::string();
    }();
    return name.c_str();
}

} // namespace lx
