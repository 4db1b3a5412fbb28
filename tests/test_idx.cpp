#include "TestSupport.h"

#include "common/Error.h"
#include "data/Dataset.h"
#include "data/Idx.h"
#include "data/IdxCache.h"

#include <catch2/catch.hpp>

#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

using namespace lx;
using lx::test::TempDir;

namespace {

std::vector<uint8_t> idxBytes(uint8_t type, std::vector<uint32_t> dims, size_t payload)
{
    std::vector<uint8_t> b = {0, 0, type, uint8_t(dims.size())};
    for (uint32_t d : dims)
        for (int s = 24; s >= 0; s -= 8)
            b.push_back(uint8_t(d >> s));
    for (size_t i = 0; i < payload; ++i)
        b.push_back(uint8_t(i * 7));
    return b;
}

// The message of the lx::Error that reading `path` raises ("" if it does not raise).
std::string refusal(const std::string& path)
{
    try {
        (void)loadIdxDataset(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("an IDX images and labels pair round-trips raw and gzip-compressed", "[idx]")
{
    TempDir dir;
    const Dataset d = test::syntheticDataset(37);
    for (bool gzip : {false, true}) {
        const std::string images = test::writeDataset(d, dir.path().string(), gzip ? "gz" : "raw", gzip);
        const Dataset back = loadIdxDataset(images);
        CHECK(back.count == 37);
        CHECK(back.rows == 28);
        CHECK(back.cols == 28);
        CHECK(back.pixels == d.pixels);
        CHECK(back.labels == d.labels);
        CHECK(back.classCount() == 10);
    }
}

TEST_CASE("an images file without a labels file is unlabelled data", "[idx]")
{
    TempDir dir;
    const std::string path = dir.file("x-images-idx3-ubyte");
    writeIdxFile(path, IdxArray{{3, 4, 5}, std::vector<uint8_t>(60, 9)});
    const Dataset d = loadIdxDataset(path);
    CHECK(d.count == 3);
    CHECK_FALSE(d.hasLabels());
    CHECK(d.classCount() == 0);
}

TEST_CASE("every kind of bad IDX file is refused with its name and the problem", "[idx]")
{
    TempDir dir;
    const std::string path = dir.file("bad-images-idx3-ubyte");
    auto refusedWith = [&](const std::vector<uint8_t>& bytes, const std::string& problem) {
        test::writeBytes(path, bytes);
        const std::string message = refusal(path);
        INFO(message);
        CHECK(message.find(path) != std::string::npos);
        CHECK(message.find(problem) != std::string::npos);
    };

    SECTION("empty") { refusedWith({}, "too short"); }
    SECTION("wrong magic") { refusedWith({1, 2, 8, 3, 0, 0, 0, 0}, "wrong magic"); }
    SECTION("unsupported element type")
    {
        refusedWith(idxBytes(0x0D, {1, 2, 2}, 16), "0x0D (32-bit float) is not supported");
    }
    SECTION("unknown element type") { refusedWith(idxBytes(0x42, {1}, 1), "0x42 (unknown)"); }
    SECTION("no dimensions") { refusedWith(idxBytes(0x08, {}, 0), "0 dimensions"); }
    SECTION("truncated header")
    {
        auto b = idxBytes(0x08, {2, 28, 28}, 0);
        b.resize(10);
        refusedWith(b, "truncated header");
    }
    SECTION("truncated data") { refusedWith(idxBytes(0x08, {2, 28, 28}, 2 * 784 - 1), "truncated data"); }
    SECTION("trailing bytes") { refusedWith(idxBytes(0x08, {2, 28, 28}, 2 * 784 + 5), "5 bytes after"); }
    SECTION("absurd dimensions are refused before any allocation")
    {
        refusedWith(idxBytes(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, 16), "absurd size");
        refusedWith(idxBytes(0x08, {70000, 2000, 2000}, 16), "absurd size");
    }
    SECTION("wrong number of dimensions for images") { refusedWith(idxBytes(0x08, {4, 4}, 16), "3 dimensions"); }
    SECTION("zero-sized images") { refusedWith(idxBytes(0x08, {1, 0, 28}, 0), "not supported"); }
    SECTION("corrupt gzip")
    {
        std::vector<uint8_t> b = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3};
        refusedWith(b, "corrupt gzip");
    }
    SECTION("truncated gzip")
    {
        writeIdxFile(path, IdxArray{{50, 28, 28}, std::vector<uint8_t>(50 * 784, 3)}, true);
        auto b = test::readBytes(path);
        b.resize(b.size() / 2);
        refusedWith(b, "gzip");
    }
    SECTION("gzip whose header claims more than it holds")
    {
        const auto raw = idxBytes(0x08, {1000, 28, 28}, 784); // claims 1000 images, holds one
        const std::string lying = dir.file("lying-images-idx3-ubyte.gz");
        gzFile f = gzopen(lying.c_str(), "wb");
        REQUIRE(f != nullptr);
        gzwrite(f, raw.data(), unsigned(raw.size()));
        gzclose(f);
        refusedWith(test::readBytes(lying), "truncated data");
    }
    auto gzipped = [&](const std::vector<uint8_t>& raw) {
        const std::string file = dir.file("packed.gz");
        gzFile f = gzopen(file.c_str(), "wb9");
        REQUIRE(f != nullptr);
        gzwrite(f, raw.data(), unsigned(raw.size()));
        gzclose(f);
        return test::readBytes(file);
    };
    SECTION("a gzip bomb behind an absurd header is refused at its header, before its data is inflated")
    {
        // 10⁹ images claimed, then 8 MiB of zeros whose compressed form is damaged near its end:
        // checked header first, the refusal names the header, not the damage far behind it.
        auto raw = idxBytes(0x08, {1000000000, 28, 28}, 8 << 20);
        std::vector<uint8_t> b = gzipped(raw);
        b[b.size() - 40] ^= 0xFF;
        refusedWith(b, "absurd size");
    }
    SECTION("a header that declares more than its compressed bytes could hold is refused without allocating it")
    {
        // 1,000,000 images (784 MB, under the cap) claimed by a file of a hundred bytes.
        refusedWith(gzipped(idxBytes(0x08, {1000000, 28, 28}, 784)), "compressed bytes can hold");
    }
    SECTION("gzip data that runs on past the declared array")
    {
        refusedWith(gzipped(idxBytes(0x08, {2, 28, 28}, 2 * 784 + 9)), "9 bytes after");
    }
}

TEST_CASE("a labels file that does not fit its images is refused", "[idx]")
{
    TempDir dir;
    const Dataset d = test::syntheticDataset(10);
    const std::string images = test::writeDataset(d, dir.path().string(), "set");
    const std::string labels = dir.file("set-labels-idx1-ubyte");

    SECTION("wrong count")
    {
        writeIdxFile(labels, IdxArray{{9}, std::vector<uint8_t>(9, 1)});
        const std::string m = refusal(images);
        CHECK(m.find(labels) != std::string::npos);
        CHECK(m.find("9 labels for 10 images") != std::string::npos);
    }
    SECTION("wrong shape")
    {
        writeIdxFile(labels, IdxArray{{10, 1, 1}, std::vector<uint8_t>(10, 1)});
        CHECK(refusal(images).find("1 dimension") != std::string::npos);
    }
    SECTION("wrong type")
    {
        test::writeBytes(labels, idxBytes(0x0C, {10}, 40));
        CHECK(refusal(images).find("not supported") != std::string::npos);
    }
}

TEST_CASE("a missing file is refused with its name", "[idx]")
{
    const std::string m = refusal("/nonexistent/dir/x-images-idx3-ubyte");
    CHECK(m.find("/nonexistent/dir/x-images-idx3-ubyte") != std::string::npos);
    CHECK(m.find("cannot open") != std::string::npos);
}

TEST_CASE("the seeded split is deterministic, disjoint and complete", "[dataset]")
{
    std::vector<int64_t> train, val, train2, val2;
    seededSplit(10000, 8000, 1, train, val);
    seededSplit(10000, 8000, 1, train2, val2);
    CHECK(train == train2);
    CHECK(val == val2);
    REQUIRE(train.size() == 8000);
    REQUIRE(val.size() == 2000);
    std::vector<int> seen(10000, 0);
    for (auto i : train)
        ++seen[size_t(i)];
    for (auto i : val)
        ++seen[size_t(i)];
    CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
    CHECK(std::is_sorted(val.begin(), val.end()));
    // Not a prefix split: validation images come from all over the file.
    CHECK(val.front() < 100);
    CHECK(val.back() > 9900);
    std::vector<int64_t> other, otherVal;
    seededSplit(10000, 8000, 2, other, otherVal);
    CHECK(otherVal != val);
}

TEST_CASE("a folder with a train/t10k pair opens as training and validation", "[dataset]")
{
    TempDir dir;
    test::writeDataset(test::syntheticDataset(30), dir.path().string(), "train", true);
    test::writeDataset(test::syntheticDataset(12), dir.path().string(), "t10k", true);
    const DatasetSplits s = openDataset(dir.path().string());
    CHECK(s.train.count == 30);
    CHECK(s.validation.count == 12);
    CHECK(s.classNames.size() == 10);
}

TEST_CASE("a single images file is split 80/20 and keeps each image's index in the file", "[dataset]")
{
    TempDir dir;
    const Dataset d = test::syntheticDataset(50);
    const std::string images = test::writeDataset(d, dir.path().string(), "one");
    const DatasetSplits s = openDataset(images);
    CHECK(s.train.count == 40);
    CHECK(s.validation.count == 10);
    for (int64_t k = 0; k < s.validation.count; ++k) {
        const int64_t i = s.validation.sourceIndex[size_t(k)];
        CHECK(s.validation.labels[size_t(k)] == d.labels[size_t(i)]);
        CHECK(std::equal(s.validation.image(k), s.validation.image(k) + 784, d.image(i)));
    }
    // The same folder opens too, as it holds exactly one images file.
    CHECK(openDataset(dir.path().string()).train.count == 40);
}

TEST_CASE("an unknown dataset name is refused with the choices", "[dataset]")
{
    CHECK_THROWS_WITH(openDataset("no-such-dataset"), Catch::Contains("mnist, fashion"));
}

TEST_CASE("the named fashion dataset is Debian's 60,000 + 10,000 with its class names", "[dataset][installed]")
{
    // The set-up installs it (dataset-fashion-mnist): its absence is a failure, not a pass.
    DatasetSplits s;
    REQUIRE_NOTHROW(s = openDataset("fashion"));
    CHECK(s.train.count == 60000);
    CHECK(s.validation.count == 10000);
    CHECK(s.classNames.at(9) == "Ankle boot");
}

TEST_CASE("the named mnist dataset is 8,000 training and 2,000 validation digits", "[dataset][installed]")
{
    // The set-up converts it (scripts/setup.sh): its absence is a failure, not a pass.
    DatasetSplits s;
    REQUIRE_NOTHROW(s = openDataset("mnist"));
    CHECK(s.train.count == 8000);
    CHECK(s.validation.count == 2000);
    CHECK(s.train.classCount() == 10);
}

namespace {

// 1,500 images of seeded noise: incompressible, so their gzip'd file is over the cache's 1 MiB.
IdxArray noiseImages(uint64_t seed)
{
    IdxArray a;
    a.dims = {1500, 28, 28};
    a.data.resize(a.elementCount());
    std::mt19937_64 rng(seed);
    for (uint8_t& v : a.data)
        v = uint8_t(rng());
    return a;
}

std::vector<char> fileBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void putFileBytes(const std::string& path, const std::vector<char>& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
}

// A gzip'd file of noise images in a folder of its own, and where its cache goes.
struct GzipNoise {
    TempDir dir;
    std::string source, cache;
    IdxArray images;
    GzipNoise(const std::string& name, uint64_t seed)
        : source(dir.file(name)), cache(dir.file("cache")), images(noiseImages(seed))
    {
        writeIdxFile(source, images, true);
    }
};

} // namespace

TEST_CASE("a large gzip'd IDX file is inflated once, then read from its cache while the file is unchanged", "[idx]")
{
    namespace fs = std::filesystem;
    const GzipNoise g("train-images-idx3-ubyte.gz", 1);
    const std::string &source = g.source, &cache = g.cache;
    const IdxArray& images = g.images;
    REQUIRE(fs::file_size(source) >= kInflateCacheMinBytes);

    const std::string cached = inflatedCachePath(source, cache);
    CHECK_FALSE(fs::exists(cached));
    CHECK(readIdxFileCached(source, cache).data == images.data);
    REQUIRE(fs::exists(cached));
    CHECK(fs::file_size(cached) > images.data.size()); // inflated: the array and a header

    // Replace the source by garbage of its size and time: the array still comes, so from the cache.
    const fs::file_time_type when = fs::last_write_time(source);
    std::vector<char> garbage(size_t(fs::file_size(source)), char(0x55));
    garbage[0] = char(0x1f), garbage[1] = char(0x8b);
    putFileBytes(source, garbage);
    fs::last_write_time(source, when);
    CHECK_THROWS_AS(readIdxFile(source), Error);
    const IdxArray fromCache = readIdxFileCached(source, cache);
    CHECK(fromCache.dims == images.dims);
    CHECK(fromCache.data == images.data);

    // Touched since: the cache is stale, the source is read and its own error raised.
    fs::last_write_time(source, when + std::chrono::seconds(1));
    CHECK_THROWS_AS(readIdxFileCached(source, cache), Error);
}

TEST_CASE("a damaged, truncated or unwritable inflated cache is never believed and costs nothing", "[idx]")
{
    namespace fs = std::filesystem;
    const GzipNoise g("images.gz", 2);
    const std::string &source = g.source, &cache = g.cache;
    const IdxArray& images = g.images;
    const TempDir& dir = g.dir;
    const std::string cached = inflatedCachePath(source, cache);
    REQUIRE(readIdxFileCached(source, cache).data == images.data);
    const std::vector<char> good = fileBytes(cached);
    REQUIRE(good.size() > images.data.size());

    SECTION("one byte of the array flipped: the source is read and the cache written again")
    {
        std::vector<char> bad = good;
        bad[bad.size() - 1000] ^= 0x40;
        putFileBytes(cached, bad);
        CHECK(readIdxFileCached(source, cache).data == images.data);
        CHECK(fileBytes(cached) == good);
    }
    SECTION("cut short, or only its header")
    {
        for (size_t keep : {good.size() - 1, size_t(40), size_t(3), size_t(0)}) {
            putFileBytes(cached, std::vector<char>(good.begin(), good.begin() + std::ptrdiff_t(keep)));
            CHECK(readIdxFileCached(source, cache).data == images.data);
            CHECK(fileBytes(cached) == good);
        }
    }
    SECTION("a header that claims another array")
    {
        std::vector<char> bad = good;
        bad[8 + 8 + 8 + 4] ^= 0x01; // the first dimension: 1,500 → 1,501
        putFileBytes(cached, bad);
        CHECK(readIdxFileCached(source, cache).data == images.data);
        CHECK(fileBytes(cached) == good);
    }
    SECTION("a cache folder that cannot be made (a file has its name)")
    {
        const std::string blocked = dir.file("blocked");
        putFileBytes(blocked, {'x'});
        CHECK(readIdxFileCached(source, blocked).data == images.data);
        CHECK(fs::is_regular_file(blocked));
    }
    SECTION("no cache folder: the source alone")
    {
        CHECK(readIdxFileCached(source, "").data == images.data);
    }
}

TEST_CASE("a small gzip'd file (the labels) is not cached; LX_CACHE_DIR names the folder, empty turns it off", "[idx]")
{
    namespace fs = std::filesystem;
    TempDir dir;
    const Dataset d = test::syntheticDataset(37);
    const std::string images = test::writeDataset(d, dir.path().string(), "small", true);
    const std::string cache = dir.file("cache");
    CHECK(readIdxFileCached(images, cache).data == d.pixels);
    CHECK_FALSE(fs::exists(cache));

    const char* before = std::getenv("LX_CACHE_DIR");
    const std::string saved = before ? before : "";
    ::setenv("LX_CACHE_DIR", cache.c_str(), 1);
    CHECK(inflatedCacheDirectory() == cache);
    ::setenv("LX_CACHE_DIR", "", 1);
    CHECK(inflatedCacheDirectory().empty());
    if (before)
        ::setenv("LX_CACHE_DIR", saved.c_str(), 1);
    else
        ::unsetenv("LX_CACHE_DIR");
}
