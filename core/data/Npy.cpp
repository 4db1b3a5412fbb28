#include "data/Npy.h"

#include "common/Error.h"
#include "data/Idx.h"
#include "io/ZipArchive.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

namespace lx {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

// The value of `key` in the header's dict text ("{'descr': '<f4', 'fortran_order': False,
// 'shape': (60000, 28, 28), }"), up to the next top-level comma or closing brace.
std::string field(const std::string& dict, const std::string& key, const std::string& what)
{
    size_t at = dict.find("'" + key + "'");
    if (at == std::string::npos)
        at = dict.find("\"" + key + "\"");
    if (at == std::string::npos)
        throw Error(what + ": a damaged .npy header (no '" + key + "')");
    at = dict.find(':', at);
    if (at == std::string::npos)
        throw Error(what + ": a damaged .npy header ('" + key + "' has no value)");
    ++at;
    int depth = 0;
    size_t end = at;
    for (; end < dict.size(); ++end) {
        const char c = dict[end];
        if (c == '(' || c == '[')
            ++depth;
        else if (c == ')' || c == ']')
            --depth;
        else if ((c == ',' || c == '}') && depth == 0)
            break;
    }
    std::string value = dict.substr(at, end - at);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    return value;
}

} // namespace

int64_t NpyArray::elementCount() const
{
    int64_t n = 1;
    for (const int64_t d : shape)
        n *= d;
    return n;
}

NpyArray parseNpyHeader(const uint8_t* bytes, size_t size, size_t& headerLength, const std::string& what)
{
    if (size < 10 || std::memcmp(bytes, kMagic, 6) != 0)
        throw Error(what + ": not a NumPy .npy array (its first bytes are not \\x93NUMPY)");
    const int major = bytes[6];
    size_t dictLength = 0, dictAt = 0;
    if (major == 1) {
        dictLength = size_t(bytes[8]) | size_t(bytes[9]) << 8;
        dictAt = 10;
    } else if (major == 2 || major == 3) {
        if (size < 12)
            throw Error(what + ": a truncated .npy header");
        dictLength = size_t(bytes[8]) | size_t(bytes[9]) << 8 | size_t(bytes[10]) << 16 | size_t(bytes[11]) << 24;
        dictAt = 12;
    } else {
        throw Error(what + ": .npy format version " + std::to_string(major) + " (versions 1 to 3 are read)");
    }
    if (dictLength > 65536 || dictAt + dictLength > size)
        throw Error(what + ": a truncated or damaged .npy header (" + std::to_string(dictLength) + " bytes claimed)");
    const std::string dict(reinterpret_cast<const char*>(bytes + dictAt), dictLength);
    headerLength = dictAt + dictLength;

    NpyArray a;
    std::string descr = field(dict, "descr", what);
    if (descr.size() < 2 || (descr.front() != '\'' && descr.front() != '"'))
        throw Error(what + ": a .npy array of a structured type (" + descr + "); images are a plain array");
    descr = descr.substr(1, descr.size() - 2);
    if (descr.size() < 3 || (descr[0] != '<' && descr[0] != '|' && descr[0] != '=') || !std::strchr("uifb", descr[1]))
        throw Error(what + ": a .npy array of type '" + descr + "'" + (descr[0] == '>' ? " (big-endian)" : "")
                    + "; images are uint8 or float, labels an integer type");
    a.kind = descr[1];
    a.itemSize = std::atoi(descr.c_str() + 2);
    const bool known = (a.kind == 'f' && (a.itemSize == 4 || a.itemSize == 8))
                       || ((a.kind == 'u' || a.kind == 'i') && (a.itemSize == 1 || a.itemSize == 2 || a.itemSize == 4 || a.itemSize == 8))
                       || (a.kind == 'b' && a.itemSize == 1);
    if (!known)
        throw Error(what + ": a .npy array of type '" + descr + "', which is not read");
    if (field(dict, "fortran_order", what) != "False")
        throw Error(what + ": a .npy array in Fortran order; save it in C order (numpy.ascontiguousarray)");
    const std::string shape = field(dict, "shape", what);
    if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')')
        throw Error(what + ": a damaged .npy header (shape " + shape + ")");
    size_t at = 1;
    const double limit = double(kIdxMaxPayloadBytes);
    double bytesTotal = a.itemSize;
    while (at < shape.size() - 1) {
        while (at < shape.size() - 1 && (shape[at] == ' ' || shape[at] == ','))
            ++at;
        if (at >= shape.size() - 1)
            break;
        size_t end = at;
        while (end < shape.size() - 1 && std::isdigit(static_cast<unsigned char>(shape[end])))
            ++end;
        if (end == at || end - at > 12)
            throw Error(what + ": a damaged .npy header (shape " + shape + ")");
        const int64_t d = std::stoll(shape.substr(at, end - at));
        a.shape.push_back(d);
        bytesTotal *= double(d);
        if (bytesTotal > limit)
            throw Error(what + ": a .npy array of shape " + shape + " would take more than 2 GB");
        at = end;
    }
    if (a.shape.empty() || a.shape.size() > 4)
        throw Error(what + ": a .npy array of shape " + shape + "; images are N×rows×cols or N×pixels");
    return a;
}

