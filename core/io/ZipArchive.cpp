#include "io/ZipArchive.h"

#include "common/Error.h"
#include "io/Crc32.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace lx {
namespace {

[[noreturn]] void damaged(const std::string& what, const std::string& problem)
{
    throw Error(what + ": a damaged zip archive (" + problem + ")");
}

// Little-endian fields at `at`, checked to lie inside the bytes.
struct Reader {
    const std::string& bytes;
    const std::string& what;

    uint64_t get(uint64_t at, int width) const
    {
        if (at > bytes.size() || bytes.size() - at < uint64_t(width))
            damaged(what, "a record runs past the end of the file");
        uint64_t v = 0;
        for (int i = width - 1; i >= 0; --i)
            v = (v << 8) | uint8_t(bytes[size_t(at) + size_t(i)]);
        return v;
    }
    bool signature(uint64_t at, const char* sig) const
    {
        return at <= bytes.size() && bytes.size() - at >= 4 && std::memcmp(bytes.data() + at, sig, 4) == 0;
    }
};

// Inflates a raw deflate stream that must give exactly `size` bytes: its CRC-32, and its first
// `keep` bytes into `kept` (if given). False if the stream is damaged or its length is wrong
// (or, with `keep` < size, once `keep` bytes are there: the rest is not inflated).
bool inflateEntry(const char* data, uint64_t compressed, uint64_t size, uint32_t& crc, std::string* kept = nullptr,
                  uint64_t keep = 0)
{
    z_stream zs{};
    if (inflateInit2(&zs, -15) != Z_OK)
        return false;
    std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    zs.avail_in = uInt(std::min<uint64_t>(compressed, UINT32_MAX));
    uLong running = crc32(0L, Z_NULL, 0);
    uint64_t produced = 0;
    unsigned char out[65536];
    for (;;) {
        zs.next_out = out;
        zs.avail_out = sizeof out;
        const int rc = inflate(&zs, Z_NO_FLUSH);
        const uInt n = uInt(sizeof out - zs.avail_out);
        running = crc32(running, out, n);
        if (kept && produced < keep)
            kept->append(reinterpret_cast<const char*>(out), size_t(std::min<uint64_t>(n, keep - produced)));
        produced += n;
        if (produced > size)
            return false;
        if (kept && keep < size && produced >= keep)
            return true; // the part asked for
        if (rc == Z_STREAM_END)
            break;
        if (rc != Z_OK)
            return false;
    }
    crc = uint32_t(running);
    return produced == size;
}

} // namespace

