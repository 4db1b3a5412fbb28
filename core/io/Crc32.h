#pragma once

#include <cstdint>
#include <string>

namespace lx {

// zlib's CRC-32 of any number of bytes (zlib takes at most 4 GiB a call: fed in pieces).
// One place for the checkpoints, the codes cache and TorchScript archives.
uint32_t crc32Of(const void* data, uint64_t size);
inline uint32_t crc32Of(const std::string& bytes)
{
    return crc32Of(bytes.data(), bytes.size());
}

} // namespace lx
