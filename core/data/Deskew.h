#pragma once

#include <cstdint>
#include <vector>

namespace lx {

// An image with its slant undone and its ink centred: sheared so that the ink's second moments
// are uncorrelated (columns against rows), its centre of mass moved to the image's centre,
// linear between pixels. Digits written at a slant then lie near the upright ones of their
// kind: among 8,000 mnist training images the 15 nearest neighbours share the label 93 % of
// the time, against 88 % in the raw pixels (92 % sheared alone, not centred); the 5-NN of the
// 2,000 others is 0.969 against 0.944. Where an image's ink is is lost, so a dataset whose
// classes differ by where they are drawn must not use it. `pixels` and the result are
// rows×cols greyscale bytes; an all-black image stays black.
std::vector<uint8_t> deskewedImage(const uint8_t* pixels, int rows, int cols);

// deskewedImage of each of `count` images stored one after another.
std::vector<uint8_t> deskewedImages(const uint8_t* pixels, int64_t count, int rows, int cols);

} // namespace lx
