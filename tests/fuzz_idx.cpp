// libFuzzer entry point: the IDX parser must refuse any input with lx::Error, never crash,
// hang, read out of bounds or allocate beyond the bytes it is given.
#include "common/Error.h"
#include "data/Idx.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    try {
        const lx::IdxArray a = lx::parseIdx(data, size, "fuzz");
        if (a.elementCount() != a.data.size())
            __builtin_trap();
    } catch (const lx::Error&) {
    }
    return 0;
}
