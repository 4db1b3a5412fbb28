#include "common/CpuIsa.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <string>

namespace lx {

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
        const char* variable = kernelIsaSwitch();
        const CpuIsa cap = capOf(variable ? std::getenv(variable) : nullptr, has);
        return int(cap) < int(has) ? cap : has;
    }();
    return isa;
}

const char* oneDnnIsaSwitch()
{
    for (const char* name : {"ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"}) // the second: oneDNN's older name
        if (const char* v = std::getenv(name); v && *v)
            return name;
    return nullptr;
}

const char* kernelIsaSwitch()
{
    if (const char* v = std::getenv("LX_MAX_CPU_ISA"); v && *v)
        return "LX_MAX_CPU_ISA";
    return oneDnnIsaSwitch();
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