NpyArray parseNpy(const uint8_t* bytes, size_t size, const std::string& what)
{
    size_t header = 0;
    NpyArray a = parseNpyHeader(bytes, size, header, what);
    const uint64_t need = uint64_t(a.elementCount()) * uint64_t(a.itemSize);
    if (size - header != need)
        throw Error(what + ": the .npy header describes " + std::to_string(need) + " bytes of data but "
                    + std::to_string(size - header) + " follow (" + (size - header < need ? "truncated" : "extra bytes") + ")");
    a.data.assign(bytes + header, bytes + size);
    return a;
}

NpyArray readNpyFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        throw Error(path + ": cannot open this file");
    const std::streamoff fileSize = in.tellg();
    in.seekg(0);
    std::vector<uint8_t> head(size_t(std::min<std::streamoff>(fileSize, 65536 + 12)));
    in.read(reinterpret_cast<char*>(head.data()), std::streamsize(head.size()));
    size_t header = 0;
    NpyArray a = parseNpyHeader(head.data(), head.size(), header, path);
    const uint64_t need = uint64_t(a.elementCount()) * uint64_t(a.itemSize);
    if (uint64_t(fileSize) - header != need)
        throw Error(path + ": the .npy header describes " + std::to_string(need) + " bytes of data but the file holds "
                    + std::to_string(uint64_t(fileSize) - header) + " (" + (uint64_t(fileSize) - header < need ? "truncated" : "extra bytes") + ")");
    a.data.resize(size_t(need));
    in.seekg(std::streamoff(header));
    in.read(reinterpret_cast<char*>(a.data.data()), std::streamsize(need));
    if (!in)
        throw Error(path + ": could not read the array's data");
    return a;
}

std::map<std::string, NpyArray> readNpzFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot open this file");
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::map<std::string, NpyArray> arrays;
    for (const ZipEntry& e : readZipDirectory(bytes, path)) {
        if (e.name.size() < 5 || e.name.compare(e.name.size() - 4, 4, ".npy") != 0)
            continue;
        const std::string what = path + " (" + e.name + ")";
        // The header first: the data it describes must be what the entry declares, and no
        // more than deflate can give from the bytes there are, before anything is inflated.
        const std::string head = readZipEntry(bytes, e, what, 65536 + 12);
        size_t header = 0;
        NpyArray a = parseNpyHeader(reinterpret_cast<const uint8_t*>(head.data()), head.size(), header, what);
        const uint64_t need = uint64_t(a.elementCount()) * uint64_t(a.itemSize);
        if (e.size != header + need)
            throw Error(what + ": the .npy header describes " + std::to_string(need) + " bytes of data but the entry holds "
                        + std::to_string(e.size - std::min<uint64_t>(e.size, header)));
        if (e.method == 8 && e.size > e.compressedSize * 1032 + 1024)
            throw Error(what + ": claims " + std::to_string(e.size) + " bytes from " + std::to_string(e.compressedSize)
                        + " compressed, more than deflate can give (a damaged or hostile file)");
        const std::string whole = readZipEntry(bytes, e, what);
        a.data.assign(whole.begin() + long(header), whole.end());
        arrays[e.name.substr(0, e.name.size() - 4)] = std::move(a);
    }
    if (arrays.empty())
        throw Error(path + ": no .npy arrays in this .npz");
    return arrays;
}

