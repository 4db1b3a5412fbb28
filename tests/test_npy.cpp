// NumPy arrays as datasets: files NumPy itself wrote (tests/data/make_numpy.py), and every
// kind of bad one made from them here.
#include "TestSupport.h"

#include "common/Error.h"
#include "data/Dataset.h"
#include "data/Npy.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>

using namespace lx;

namespace {

std::string dataFile(const std::string& name)
{
    return std::string(LX_TEST_DATA) + "/" + name;
}

// Pixel (r, c) of image i in the files make_numpy.py writes.
uint8_t pattern(int64_t i, int r, int c)
{
    return uint8_t((i * 7 + r * 3 + c) % 256);
}

std::string refusal(const std::string& path)
{
    try {
        openDataset(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "(opened)";
}

// `bytes` written to `path` are refused as a dataset, with the path and `problem` in one line.
void refusedAs(const std::string& path, const std::vector<uint8_t>& bytes, const std::string& problem)
{
    test::writeBytes(path, bytes);
    const std::string m = refusal(path);
    INFO(m);
    CHECK(m.find(path) != std::string::npos);
    CHECK(m.find(problem) != std::string::npos);
}

// The file's bytes with its .npy header's dict text changed from `from` to `to` (the header
// keeps its length, padded with spaces as NumPy pads it).
std::vector<uint8_t> editedHeader(std::vector<uint8_t> bytes, const std::string& from, const std::string& to)
{
    const size_t dictLength = size_t(bytes[8]) | size_t(bytes[9]) << 8;
    std::string dict(bytes.begin() + 10, bytes.begin() + 10 + long(dictLength));
    const size_t at = dict.find(from);
    REQUIRE(at != std::string::npos);
    dict.replace(at, from.size(), to);
    const size_t end = dict.find('}');
    dict = dict.substr(0, end + 1);
    REQUIRE(dict.size() < dictLength);
    dict += std::string(dictLength - 1 - dict.size(), ' ') + "\n";
    std::copy(dict.begin(), dict.end(), bytes.begin() + 10);
    return bytes;
}

// A .npy file's bytes: NumPy's header (padded to 64 bytes, as it writes it) and the data.
std::vector<uint8_t> npyBytes(const std::string& descr, const std::string& shape, const void* data, size_t size)
{
    std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    while ((10 + dict.size() + 1) % 64 != 0)
        dict += ' ';
    dict += '\n';
    const uint8_t prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(dict.size() & 0xff), uint8_t(dict.size() >> 8)};
    std::vector<uint8_t> bytes(sizeof prefix + dict.size() + size);
    std::memcpy(bytes.data(), prefix, sizeof prefix);
    std::memcpy(bytes.data() + sizeof prefix, dict.data(), dict.size());
    std::memcpy(bytes.data() + sizeof prefix + dict.size(), data, size);
    return bytes;
}

} // namespace

TEST_CASE("Keras's mnist.npz layout opens as its training and test parts, deflated as NumPy writes it", "[dataset][npy]")
{
    const DatasetSplits s = openDataset(dataFile("keras_like.npz"));
    CHECK(s.train.count == 30);
    CHECK(s.validation.count == 10);
    CHECK(s.train.rows == 28);
    CHECK(s.train.cols == 28);
    CHECK(s.train.image(17)[3 * 28 + 5] == pattern(17, 3, 5));
    CHECK(s.validation.image(9)[27 * 28 + 27] == pattern(9, 27, 27));
    CHECK(s.train.labels[17] == 7);
    CHECK(s.validation.labels[9] == 9); // int64 labels
    CHECK(s.classNames.size() == 10);
}

TEST_CASE("float images from 0 to 1 (N x 784, stored entries) and a .npy with its labels beside it are split 80/20",
          "[dataset][npy]")
{
    const DatasetSplits xy = openDataset(dataFile("stored_xy.npz"));
    CHECK(xy.totalCount() == 25);
    CHECK(xy.train.count == 20);
    CHECK(xy.train.rows == 28);
    const int64_t i = xy.train.sourceIndex[4];
    CHECK(xy.train.image(4)[10 * 28 + 11] == pattern(i, 10, 11));
    CHECK(xy.train.labels[4] == i % 5);

    const DatasetSplits npy = openDataset(dataFile("digits_images.npy"));
    CHECK(npy.totalCount() == 12);
    const int64_t j = npy.validation.sourceIndex[1];
    CHECK(npy.validation.image(1)[0] == pattern(j, 0, 0));
    REQUIRE(npy.validation.hasLabels()); // digits_labels.npy, found by its name
    CHECK(npy.validation.labels[1] == j % 3);
}

TEST_CASE("every kind of bad NumPy file is refused with its name and the problem, before any large allocation",
          "[dataset][npy]")
{
    test::TempDir dir;
    const std::vector<uint8_t> good = test::readBytes(dataFile("digits_images.npy"));
    const std::string path = dir.file("bad_images.npy");
    const auto refusedWith = [&](const std::vector<uint8_t>& bytes, const std::string& problem) {
        refusedAs(path, bytes, problem);
    };
    refusedWith({'P', 'K', 3, 4}, "not a NumPy .npy array");
    refusedWith(std::vector<uint8_t>(good.begin(), good.begin() + 9), "not a NumPy .npy array");
    refusedWith(std::vector<uint8_t>(good.begin(), good.end() - 100), "truncated");
    refusedWith(editedHeader(good, "(12, 28, 28)", "(99999, 99999, 99)"), "more than 2 GB");
    refusedWith(editedHeader(good, "(12, 28, 28)", "(13, 28, 28)"), "truncated");
    refusedWith(editedHeader(good, "'<f8'", "'>f8'"), "big-endian");
    refusedWith(editedHeader(good, "'<f8'", "'<U8'"), "type '<U8'");
    refusedWith(editedHeader(good, "False", "True "), "Fortran order");
    refusedWith(editedHeader(good, "(12, 28, 28)", "(12, 28, x)"), "shape");
    refusedWith(editedHeader(good, "(12, 28, 28)", "(16, 588)"), "not square");
    // A float image value outside [0, 1].
    std::vector<uint8_t> loud = good;
    const double two = 2.0;
    std::memcpy(loud.data() + loud.size() - 8, &two, 8);
    refusedWith(loud, "float images are in [0, 1]");
    // Labels beside the images that do not fit them.
    test::writeBytes(dir.file("set_images.npy"), good);
    std::vector<int64_t> labels(12, 1);
    labels[5] = 300;
    test::writeBytes(dir.file("set_labels.npy"), npyBytes("<i8", "(12,)", labels.data(), labels.size() * 8));
    CHECK(refusal(dir.file("set_images.npy")).find("label 300 (image 5)") != std::string::npos);
    test::writeBytes(dir.file("set_labels.npy"), npyBytes("<i8", "(11,)", labels.data(), 11 * 8));
    CHECK(refusal(dir.file("set_images.npy")).find("11 labels for 12 images") != std::string::npos);
    test::writeBytes(dir.file("set_labels.npy"), npyBytes("<f4", "(12,)", labels.data(), 48));
    CHECK(refusal(dir.file("set_images.npy")).find("labels are integers") != std::string::npos);
}

TEST_CASE("a damaged .npz is refused: a flipped byte, an entry whose size disagrees with its header", "[dataset][npy]")
{
    test::TempDir dir;
    const std::vector<uint8_t> good = test::readBytes(dataFile("keras_like.npz"));
    const std::string path = dir.file("bad.npz");
    const auto refusedWith = [&](const std::vector<uint8_t>& bytes, const std::string& problem) {
        refusedAs(path, bytes, problem);
    };
    // A byte in the middle of the first entry's deflated data.
    std::vector<uint8_t> flipped = good;
    flipped[200] ^= 0x10;
    test::writeBytes(path, flipped);
    CHECK(refusal(path).find("damaged") != std::string::npos);
    // The central directory's uncompressed size of each entry made huge.
    std::vector<uint8_t> inflated = good;
    int edited = 0;
    for (size_t at = 0; at + 46 < inflated.size(); ++at)
        if (std::memcmp(inflated.data() + at, "PK\x01\x02", 4) == 0) {
            inflated[at + 24] = 0xff;
            inflated[at + 25] = 0xff;
            inflated[at + 26] = 0xff;
            inflated[at + 27] = 0x7f;
            ++edited;
        }
    REQUIRE(edited == 4);
    refusedWith(inflated, "does not inflate to its size");
    // A header that describes more data than its (stored) entry holds.
    std::vector<uint8_t> stored = test::readBytes(dataFile("stored_xy.npz"));
    const std::string shape = "(25, 784)";
    const auto at = std::search(stored.begin(), stored.end(), shape.begin(), shape.end());
    REQUIRE(at != stored.end());
    *(at + 2) = '6';
    refusedWith(stored, "describes 81536 bytes of data but the entry holds 78400");
    refusedWith({'P', 'K', 5, 6}, "damaged zip archive");
    refusedWith(std::vector<uint8_t>(good.begin(), good.begin() + long(good.size() / 2)), "damaged zip archive");
}
