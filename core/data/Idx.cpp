#include "data/Idx.h"

#include "common/Error.h"
#include "io/AtomicFile.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

namespace lx {
namespace {

constexpr uint8_t kUnsignedByte = 0x08;

[[noreturn]] void fail(const std::string& what, const std::string& problem)
{
    throw Error(what + ": " + problem);
}

uint32_t readBigEndian32(const uint8_t* p)
{
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

const char* typeName(uint8_t type)
{
    switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "16-bit integer";
    case 0x0C: return "32-bit integer";
    case 0x0D: return "32-bit float";
    case 0x0E: return "64-bit float";
    default: return nullptr;
    }
}

struct Header {
    std::vector<uint32_t> dims;
    size_t headerBytes = 0;
    uint64_t payloadBytes = 0;
};

// Validates the magic and dimensions; needs only the first 4 + 4 * ndims bytes.
Header parseHeader(const uint8_t* bytes, size_t size, const std::string& what)
{
    if (size < 4)
        fail(what, "file is too short to be IDX (" + std::to_string(size) + " bytes, the header alone needs at least 4)");
    if (bytes[0] != 0 || bytes[1] != 0)
        fail(what, "not an IDX file (wrong magic number: the first two bytes must be zero)");
    const uint8_t type = bytes[2];
    const size_t ndims = bytes[3];
    if (type != kUnsignedByte) {
        const char* name = typeName(type);
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", type);
        fail(what, std::string("element type ") + hex + (name ? std::string(" (") + name + ")" : std::string(" (unknown)"))
                       + " is not supported; expected unsigned byte (0x08)");
    }
    if (ndims == 0 || ndims > kIdxMaxDims)
        fail(what, "IDX header declares " + std::to_string(ndims) + " dimensions; expected 1 to " + std::to_string(kIdxMaxDims));
    Header h;
    h.headerBytes = 4 + 4 * ndims;
    if (size < h.headerBytes)
        fail(what, "truncated header: " + std::to_string(ndims) + " dimensions need " + std::to_string(h.headerBytes)
                       + " bytes, the file has " + std::to_string(size));
    uint64_t total = 1;
    for (size_t i = 0; i < ndims; ++i) {
        const uint32_t d = readBigEndian32(bytes + 4 + 4 * i);
        h.dims.push_back(d);
        total *= d; // stays exact: checked against the cap below before it can overflow
        if (total > kIdxMaxPayloadBytes)
            fail(what, "IDX header declares an absurd size (dimension " + std::to_string(i) + " = " + std::to_string(d)
                           + " takes the array past " + std::to_string(kIdxMaxPayloadBytes >> 20) + " MiB)");
    }
    h.payloadBytes = total;
    return h;
}

std::string dimsText(const std::vector<uint32_t>& dims)
{
    std::string s;
    for (size_t i = 0; i < dims.size(); ++i)
        s += (i ? "x" : "") + std::to_string(dims[i]);
    return s;
}

std::vector<uint8_t> readWholeFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        throw Error(path + ": cannot open file (" + std::strerror(errno) + ")");
    const std::streamoff size = in.tellg();
    if (size < 0)
        throw Error(path + ": cannot determine the file size");
    // Compressed IDX expands a lot; raw IDX files are bounded by the payload cap.
    if (uint64_t(size) > kIdxMaxPayloadBytes + 64)
        throw Error(path + ": file is too large (" + std::to_string(size >> 20) + " MiB)");
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    in.seekg(0);
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
        throw Error(path + ": read error");
    return bytes;
}

// deflate never compresses better than about 1032:1: a header that declares more than the
// compressed bytes could ever hold is refused before anything is allocated for it.
constexpr uint64_t kDeflateMaxRatio = 1032;

// Inflates a gzip'd IDX file: its header first (the first 4 + 4·ndims bytes of the stream),
// checked like a raw file's; then exactly the array it declares, into a buffer of that size,
// and not a byte more. A lying header (a gzip bomb behind a claim of 10⁹ images) is refused
// after inflating a few dozen bytes, never after gigabytes.
std::vector<uint8_t> gunzip(const uint8_t* bytes, size_t size, const std::string& what)
{
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 16) != Z_OK)
        fail(what, "cannot initialise gzip decompression");
    std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
    zs.next_in = const_cast<Bytef*>(bytes);
    zs.avail_in = uInt(std::min<size_t>(size, UINT32_MAX));
    bool ended = false;
    // Inflates into out[0, n); returns how many bytes came before the stream ended.
    auto inflateInto = [&](uint8_t* out, size_t n) {
        size_t produced = 0;
        while (produced < n && !ended) {
            zs.next_out = out + produced;
            zs.avail_out = uInt(std::min<size_t>(n - produced, UINT32_MAX));
            const int rc = inflate(&zs, Z_NO_FLUSH);
            produced = size_t(zs.next_out - out);
            if (rc == Z_STREAM_END)
                ended = true;
            else if (rc == Z_BUF_ERROR && zs.avail_in == 0)
                fail(what, "corrupt gzip data (the compressed stream ends early)");
            else if (rc != Z_OK && rc != Z_BUF_ERROR)
                fail(what, std::string("corrupt gzip data (") + (zs.msg ? zs.msg : "inflate failed") + ")");
        }
        return produced;
    };
    uint8_t head[4 + 4 * kIdxMaxDims];
    size_t got = inflateInto(head, 4);
    const size_t ndims = got == 4 ? std::min<size_t>(head[3], kIdxMaxDims) : 0;
    got += inflateInto(head + got, 4 * ndims);
    const Header h = parseHeader(head, got, what); // refuses a bad or absurd header here
    if (h.payloadBytes > uint64_t(size) * kDeflateMaxRatio + 4096)
        fail(what, "truncated data: header declares " + dimsText(h.dims) + " = " + std::to_string(h.payloadBytes)
                       + " bytes, more than " + std::to_string(size) + " compressed bytes can hold");
    std::vector<uint8_t> out(h.headerBytes + size_t(h.payloadBytes));
    std::copy_n(head, h.headerBytes, out.data());
    const size_t payload = inflateInto(out.data() + h.headerBytes, size_t(h.payloadBytes));
    if (payload < h.payloadBytes)
        fail(what, "truncated data: header declares " + dimsText(h.dims) + " = " + std::to_string(h.payloadBytes)
                       + " bytes, the file holds " + std::to_string(payload));
    uint8_t extra[4096];
    const size_t more = inflateInto(extra, sizeof extra);
    if (more > 0)
        fail(what, "file has " + std::string(more == sizeof extra ? "at least " : "") + std::to_string(more)
                       + " bytes after the " + dimsText(h.dims) + " array its header declares");
    return out;
}

} // namespace

