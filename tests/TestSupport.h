#pragma once

#include "data/Dataset.h"
#include "data/Idx.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lx::test {

// A fresh folder under the system's temp dir, removed with everything in it at scope exit.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string file(const std::string& name) const { return (path_ / name).string(); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// `count` 28×28 images of ten easily told apart shapes (a bright block whose position
// depends on the label, plus seeded noise), labelled 0..9 in turn.
Dataset syntheticDataset(int64_t count, uint64_t seed = 1, int side = 28);

// Writes a dataset as an images/labels IDX pair named <stem>-images-idx3-ubyte etc.
// Returns the images file's path.
std::string writeDataset(const Dataset& d, const std::string& dir, const std::string& stem, bool gzip = false);

// A DatasetSplits made directly (no files): `train` and `validation` images.
DatasetSplits syntheticSplits(int64_t train, int64_t validation);

// Every kind of bad model file met so far, made afresh in `dir` (one each): a truncated, a
// bit-flipped and a header-edited checkpoint, empty and text files, a folder, a symlink loop
// and a dangling link, a TorchScript archive with a damaged entry, and the hostile TorchScript
// modules in `testData` (NaN out, raising, wrong shape, missing method, never answering).
// Returns their paths. Each must be refused with one line naming it, by every command and by
// the window, changing no file.
std::vector<std::string> writeBadModelFiles(const std::string& dir, const std::string& testData);

std::vector<uint8_t> readBytes(const std::string& path);
void writeBytes(const std::string& path, const std::vector<uint8_t>& bytes);

} // namespace lx::test
