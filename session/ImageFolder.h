#pragma once

#include "data/Dataset.h"

#include <QImage>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lx {

// A folder of images in torchvision's ImageFolder layout, root/<class>/*.png|jpg|jpeg|bmp|gif:
// one class a subfolder (its name the class's, in sorted order), every image converted to the
// dataset's 28×28 greyscale (toDatasetImage). With root/train/<class>/… and root/val/<class>/…
// (or test/, validation/), those are the training and validation parts (the classes are
// train's; the other must use the same names); else all of it is split 80/20 by the fixed seed.
// Images that cannot be read are skipped and listed in `skipped`; none readable: lx::Error.
// These need QtGui (QImage), so they live here and not in core/.

// Whether `path` is a folder in that layout (a subfolder with an image in it, directly or
// under train/).
bool isImageFolder(const std::string& path);

struct ImageFolderOptions {
    std::function<void(int64_t done, int64_t total)> progress; // after each image
    const std::atomic<bool>* cancel = nullptr;                 // lx::Cancelled between images
};
DatasetSplits openImageFolder(const std::string& path, std::vector<std::string>* skipped,
                              const ImageFolderOptions& options = {});

// The rule every image goes through, as MNIST's digits look: greyscale (transparent parts
// read as white paper), inverted when its border is light (MNIST is light strokes on black, as
// the drawing canvas), the longer side scaled to `side` and the shorter padded with black,
// centred. `side`×`side` bytes.
std::vector<uint8_t> toDatasetImage(const QImage& image, int side = 28);

// Any dataset: an image folder (with its skipped images in `skipped`), else what
// lx::openDataset opens (mnist, fashion, IDX, NumPy).
DatasetSplits openAnyDataset(const std::string& nameOrPath, std::vector<std::string>* skipped = nullptr,
                             const ImageFolderOptions& options = {});

} // namespace lx