Dataset datasetFromArrays(const NpyArray& images, const NpyArray* labels, const std::string& what)
{
    Dataset d;
    if (images.shape.size() == 3) {
        d.rows = int(images.shape[1]);
        d.cols = int(images.shape[2]);
    } else if (images.shape.size() == 2) {
        const auto side = int(std::lround(std::sqrt(double(images.shape[1]))));
        if (int64_t(side) * side != images.shape[1])
            throw Error(what + ": images of " + std::to_string(images.shape[1]) + " pixels are not square; give them as N×rows×cols");
        d.rows = d.cols = side;
    } else {
        throw Error(what + ": images are N×rows×cols or N×pixels, not an array of " + std::to_string(images.shape.size()) + " dimensions");
    }
    if (d.rows < 1 || d.cols < 1 || d.rows > 1024 || d.cols > 1024)
        throw Error(what + ": images of " + std::to_string(d.rows) + "x" + std::to_string(d.cols) + " pixels");
    d.count = images.shape[0];
    const int64_t n = images.elementCount();
    d.pixels.resize(size_t(n));
    if (images.kind == 'u' && images.itemSize == 1) {
        std::copy(images.data.begin(), images.data.end(), d.pixels.begin());
    } else if (images.kind == 'f') {
        for (int64_t i = 0; i < n; ++i) {
            double v;
            if (images.itemSize == 4) {
                float f;
                std::memcpy(&f, images.data.data() + i * 4, 4);
                v = f;
            } else {
                std::memcpy(&v, images.data.data() + i * 8, 8);
            }
            if (!(v >= 0.0 && v <= 1.0))
                throw Error(what + ": a float image value of " + std::to_string(v) + " (image " + std::to_string(i / (int64_t(d.rows) * d.cols))
                            + "); float images are in [0, 1] (or save them as uint8)");
            d.pixels[size_t(i)] = uint8_t(std::lround(v * 255.0));
        }
    } else {
        throw Error(what + ": images of type " + std::string(1, images.kind) + std::to_string(images.itemSize * 8)
                    + "; images are uint8 (0-255) or float (0-1)");
    }
    d.sourceIndex.resize(size_t(d.count));
    for (int64_t i = 0; i < d.count; ++i)
        d.sourceIndex[size_t(i)] = i;
    if (!labels)
        return d;
    if (labels->shape.size() != 1 || labels->shape[0] != d.count)
        throw Error(what + ": " + std::to_string(labels->elementCount()) + " labels for " + std::to_string(d.count) + " images");
    if (labels->kind != 'u' && labels->kind != 'i')
        throw Error(what + ": labels are integers (this array is of type " + std::string(1, labels->kind) + ")");
    d.labels.resize(size_t(d.count));
    for (int64_t i = 0; i < d.count; ++i) {
        int64_t v = 0;
        const uint8_t* p = labels->data.data() + i * labels->itemSize;
        if (labels->kind == 'u') {
            uint64_t u = 0;
            std::memcpy(&u, p, size_t(labels->itemSize)); // little-endian on this machine
            v = u > 255 ? 256 : int64_t(u);
        } else if (labels->itemSize == 1) {
            v = int8_t(*p);
        } else if (labels->itemSize == 2) {
            int16_t x;
            std::memcpy(&x, p, 2);
            v = x;
        } else if (labels->itemSize == 4) {
            int32_t x;
            std::memcpy(&x, p, 4);
            v = x;
        } else {
            std::memcpy(&v, p, 8);
        }
        if (v < 0 || v > 255)
            throw Error(what + ": label " + std::to_string(v) + " (image " + std::to_string(i) + "); labels run from 0 to 255");
        d.labels[size_t(i)] = uint8_t(v);
    }
    return d;
}

} // namespace lx
