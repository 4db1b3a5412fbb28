#include "io/Crc32.h"

#include <zlib.h>

#include <algorithm>

namespace lx {

uint32_t crc32Of(const void* data, uint64_t size)
{
    const auto* bytes = static_cast<const Bytef*>(data);
    uLong crc = crc32(0L, Z_NULL, 0);
    while (size > 0) {
        const uInt chunk = uInt(std::min<uint64_t>(size, 1u << 30));
        crc = crc32(crc, bytes, chunk);
        bytes += chunk;
        size -= chunk;
    }
    return uint32_t(crc);
}

} // namespace lx
