#include "TestSupport.h"

#include "io/Checkpoint.h"
#include "train/TrainingRun.h"

#include <algorithm>

#include <fstream>
#include <random>

namespace lx::test {

TempDir::TempDir()
{
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("lx-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

Dataset syntheticDataset(int64_t count, uint64_t seed, int side)
{
    Dataset d;
    d.count = count;
    d.rows = d.cols = side;
    d.pixels.assign(size_t(count * side * side), 0);
    d.labels.resize(size_t(count));
    d.sourceIndex.resize(size_t(count));
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> noise(0, 40), jitter(-1, 1);
    const int block = side / 4;
    for (int64_t i = 0; i < count; ++i) {
        const int label = int(i % 10);
        d.labels[size_t(i)] = uint8_t(label);
        d.sourceIndex[size_t(i)] = i;
        uint8_t* img = d.pixels.data() + i * side * side;
        for (int p = 0; p < side * side; ++p)
            img[p] = uint8_t(noise(rng));
        const int top = 2 + (label / 4) * (block + 1) + jitter(rng);
        const int left = 2 + (label % 4) * (block + 1) + jitter(rng);
        for (int y = std::max(0, top); y < std::min(side, top + block); ++y)
            for (int x = std::max(0, left); x < std::min(side, left + block); ++x)
                img[y * side + x] = 255;
    }
    return d;
}

std::string writeDataset(const Dataset& d, const std::string& dir, const std::string& stem, bool gzip)
{
    const std::string ext = gzip ? ".gz" : "";
    const std::string images = dir + "/" + stem + "-images-idx3-ubyte" + ext;
    writeIdxFile(images, IdxArray{{uint32_t(d.count), uint32_t(d.rows), uint32_t(d.cols)}, d.pixels}, gzip);
    if (d.hasLabels())
        writeIdxFile(dir + "/" + stem + "-labels-idx1-ubyte" + ext, IdxArray{{uint32_t(d.count)}, d.labels}, gzip);
    return images;
}

DatasetSplits syntheticSplits(int64_t train, int64_t validation)
{
    DatasetSplits s;
    s.name = "synthetic";
    s.train = syntheticDataset(train, 1);
    s.validation = syntheticDataset(validation, 2);
    s.classNames = digitClassNames();
    return s;
}

std::vector<uint8_t> readBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string& path, const std::vector<uint8_t>& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

std::vector<std::string> writeBadModelFiles(const std::string& dir, const std::string& testData)
{
    namespace fs = std::filesystem;
    const fs::path d(dir);
    std::vector<std::string> files;
    const auto add = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
        writeBytes((d / name).string(), bytes);
        files.push_back((d / name).string());
    };
    // A good checkpoint to spoil (a fresh model: its file is as any other).
    TrainingRun run = TrainingRun::create(presetSpec("mlp", 2), 1e-3, 0);
    run.dataset = "mnist";
    const std::string goodPath = (d / "good.tmp").string();
    saveCheckpoint(run, goodPath);
    const std::vector<uint8_t> good = readBytes(goodPath);
    fs::remove(goodPath);

    add("truncated.ckpt", std::vector<uint8_t>(good.begin(), good.begin() + long(good.size() / 3)));
    std::vector<uint8_t> flipped = good;
    flipped[flipped.size() - 100] ^= 0x55; // in the weights
    add("flipped.ckpt", flipped);
    std::string text(good.begin(), good.end());
    const size_t relu = text.find("\"relu\"");
    if (relu == std::string::npos)
        throw std::runtime_error("the checkpoint's header names no relu activation to edit");
    text.replace(relu, 6, "\"silu\""); // changes every decode; only the header's checksum tells
    add("header_edited.ckpt", std::vector<uint8_t>(text.begin(), text.end()));
    add("empty.ckpt", {});
    add("text.ckpt", {'h', 'e', 'l', 'l', 'o', '\n'});
    fs::create_directory(d / "folder.ckpt");
    files.push_back((d / "folder.ckpt").string());
    fs::create_symlink("loop.ckpt", d / "loop.ckpt");
    files.push_back((d / "loop.ckpt").string());
    fs::create_symlink("nowhere.ckpt", d / "dangling.ckpt");
    files.push_back((d / "dangling.ckpt").string());

    std::vector<uint8_t> damaged = readBytes(testData + "/tiny_ae.pt");
    damaged[damaged.size() / 2] ^= 0x55; // inside the weights' entry
    add("damaged.pt", damaged);
    for (const char* name : {"nan_decode.pt", "nan_encode.pt", "raises.pt", "wrong_shape.pt", "no_decode.pt",
                             "never_opens.pt"})
        add(name, readBytes(testData + "/" + name));
    return files;
}

} // namespace lx::test
