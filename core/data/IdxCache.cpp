#include "data/IdxCache.h"

#include "common/Error.h"
#include "io/AtomicFile.h"
#include "io/Crc32.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

namespace fs = std::filesystem;

namespace lx {
namespace {

// The cache file: this magic, the source's size and modification time (ns), the array's
// dimension count and dimensions, its byte count and CRC-32, then its bytes. Numbers in the
// machine's own byte order: a cache is only ever read where it was written (another
// machine's reads as damaged and is replaced).
constexpr char kMagic[8] = {'L', 'X', 'I', 'D', 'X', 'U', '1', '\n'};

struct SourceStamp {
    uint64_t size = 0;
    int64_t mtimeNs = 0;
};

std::optional<SourceStamp> stampOf(const std::string& path)
{
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        return std::nullopt;
    return SourceStamp{uint64_t(st.st_size), int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

bool startsLikeGzip(const std::string& path)
{
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
    uint8_t magic[2] = {0, 0};
    return f && isGzip(magic, std::fread(magic, 1, 2, f.get()));
}

template <typename T>
bool readValue(std::FILE* f, T& value)
{
    return std::fread(&value, sizeof value, 1, f) == 1;
}

template <typename T>
void appendValue(std::string& out, const T& value)
{
    out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

// The array kept in the cache file, if it is there, whole and for this very source.
std::optional<IdxArray> readCache(const std::string& cachePath, const SourceStamp& source)
{
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(cachePath.c_str(), "rb"), std::fclose);
    if (!f)
        return std::nullopt;
    struct stat st{};
    if (::fstat(fileno(f.get()), &st) != 0 || !S_ISREG(st.st_mode))
        return std::nullopt;
    char magic[sizeof kMagic];
    SourceStamp stamp;
    uint32_t ndims = 0;
    if (std::fread(magic, 1, sizeof magic, f.get()) != sizeof magic || std::memcmp(magic, kMagic, sizeof magic) != 0
        || !readValue(f.get(), stamp.size) || !readValue(f.get(), stamp.mtimeNs) || stamp.size != source.size
        || stamp.mtimeNs != source.mtimeNs || !readValue(f.get(), ndims) || ndims == 0 || ndims > kIdxMaxDims)
        return std::nullopt;
    IdxArray array;
    array.dims.resize(ndims);
    uint64_t elements = 1;
    for (uint32_t& d : array.dims) {
        if (!readValue(f.get(), d))
            return std::nullopt;
        elements *= d; // at most 8 factors, each checked against the cap as it comes
        if (elements > kIdxMaxPayloadBytes)
            return std::nullopt;
    }
    uint64_t bytes = 0;
    uint32_t crc = 0;
    if (!readValue(f.get(), bytes) || !readValue(f.get(), crc) || bytes != elements)
        return std::nullopt;
    const uint64_t headerBytes = sizeof kMagic + 8 + 8 + 4 + 4 * uint64_t(ndims) + 8 + 4;
    if (uint64_t(st.st_size) != headerBytes + bytes)
        return std::nullopt;
    array.data.resize(size_t(bytes));
    if (bytes > 0 && std::fread(array.data.data(), 1, size_t(bytes), f.get()) != size_t(bytes))
        return std::nullopt;
    if (crc32Of(array.data.data(), bytes) != crc)
        return std::nullopt;
    return array;
}

// Writes the cache, without waiting for the disk (the CRC-32 catches what a crash spoils); a
// cache that cannot be written is no error.
void writeCache(const std::string& cachePath, const SourceStamp& source, const IdxArray& array)
{
    std::string header(kMagic, sizeof kMagic);
    appendValue(header, source.size);
    appendValue(header, source.mtimeNs);
    appendValue(header, uint32_t(array.dims.size()));
    for (uint32_t d : array.dims)
        appendValue(header, d);
    appendValue(header, uint64_t(array.data.size()));
    appendValue(header, crc32Of(array.data.data(), array.data.size()));
    std::error_code ec;
    fs::create_directories(fs::path(cachePath).parent_path(), ec);
    try {
        writeFileAtomically(cachePath, {{header.data(), header.size()}, {array.data.data(), array.data.size()}}, false);
    } catch (const Error&) {
        // Only a cache: the next open inflates the source again.
    }
}

} // namespace

std::string inflatedCacheDirectory()
{
    if (const char* env = std::getenv("LX_CACHE_DIR"))
        return env; // empty: no cache
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/')
        return std::string(xdg) + "/latent-explorer";
    if (const char* home = std::getenv("HOME"); home && *home == '/')
        return std::string(home) + "/.cache/latent-explorer";
    return {};
}

std::string inflatedCachePath(const std::string& sourcePath, const std::string& cacheDir)
{
    // The file's name, and a hash of its whole path: two datasets' train-images files differ.
    std::error_code ec;
    fs::path absolute = fs::absolute(sourcePath, ec);
    if (ec)
        absolute = sourcePath;
    uint64_t h = 1469598103934665603ull; // FNV-1a
    for (unsigned char c : absolute.string())
        h = (h ^ c) * 1099511628211ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return (fs::path(cacheDir) / (absolute.filename().string() + "-" + hex + ".inflated")).string();
}

IdxArray readIdxFileCached(const std::string& path, const std::string& cacheDir)
{
    const std::optional<SourceStamp> source = cacheDir.empty() ? std::nullopt : stampOf(path);
    if (!source || source->size < kInflateCacheMinBytes || !startsLikeGzip(path))
        return readIdxFile(path);
    const std::string cachePath = inflatedCachePath(path, cacheDir);
    if (std::optional<IdxArray> cached = readCache(cachePath, *source))
        return std::move(*cached);
    IdxArray array = readIdxFile(path);
    writeCache(cachePath, *source, array);
    return array;
}

} // namespace lx
