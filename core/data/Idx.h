#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lx {

// An IDX array of unsigned bytes (MNIST's format): big-endian header, then the data.
struct IdxArray {
    std::vector<uint32_t> dims;
    std::vector<uint8_t> data;

    size_t elementCount() const;
};

// Upper bound on one array's payload, far above Fashion-MNIST's 47 MB; a header that claims
// more is refused before anything is allocated.
constexpr uint64_t kIdxMaxPayloadBytes = uint64_t(1) << 31;
// Dimensions an array may have (1 to this).
constexpr size_t kIdxMaxDims = 8;

// Whether bytes start as gzip does (its magic), whatever the file's name.
bool isGzip(const uint8_t* bytes, size_t size);

// Parses an IDX array from memory. `what` names the source in error messages.
// Throws lx::Error on any inconsistency; never reads past `size`.
IdxArray parseIdx(const uint8_t* bytes, size_t size, const std::string& what);

// Reads an IDX file, raw or gzip-compressed (detected by its magic bytes, not its name).
// The header is checked against the real file size (or, for gzip, against the data that
// actually decompresses) before the payload is allocated.
IdxArray readIdxFile(const std::string& path);

// Writes an unsigned-byte IDX file (optionally gzip-compressed) atomically.
void writeIdxFile(const std::string& path, const IdxArray& array, bool gzip = false);

} // namespace lx
