// libFuzzer entry point: a .npy (and the same bytes as an .npz) must be refused with
// lx::Error, never crash, hang, read out of bounds or allocate beyond what the bytes justify;
// what parses must be self-consistent and make a dataset or be refused.
// Seeds: tests/fuzz/npy (NumPy's own files). ./tests/fuzz_npy -max_total_time=60 ../tests/fuzz/npy
#include "common/Error.h"
#include "data/Npy.h"
#include "io/ZipArchive.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    try {
        const lx::NpyArray a = lx::parseNpy(data, size, "fuzz");
        if (uint64_t(a.elementCount()) * uint64_t(a.itemSize) != a.data.size())
            __builtin_trap();
        const lx::Dataset d = lx::datasetFromArrays(a, nullptr, "fuzz");
        if (d.pixels.size() != size_t(d.count) * size_t(d.rows) * size_t(d.cols))
            __builtin_trap();
    } catch (const lx::Error&) {
    }
    try {
        const std::string bytes(reinterpret_cast<const char*>(data), size);
        for (const lx::ZipEntry& e : lx::readZipDirectory(bytes, "fuzz")) {
            if (e.size > uint64_t(1) << 24)
                continue; // the reader checks an entry's header before inflating it whole
            const std::string content = lx::readZipEntry(bytes, e, "fuzz");
            if (content.size() != e.size)
                __builtin_trap();
        }
    } catch (const lx::Error&) {
    }
    return 0;
}
