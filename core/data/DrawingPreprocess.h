#pragma once

#include <cstdint>
#include <vector>

namespace lx {

// MNIST's own convention, so a drawing looks like the training data: white ink on black,
// crop to the ink's bounding box, scale the longer side to `box` px keeping the aspect ratio
// (area-averaged, so anti-aliased), then place it in side×side so that its centre of mass
// sits at the centre. Input: width×height greyscale bytes, ink bright. An empty drawing
// gives an all-black image.
std::vector<uint8_t> preprocessDrawing(const uint8_t* pixels, int width, int height, int side = 28, int box = 20);

// The intensity-weighted centre of mass (x, y) in pixel coordinates, pixel centres at +0.5.
// Returns false for an all-black image.
bool centreOfMass(const uint8_t* pixels, int width, int height, double& x, double& y);

} // namespace lx