std::vector<ZipEntry> readZipDirectory(const std::string& bytes, const std::string& what)
{
    const Reader r{bytes, what};
    // The end-of-central-directory record: within the last 64 KiB + 22 bytes (its comment).
    if (bytes.size() < 22)
        damaged(what, "too short for a zip archive");
    uint64_t eocd = bytes.size() - 22;
    const uint64_t lowest = bytes.size() > 65557 ? bytes.size() - 65557 : 0;
    while (!r.signature(eocd, "PK\x05\x06")) {
        if (eocd == lowest)
            damaged(what, "no end of central directory; truncated?");
        --eocd;
    }
    uint64_t entries = r.get(eocd + 10, 2), directorySize = r.get(eocd + 12, 4), directory = r.get(eocd + 16, 4);
    if (entries == 0xFFFF || directorySize == 0xFFFFFFFF || directory == 0xFFFFFFFF) { // zip64
        if (eocd < 20 || !r.signature(eocd - 20, "PK\x06\x07"))
            damaged(what, "a zip64 archive without its locator");
        const uint64_t record = r.get(eocd - 20 + 8, 8);
        if (!r.signature(record, "PK\x06\x06"))
            damaged(what, "the zip64 directory record is not where its locator says");
        entries = r.get(record + 32, 8);
        directorySize = r.get(record + 40, 8);
        directory = r.get(record + 48, 8);
    }
    if (directory > bytes.size() || directorySize > bytes.size() - directory || entries > directorySize / 46)
        damaged(what, "the central directory does not fit the file");
    std::vector<ZipEntry> out;
    uint64_t at = directory;
    for (uint64_t i = 0; i < entries; ++i) {
        if (!r.signature(at, "PK\x01\x02"))
            damaged(what, "entry " + std::to_string(i + 1) + " of the central directory is not one");
        ZipEntry e;
        e.method = int(r.get(at + 10, 2));
        e.crc = uint32_t(r.get(at + 16, 4));
        e.compressedSize = r.get(at + 20, 4);
        e.size = r.get(at + 24, 4);
        const uint64_t nameLength = r.get(at + 28, 2), extraLength = r.get(at + 30, 2), commentLength = r.get(at + 32, 2);
        uint64_t local = r.get(at + 42, 4);
        if (at + 46 + nameLength > bytes.size())
            damaged(what, "an entry's name runs past the end of the file");
        e.name = bytes.substr(size_t(at + 46), size_t(nameLength));
        // zip64 sizes and offset, in the extra field 0x0001, in this order, where they are full.
        for (uint64_t x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength;) {
            const uint64_t id = r.get(x, 2), length = r.get(x + 2, 2);
            if (id == 1) {
                uint64_t field = x + 4;
                for (uint64_t* value : {&e.size, &e.compressedSize, &local})
                    if (*value == 0xFFFFFFFF) {
                        *value = r.get(field, 8);
                        field += 8;
                    }
            }
            x += 4 + length;
        }
        if (!r.signature(local, "PK\x03\x04"))
            damaged(what, e.name + "'s local header is not where the directory says");
        e.dataOffset = local + 30 + r.get(local + 26, 2) + r.get(local + 28, 2);
        if (e.dataOffset > bytes.size() || e.compressedSize > bytes.size() - e.dataOffset)
            damaged(what, e.name + " runs past the end of the file");
        out.push_back(std::move(e));
        at += 46 + nameLength + extraLength + commentLength;
    }
    return out;
}

void verifyZipEntries(const std::string& bytes, const std::string& what)
{
    for (const ZipEntry& e : readZipDirectory(bytes, what)) {
        const char* data = bytes.data() + e.dataOffset;
        uint32_t crc = 0;
        bool ok = false;
        if (e.method == 0)
            ok = e.compressedSize == e.size && (crc = crc32Of(data, e.size)) == e.crc;
        else if (e.method == 8)
            ok = inflateEntry(data, e.compressedSize, e.size, crc) && crc == e.crc;
        else
            throw Error(what + ": entry " + e.name + " is compressed with method " + std::to_string(e.method)
                        + ", which torch.jit.save never writes");
        if (!ok)
            throw Error(what + ": a damaged file: entry " + e.name + " fails its checksum (altered or corrupted)");
    }
}

std::string readZipEntry(const std::string& bytes, const ZipEntry& e, const std::string& what, uint64_t limit)
{
    const char* data = bytes.data() + e.dataOffset;
    const uint64_t n = std::min(limit, e.size);
    std::string out;
    bool ok = false;
    uint32_t crc = 0;
    if (e.method == 0) {
        ok = e.compressedSize == e.size;
        if (ok)
            out.assign(data, size_t(n));
        if (ok && n == e.size)
            ok = crc32Of(data, e.size) == e.crc;
    } else if (e.method == 8) {
        out.reserve(size_t(n));
        ok = inflateEntry(data, e.compressedSize, e.size, crc, &out, n) && out.size() == n && (n < e.size || crc == e.crc);
    } else {
        throw Error(what + ": entry " + e.name + " is compressed with method " + std::to_string(e.method)
                    + " (only stored and deflated entries are read)");
    }
    if (!ok)
        throw Error(what + ": a damaged file: entry " + e.name + " does not inflate to its size or fails its checksum");
    return out;
}

} // namespace lx
