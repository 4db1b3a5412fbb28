#pragma once

#include "data/Dataset.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lx {

// A NumPy array (.npy, or an entry of an .npz): little-endian, C order.
struct NpyArray {
    char kind = 0;    // 'u' unsigned, 'i' signed integer, 'f' float, 'b' bool
    int itemSize = 0; // bytes per element
    std::vector<int64_t> shape;
    std::vector<uint8_t> data;

    int64_t elementCount() const;
};

// The header of a .npy: magic, version, and the dict ('descr', 'fortran_order', 'shape'),
// read from the first bytes of the file (`size` may be less than the whole file). Fills the
// array's kind, item size and shape, and `headerLength` (where the data starts). Refuses
// what we cannot read (big-endian, Fortran order, object or string types, more than 2 GB)
// with lx::Error naming `what`. Allocates nothing for the data.
NpyArray parseNpyHeader(const uint8_t* bytes, size_t size, size_t& headerLength, const std::string& what);

// A whole .npy in memory: the header, then exactly the data it describes (checked before the
// data is copied).
NpyArray parseNpy(const uint8_t* bytes, size_t size, const std::string& what);

// A .npy file: its header is checked against the file's size before the data is read.
NpyArray readNpyFile(const std::string& path);

// The arrays of an .npz (a zip of .npy files, stored or deflated), by name without ".npy".
// Each entry's header is checked against its declared size before it is inflated, and each
// entry's CRC-32 when it has been.
std::map<std::string, NpyArray> readNpzFile(const std::string& path);

// Images from an array: uint8 (0–255) or float in [0, 1], N×rows×cols, or N×(side·side) taken
// as square images; labels (if given) an integer array of N values from 0 to 255.
Dataset datasetFromArrays(const NpyArray& images, const NpyArray* labels, const std::string& what);

} // namespace lx
