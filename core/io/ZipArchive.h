#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lx {

// One entry of a zip archive, as its central directory describes it.
struct ZipEntry {
    std::string name;
    int method = 0;           // 0 stored, 8 deflated
    uint32_t crc = 0;
    uint64_t compressedSize = 0;
    uint64_t size = 0;
    uint64_t dataOffset = 0;  // where its (compressed) bytes start in the file
};

// The entries of a zip archive held in `bytes` (zip64 included). Throws lx::Error naming
// `what` when the directory is damaged or points outside the file.
std::vector<ZipEntry> readZipDirectory(const std::string& bytes, const std::string& what);

// Checks every entry's CRC-32 against its bytes (inflating deflated ones): LibTorch's loader
// does not, so a flipped byte in a TorchScript file's weights would load silently. Throws
// lx::Error naming `what` and the first entry that fails.
void verifyZipEntries(const std::string& bytes, const std::string& what);

// An entry's content (its first `limit` bytes, or all of it), inflated if deflated. Read
// whole, its length and CRC-32 are checked. Allocates at most min(limit, entry.size) bytes:
// check entry.size first. Throws lx::Error naming `what` and the entry.
std::string readZipEntry(const std::string& bytes, const ZipEntry& entry, const std::string& what,
                         uint64_t limit = UINT64_MAX);

} // namespace lx
