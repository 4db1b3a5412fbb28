#include "data/Dataset.h"

#include "common/BuildConfig.h"
#include "common/Error.h"
#include "data/Idx.h"
#include "data/IdxCache.h"
#include "data/Npy.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>

namespace fs = std::filesystem;

namespace lx {
namespace {

constexpr uint64_t kSplitSeed = 1;
constexpr int kMaxSide = 1024;
const char* const kFashionDir = "/usr/share/datasets/fashion-mnist";

uint64_t splitmix64(uint64_t x)
{
    uint64_t z = x + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}



bool isImagesFile(const fs::path& p)
{
    const std::string name = p.filename().string();
    std::error_code ec; // a symlink loop or a dangling link is not an images file, not an error
    return name.find("images-idx3-ubyte") != std::string::npos && fs::is_regular_file(p, ec);
}

// The first existing of `stem` and `stem.gz` in `dir`, or "" if neither is there.
std::string findIdx(const fs::path& dir, const std::string& stem)
{
    std::error_code ec;
    for (const std::string& name : {stem, stem + ".gz"})
        if (fs::is_regular_file(dir / name, ec))
            return (dir / name).string();
    return {};
}

// The labels file of an images file: the same name with "images-idx3" replaced by
// "labels-idx1", raw or gzip (either may pair with either). "" when there is none.
std::string existingLabelsFile(const std::string& imagesPath)
{
    const std::string from = "images-idx3", to = "labels-idx1";
    std::string file = fs::path(imagesPath).filename().string();
    const size_t at = file.rfind(from);
    if (at == std::string::npos)
        return {};
    file.replace(at, from.size(), to);
    if (file.size() > 3 && file.compare(file.size() - 3, 3, ".gz") == 0)
        file.resize(file.size() - 3);
    return findIdx(fs::path(imagesPath).parent_path(), file);
}

std::vector<std::string> numberedClassNames(int count)
{
    std::vector<std::string> names;
    for (int i = 0; i < count; ++i)
        names.push_back("class " + std::to_string(i));
    return names;
}

DatasetSplits splitOneFile(const std::string& name, const std::string& imagesPath)
{
    return splitAll(name, imagesPath, loadIdxDataset(imagesPath));
}

bool endsWith(const std::string& text, const std::string& end)
{
    return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

// A .npy of images, with its labels if a file beside it is named like them ("images" →
// "labels", or "x" → "y": x_train.npy → y_train.npy); split 80/20.
DatasetSplits openNpy(const std::string& name, const fs::path& path)
{
    const NpyArray images = readNpyFile(path.string());
    std::string file = path.filename().string();
    if (const size_t at = file.find("images"); at != std::string::npos)
        file.replace(at, 6, "labels");
    else if (file.rfind("x", 0) == 0)
        file[0] = 'y';
    std::error_code ec;
    const fs::path labelsPath = path.parent_path() / file;
    std::optional<NpyArray> labels;
    if (labelsPath != path && fs::is_regular_file(labelsPath, ec))
        labels = readNpyFile(labelsPath.string());
    return splitAll(name, path.string(), datasetFromArrays(images, labels ? &*labels : nullptr, path.string()));
}

// An .npz: Keras's layout (x_train, y_train, x_test, y_test) is a training and a validation
// part; one set of images (x or images, with y or labels) is split 80/20.
DatasetSplits openNpz(const std::string& name, const std::string& path)
{
    const std::map<std::string, NpyArray> arrays = readNpzFile(path);
    const auto find = [&](std::initializer_list<const char*> names) -> const NpyArray* {
        for (const char* n : names)
            if (const auto it = arrays.find(n); it != arrays.end())
                return &it->second;
        return nullptr;
    };
    if (const NpyArray* xTrain = find({"x_train"}); xTrain && find({"x_test"})) {
        DatasetSplits s;
        s.name = name;
        s.source = path;
        s.train = datasetFromArrays(*xTrain, find({"y_train"}), path + " (x_train)");
        s.validation = datasetFromArrays(*find({"x_test"}), find({"y_test"}), path + " (x_test)");
        if (s.train.rows != s.validation.rows || s.train.cols != s.validation.cols)
            throw Error(path + ": x_test's images are not the size of x_train's");
        if (s.train.hasLabels() != s.validation.hasLabels())
            throw Error(path + ": labels for only one of x_train and x_test");
        s.classNames = numberedClassNames(std::max(s.train.classCount(), s.validation.classCount()));
        return s;
    }
    if (const NpyArray* images = find({"x", "images", "x_train"}))
        return splitAll(name, path, datasetFromArrays(*images, find({"y", "labels", "y_train"}), path));
    std::string names;
    for (const auto& [n, a] : arrays)
        names += (names.empty() ? "" : ", ") + n;
    throw Error(path + ": no images in this .npz (arrays " + names
                + "; expected x_train, y_train, x_test, y_test as Keras writes them, or x and y)");
}

DatasetSplits trainTestPair(const std::string& name, const std::string& trainPath, const std::string& testPath)
{
    DatasetSplits s;
    s.name = name;
    s.source = trainPath + " + " + testPath;
    s.train = loadIdxDataset(trainPath);
    s.validation = loadIdxDataset(testPath);
    if (s.train.rows != s.validation.rows || s.train.cols != s.validation.cols)
        throw Error(testPath + ": images are " + std::to_string(s.validation.rows) + "x" + std::to_string(s.validation.cols)
                    + " but the training images are " + std::to_string(s.train.rows) + "x" + std::to_string(s.train.cols));
    s.classNames = numberedClassNames(std::max(s.train.classCount(), s.validation.classCount()));
    return s;
}

DatasetSplits openFolder(const std::string& name, const fs::path& dir)
{
    const std::string train = findIdx(dir, "train-images-idx3-ubyte");
    const std::string test = findIdx(dir, "t10k-images-idx3-ubyte");
    if (!train.empty() && !test.empty())
        return trainTestPair(name, train, test);
    std::vector<std::string> candidates;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (isImagesFile(it->path()))
            candidates.push_back(it->path().string());
    if (ec)
        throw Error(dir.string() + ": cannot list this folder (" + ec.message() + ")");
    std::sort(candidates.begin(), candidates.end());
    if (candidates.empty())
        throw Error(dir.string() + ": no IDX images file (*images-idx3-ubyte or *.gz) in this folder");
    if (candidates.size() > 1)
        throw Error(dir.string() + ": " + std::to_string(candidates.size())
                    + " IDX images files here and no train-/t10k- pair; name the one to open");
    return splitOneFile(name, candidates.front());
}

} // namespace

DatasetSplits splitAll(const std::string& name, const std::string& source, const Dataset& all)
{
    if (all.count < 2)
        throw Error(source + ": a dataset needs at least 2 images to split into training and validation");
    std::vector<int64_t> train, validation;
    seededSplit(all.count, std::max<int64_t>(1, all.count * 4 / 5), kSplitSeed, train, validation);
    DatasetSplits s;
    s.name = name;
    s.source = source;
    s.train = subset(all, train);
    s.validation = subset(all, validation);
    s.classNames = numberedClassNames(all.classCount());
    return s;
}

int Dataset::classCount() const
{
    return labels.empty() ? 0 : 1 + *std::max_element(labels.begin(), labels.end());
}

Dataset loadIdxDataset(const std::string& imagesPath)
{
    IdxArray images = readIdxFileCached(imagesPath, inflatedCacheDirectory());
    if (images.dims.size() != 3)
        throw Error(imagesPath + ": an images file has 3 dimensions (count, rows, columns); this one has "
                    + std::to_string(images.dims.size()));
    const uint32_t rows = images.dims[1], cols = images.dims[2];
    if (rows == 0 || cols == 0 || rows > kMaxSide || cols > kMaxSide)
        throw Error(imagesPath + ": images of " + std::to_string(rows) + "x" + std::to_string(cols)
                    + " pixels are not supported (1 to " + std::to_string(kMaxSide) + " per side)");
    Dataset d;
    d.count = images.dims[0];
    d.rows = int(rows);
    d.cols = int(cols);
    d.pixels = std::move(images.data);
    d.sourceIndex.resize(size_t(d.count));
    std::iota(d.sourceIndex.begin(), d.sourceIndex.end(), int64_t(0));

    const std::string labelsPath = existingLabelsFile(imagesPath);
    if (labelsPath.empty())
        return d; // unlabelled data is fine
    IdxArray labels = readIdxFile(labelsPath);
    if (labels.dims.size() != 1)
        throw Error(labelsPath + ": a labels file has 1 dimension; this one has " + std::to_string(labels.dims.size()));
    if (labels.dims[0] != uint32_t(d.count))
        throw Error(labelsPath + ": " + std::to_string(labels.dims[0]) + " labels for " + std::to_string(d.count)
                    + " images in " + imagesPath);
    d.labels = std::move(labels.data);
    return d;
}

DatasetSplits openDataset(const std::string& nameOrPath)
{
    if (nameOrPath == "mnist") {
        const fs::path dir = fs::path(dataDirectory()) / "mnist";
        const std::string images = findIdx(dir, "images-idx3-ubyte");
        if (images.empty())
            throw Error("the mnist dataset is not installed in " + dir.string()
                        + " (run the set-up script, scripts/setup.sh, or set LX_DATA_DIR)");
        DatasetSplits s = splitOneFile("mnist", images); // 8,000 / 2,000
        s.classNames = digitClassNames();
        return s;
    }
    if (nameOrPath == "fashion") {
        const std::string train = findIdx(kFashionDir, "train-images-idx3-ubyte");
        const std::string test = findIdx(kFashionDir, "t10k-images-idx3-ubyte");
        if (train.empty() || test.empty())
            throw Error(std::string("the fashion dataset is not installed in ") + kFashionDir
                        + " (apt-get install dataset-fashion-mnist, or run scripts/setup.sh)");
        DatasetSplits s = trainTestPair("fashion", train, test);
        s.classNames = fashionClassNames();
        return s;
    }
    const fs::path p(nameOrPath);
    std::error_code ec;
    if (fs::is_directory(p, ec))
        return openFolder(nameOrPath, p);
    if (fs::is_regular_file(p, ec)) {
        if (endsWith(nameOrPath, ".npy"))
            return openNpy(nameOrPath, p);
        if (endsWith(nameOrPath, ".npz"))
            return openNpz(nameOrPath, nameOrPath);
        return splitOneFile(nameOrPath, nameOrPath);
    }
    throw Error(nameOrPath + ": no such dataset (use mnist, fashion, an IDX images file, a NumPy .npy or .npz, or a folder "
                             "holding IDX files)");
}

std::string dataDirectory()
{
    if (const char* env = std::getenv("LX_DATA_DIR"); env && *env)
        return env;
    // Installed (cmake --install, the .deb): <prefix>/bin/latent-explorer finds the data the
    // package put in <prefix>/share/latent-explorer/data, wherever the prefix is.
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = exe.parent_path().parent_path() / "share" / "latent-explorer" / "data";
        if (fs::is_directory(installed / "mnist", ec))
            return installed.string();
    }
    return LX_DEFAULT_DATA_DIR;
}

void seededSplit(int64_t n, int64_t trainCount, uint64_t seed, std::vector<int64_t>& train,
                 std::vector<int64_t>& validation)
{
    std::vector<std::pair<uint64_t, int64_t>> keyed(size_t(std::max<int64_t>(n, 0)));
    for (int64_t i = 0; i < n; ++i)
        keyed[size_t(i)] = {splitmix64((seed << 32) | uint64_t(i)), i};
    std::sort(keyed.begin(), keyed.end());
    trainCount = std::clamp<int64_t>(trainCount, 0, n);
    train.clear();
    validation.clear();
    for (int64_t k = 0; k < n; ++k)
        (k < trainCount ? train : validation).push_back(keyed[size_t(k)].second);
    std::sort(train.begin(), train.end());
    std::sort(validation.begin(), validation.end());
}

Dataset subset(const Dataset& from, const std::vector<int64_t>& indices)
{
    Dataset d;
    d.rows = from.rows;
    d.cols = from.cols;
    d.count = int64_t(indices.size());
    d.pixels.resize(size_t(d.count * d.imageBytes()));
    if (from.hasLabels())
        d.labels.resize(indices.size());
    d.sourceIndex.resize(indices.size());
    for (size_t k = 0; k < indices.size(); ++k) {
        const int64_t i = indices[k];
        if (i < 0 || i >= from.count)
            throw Error("subset index " + std::to_string(i) + " is outside the dataset of " + std::to_string(from.count));
        std::copy_n(from.image(i), from.imageBytes(), d.pixels.data() + k * d.imageBytes());
        if (from.hasLabels())
            d.labels[k] = from.labels[size_t(i)];
        d.sourceIndex[k] = from.sourceIndex.empty() ? i : from.sourceIndex[size_t(i)];
    }
    return d;
}

std::vector<std::string> digitClassNames()
{
    return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
}

std::vector<std::string> fashionClassNames()
{
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
}

} // namespace lx