bool isGzip(const uint8_t* bytes, size_t size)
{
    return size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

size_t IdxArray::elementCount() const
{
    size_t n = dims.empty() ? 0 : 1;
    for (uint32_t d : dims)
        n *= d;
    return n;
}

IdxArray parseIdx(const uint8_t* bytes, size_t size, const std::string& what)
{
    if (isGzip(bytes, size)) {
        const std::vector<uint8_t> raw = gunzip(bytes, size, what);
        return parseIdx(raw.data(), raw.size(), what);
    }
    const Header h = parseHeader(bytes, size, what);
    const uint64_t available = size - h.headerBytes;
    if (available < h.payloadBytes)
        fail(what, "truncated data: header declares " + dimsText(h.dims) + " = " + std::to_string(h.payloadBytes)
                       + " bytes, the file holds " + std::to_string(available));
    if (available > h.payloadBytes)
        fail(what, "file has " + std::to_string(available - h.payloadBytes) + " bytes after the " + dimsText(h.dims)
                       + " array its header declares");
    IdxArray array;
    array.dims = h.dims;
    array.data.assign(bytes + h.headerBytes, bytes + h.headerBytes + h.payloadBytes);
    return array;
}

IdxArray readIdxFile(const std::string& path)
{
    const std::vector<uint8_t> bytes = readWholeFile(path);
    return parseIdx(bytes.data(), bytes.size(), path);
}

void writeIdxFile(const std::string& path, const IdxArray& array, bool gzip)
{
    if (array.dims.empty() || array.dims.size() > kIdxMaxDims || array.elementCount() != array.data.size())
        throw Error(path + ": cannot write an IDX array whose dimensions do not match its data");
    std::vector<uint8_t> bytes = {0, 0, kUnsignedByte, uint8_t(array.dims.size())};
    for (uint32_t d : array.dims)
        for (int shift = 24; shift >= 0; shift -= 8)
            bytes.push_back(uint8_t(d >> shift));
    bytes.insert(bytes.end(), array.data.begin(), array.data.end());
    if (gzip) {
        z_stream zs{};
        if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            throw Error(path + ": cannot initialise gzip compression");
        std::vector<uint8_t> out(deflateBound(&zs, uLong(bytes.size())) + 32);
        zs.next_in = bytes.data();
        zs.avail_in = uInt(bytes.size());
        zs.next_out = out.data();
        zs.avail_out = uInt(out.size());
        const int rc = deflate(&zs, Z_FINISH);
        out.resize(zs.total_out);
        deflateEnd(&zs);
        if (rc != Z_STREAM_END)
            throw Error(path + ": gzip compression failed");
        bytes.swap(out);
    }
    writeFileAtomically(path, bytes.data(), bytes.size());
}

} // namespace lx
