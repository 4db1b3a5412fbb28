#include "session/Projector.h"

#include "common/Error.h"
#include "io/AtomicFile.h"

#include <QBuffer>
#include <QImage>

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace lx {
namespace {

// Images in the grid's order (training part first, as the codes are).
const uint8_t* imageAt(const DatasetSplits& data, int64_t i)
{
    return i < data.train.count ? data.train.image(i) : data.validation.image(i - data.train.count);
}

void write(const std::string& path, const std::string& text, ProjectorExport& out)
{
    writeFileAtomically(path, text.data(), text.size());
    out.files.push_back(path);
}

} // namespace

std::string projectorProblem(const DatasetSplits& data)
{
    const int64_t n = data.totalCount();
    if (n == 0)
        return "there are no images to export";
    if (n > kProjectorMaxPoints)
        return "the Embedding Projector loads at most 100,000 points; this dataset has " + std::to_string(n);
    const auto cols = int64_t(std::ceil(std::sqrt(double(n))));
    const int64_t width = cols * data.train.cols, height = ((n + cols - 1) / cols) * data.train.rows;
    if (width > kProjectorMaxSpriteSide || height > kProjectorMaxSpriteSide)
        return "the Embedding Projector takes a sprite of at most 8,192 px a side; " + std::to_string(n) + " images of "
               + std::to_string(data.train.cols) + "x" + std::to_string(data.train.rows) + " make one of "
               + std::to_string(width) + " px";
    return {};
}

ProjectorExport writeProjector(const std::string& dir, const DatasetSplits& data, const std::vector<float>& codes,
                               int dim, const std::function<void(double)>& progress)
{
    if (const std::string problem = projectorProblem(data); !problem.empty())
        throw Error(dir + ": " + problem);
    const int64_t n = data.totalCount();
    if (dim <= 0 || codes.size() != size_t(n) * size_t(dim))
        throw Error(dir + ": the codes do not match the dataset");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!std::filesystem::is_directory(dir, ec))
        throw Error(dir + ": cannot make this folder" + (ec ? " (" + ec.message() + ")" : std::string()));
    const auto report = [&](double f) {
        if (progress)
            progress(f);
    };
    ProjectorExport out;
    out.points = n;
    const std::string base = (std::filesystem::path(dir) / "").string();

    std::string vectors;
    vectors.reserve(size_t(n) * size_t(dim) * 11);
    char number[32];
    for (int64_t i = 0; i < n; ++i) {
        for (int k = 0; k < dim; ++k) {
            const int len = std::snprintf(number, sizeof number, "%s%.7g", k ? "\t" : "", double(codes[size_t(i * dim + k)]));
            vectors.append(number, size_t(len));
        }
        vectors += '\n';
    }
    write(base + "vectors.tsv", vectors, out);
    report(0.25);

    // More than one column: the first line names them.
    const bool labelled = data.train.hasLabels() && data.validation.hasLabels();
    std::string metadata = labelled ? "label\tclass\tsplit\tindex\n" : "split\tindex\n";
    for (int64_t i = 0; i < n; ++i) {
        const bool train = i < data.train.count;
        const Dataset& part = train ? data.train : data.validation;
        const int64_t j = train ? i : i - data.train.count;
        if (labelled) {
            const int label = part.labels[size_t(j)];
            const std::string name = size_t(label) < data.classNames.size() ? data.classNames[size_t(label)] : std::to_string(label);
            metadata += std::to_string(label) + '\t' + name + '\t';
        }
        metadata += std::string(train ? "train" : "validation") + '\t'
                    + std::to_string(part.sourceIndex.empty() ? j : part.sourceIndex[size_t(j)]) + '\n';
    }
    write(base + "metadata.tsv", metadata, out);
    report(0.4);

    const int rows = data.train.rows, cols = data.train.cols;
    const auto perRow = int(std::ceil(std::sqrt(double(n))));
    QImage sprite(perRow * cols, int((n + perRow - 1) / perRow) * rows, QImage::Format_Grayscale8);
    sprite.fill(0);
    for (int64_t i = 0; i < n; ++i) {
        const uint8_t* image = imageAt(data, i);
        const int x = int(i % perRow) * cols, y = int(i / perRow) * rows;
        for (int r = 0; r < rows; ++r)
            std::copy_n(image + r * cols, cols, sprite.scanLine(y + r) + x);
    }
    report(0.5);
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    if (!sprite.save(&buffer, "PNG"))
        throw Error(base + "sprite.png: could not encode the image");
    writeFileAtomically(base + "sprite.png", png.constData(), size_t(png.size()));
    out.files.push_back(base + "sprite.png");
    out.spriteWidth = sprite.width();
    out.spriteHeight = sprite.height();
    report(0.95);

    write(base + "projector_config.pbtxt",
          "embeddings {\n"
          "  tensor_name: \"latent codes\"\n"
          "  tensor_path: \"vectors.tsv\"\n"
          "  metadata_path: \"metadata.tsv\"\n"
          "  sprite {\n"
          "    image_path: \"sprite.png\"\n"
          "    single_image_dim: " + std::to_string(cols) + "\n"
          "    single_image_dim: " + std::to_string(rows) + "\n"
          "  }\n"
          "}\n",
          out);
    report(1.0);
    return out;
}

} // namespace lx
