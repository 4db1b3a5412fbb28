#include "session/ImageFolder.h"

#include "common/Error.h"

#include <QImageReader>
#include <QPainter>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace lx {
namespace {

bool isImageFile(const fs::path& p)
{
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    std::error_code ec;
    return (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".gif") && fs::is_regular_file(p, ec);
}

std::vector<fs::path> sortedEntries(const fs::path& dir, bool folders)
{
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code e2;
        if (folders ? fs::is_directory(it->path(), e2) : isImageFile(it->path()))
            out.push_back(it->path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool holdsClassFolders(const fs::path& dir)
{
    for (const fs::path& sub : sortedEntries(dir, true))
        if (!sortedEntries(sub, false).empty())
            return true;
    return false;
}

struct Found {
    std::vector<std::pair<fs::path, int>> files; // image, class
};

// The images under root/<class>/, classes by `names` (made from the folders when empty).
Found findImages(const fs::path& root, std::vector<std::string>& names, bool fixedNames)
{
    Found found;
    for (const fs::path& sub : sortedEntries(root, true)) {
        const std::vector<fs::path> images = sortedEntries(sub, false);
        if (images.empty())
            continue;
        const std::string name = sub.filename().string();
        auto it = std::find(names.begin(), names.end(), name);
        if (it == names.end()) {
            if (fixedNames)
                throw Error(sub.string() + ": a class the training part does not have");
            if (names.size() == 256)
                throw Error(root.string() + ": more than 256 classes");
            names.push_back(name);
            it = names.end() - 1;
        }
        for (const fs::path& image : images)
            found.files.emplace_back(image, int(it - names.begin()));
    }
    return found;
}

Dataset readImages(const Found& found, int side, std::vector<std::string>* skipped, const ImageFolderOptions& options,
                   int64_t doneBefore, int64_t total)
{
    Dataset d;
    d.rows = d.cols = side;
    int64_t i = 0;
    for (const auto& [path, label] : found.files) {
        if (options.cancel && options.cancel->load())
            throw Cancelled();
        QImageReader reader(QString::fromStdString(path.string()));
        // A header claiming a gigapixel image is not decoded (Qt's own limit is 256 MB).
        const QSize size = reader.size();
        QImage image;
        if (size.isValid() && qint64(size.width()) * size.height() <= 64ll * 1024 * 1024)
            image = reader.read();
        if (image.isNull()) {
            if (skipped)
                skipped->push_back(path.string() + (reader.error() != QImageReader::UnknownError || !size.isValid()
                                                        ? ": " + reader.errorString().toStdString()
                                                        : ": too large"));
        } else {
            const std::vector<uint8_t> pixels = toDatasetImage(image, side);
            d.pixels.insert(d.pixels.end(), pixels.begin(), pixels.end());
            d.labels.push_back(uint8_t(label));
            d.sourceIndex.push_back(i);
            ++d.count;
        }
        ++i;
        if (options.progress)
            options.progress(doneBefore + i, total);
    }
    return d;
}

fs::path firstExisting(const fs::path& root, std::initializer_list<const char*> names)
{
    std::error_code ec;
    for (const char* n : names)
        if (fs::is_directory(root / n, ec) && holdsClassFolders(root / n))
            return root / n;
    return {};
}

} // namespace

bool isImageFolder(const std::string& path)
{
    std::error_code ec;
    const fs::path root(path);
    if (!fs::is_directory(root, ec))
        return false;
    return holdsClassFolders(root) || !firstExisting(root, {"train"}).empty();
}

std::vector<uint8_t> toDatasetImage(const QImage& source, int side)
{
    // Greyscale on white paper (a transparent background is the page).
    QImage flat(source.size(), QImage::Format_RGB32);
    flat.fill(Qt::white);
    {
        QPainter p(&flat);
        p.drawImage(0, 0, source);
    }
    QImage grey = flat.convertToFormat(QImage::Format_Grayscale8);
    // Light border: dark strokes on light paper, inverted to MNIST's light strokes on black.
    const int w = grey.width(), h = grey.height();
    double border = 0;
    int n = 0;
    for (int x = 0; x < w; ++x) {
        border += grey.constScanLine(0)[x] + grey.constScanLine(h - 1)[x];
        n += 2;
    }
    for (int y = 0; y < h; ++y) {
        border += grey.constScanLine(y)[0] + grey.constScanLine(y)[w - 1];
        n += 2;
    }
    if (border / std::max(n, 1) > 127.5)
        grey.invertPixels();
    // The longer side to `side`, the other padded with black, centred.
    const QImage scaled = grey.scaled(side, side, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    std::vector<uint8_t> out(size_t(side) * size_t(side), 0);
    const int x0 = (side - scaled.width()) / 2, y0 = (side - scaled.height()) / 2;
    for (int y = 0; y < scaled.height(); ++y)
        std::copy_n(scaled.constScanLine(y), scaled.width(), out.data() + size_t(y0 + y) * size_t(side) + size_t(x0));
    return out;
}

DatasetSplits openImageFolder(const std::string& path, std::vector<std::string>* skipped, const ImageFolderOptions& options)
{
    const fs::path root(path);
    constexpr int kSide = 28;
    DatasetSplits s;
    s.name = path;
    s.source = path;
    const fs::path train = firstExisting(root, {"train"});
    const fs::path validation = firstExisting(root, {"val", "validation", "test"});
    if (!train.empty() && !validation.empty()) {
        const Found t = findImages(train, s.classNames, false);
        const Found v = findImages(validation, s.classNames, true);
        const auto total = int64_t(t.files.size() + v.files.size());
        s.train = readImages(t, kSide, skipped, options, 0, total);
        s.validation = readImages(v, kSide, skipped, options, int64_t(t.files.size()), total);
        if (s.train.count == 0 || s.validation.count == 0)
            throw Error(path + ": no readable images in " + (s.train.count == 0 ? train : validation).string());
        return s;
    }
    const Found all = findImages(train.empty() ? root : train, s.classNames, false); // train/ alone: split
    const Dataset d = readImages(all, kSide, skipped, options, 0, int64_t(all.files.size()));
    if (d.count < 2)
        throw Error(path + ": " + (all.files.empty() ? std::string("no images in class folders (root/<class>/*.png)")
                                                      : "fewer than 2 readable images"));
    std::vector<std::string> classNames = std::move(s.classNames);
    s = splitAll(path, path, d); // 80/20 by core's fixed seed, as a single file
    s.classNames = std::move(classNames);
    return s;
}

DatasetSplits openAnyDataset(const std::string& nameOrPath, std::vector<std::string>* skipped,
                             const ImageFolderOptions& options)
{
    if (isImageFolder(nameOrPath))
        return openImageFolder(nameOrPath, skipped, options);
    return openDataset(nameOrPath);
}

} // namespace lx
