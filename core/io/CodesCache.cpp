#include "io/CodesCache.h"

#include "io/Crc32.h"

#include "common/Error.h"
#include "io/AtomicFile.h"


#include <cstring>
#include <fstream>
#include <iterator>

namespace lx {
namespace {

// Version 2 adds a VAE's log σ² (version 1 files are ignored: the codes are computed again).
constexpr char kMagic[8] = {'L', 'X', 'C', 'O', 'D', 'E', 'S', '2'};

template <typename T>
void put(std::string& out, T value)
{
    out.append(reinterpret_cast<const char*>(&value), sizeof value); // little-endian hosts only (x86, arm)
}

template <typename T>
bool get(const std::string& in, size_t& at, T& value)
{
    if (in.size() - at < sizeof value)
        return false;
    std::memcpy(&value, in.data() + at, sizeof value);
    at += sizeof value;
    return true;
}


} // namespace

std::string codesCachePath(const std::string& checkpointPath)
{
    return checkpointPath + ".codes";
}

void writeCodesCache(const std::string& path, const CodesCache& c)
{
    const size_t values = size_t(c.trainCount + c.validationCount) * size_t(c.dim);
    if (c.dim <= 0 || c.codes.size() != values || c.logVar.size() != (c.withLogVar ? values : 0))
        throw Error("codes cache: the codes do not match their counts");
    std::string out(kMagic, sizeof kMagic);
    put(out, c.checkpointCrc);
    put(out, uint32_t(c.dataset.size()));
    out += c.dataset;
    put(out, c.trainCount);
    put(out, c.validationCount);
    put(out, int32_t(c.dim));
    put(out, int32_t(c.withLogVar));
    out.append(reinterpret_cast<const char*>(c.codes.data()), c.codes.size() * sizeof(float));
    out.append(reinterpret_cast<const char*>(c.logVar.data()), c.logVar.size() * sizeof(float));
    put(out, crc32Of(out.data(), out.size()));
    writeFileAtomically(path, out.data(), out.size());
}

std::optional<CodesCache> readCodesCache(const std::string& path, const CodesCache& expected)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return std::nullopt;
    // Read no more than the expected file can hold: a huge or foreign file is not loaded.
    const size_t values = size_t(expected.trainCount + expected.validationCount) * size_t(expected.dim);
    const size_t expectedSize = sizeof kMagic + 4 + 4 + expected.dataset.size() + 8 + 8 + 4 + 4
                                + values * 4 * (expected.withLogVar ? 2 : 1) + 4;
    std::string in(expectedSize + 1, '\0');
    file.read(in.data(), std::streamsize(in.size()));
    in.resize(size_t(file.gcount()));
    if (in.size() != expectedSize || std::memcmp(in.data(), kMagic, sizeof kMagic) != 0)
        return std::nullopt;
    uint32_t storedCrc = 0;
    std::memcpy(&storedCrc, in.data() + in.size() - 4, 4);
    if (storedCrc != crc32Of(in.data(), in.size() - 4))
        return std::nullopt;
    CodesCache c;
    size_t at = sizeof kMagic;
    uint32_t nameLength = 0;
    int32_t dim = 0, withLogVar = 0;
    if (!get(in, at, c.checkpointCrc) || !get(in, at, nameLength) || nameLength != expected.dataset.size())
        return std::nullopt;
    c.dataset = in.substr(at, nameLength);
    at += nameLength;
    if (!get(in, at, c.trainCount) || !get(in, at, c.validationCount) || !get(in, at, dim) || !get(in, at, withLogVar))
        return std::nullopt;
    c.dim = dim;
    c.withLogVar = withLogVar != 0;
    if (c.checkpointCrc != expected.checkpointCrc || c.dataset != expected.dataset || c.trainCount != expected.trainCount
        || c.validationCount != expected.validationCount || c.dim != expected.dim || c.withLogVar != expected.withLogVar)
        return std::nullopt;
    c.codes.resize(values);
    std::memcpy(c.codes.data(), in.data() + at, values * sizeof(float));
    if (c.withLogVar) {
        c.logVar.resize(values);
        std::memcpy(c.logVar.data(), in.data() + at + values * sizeof(float), values * sizeof(float));
    }
    return c;
}

} // namespace lx
