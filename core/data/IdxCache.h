#pragma once

#include "data/Idx.h"

#include <cstdint>
#include <string>

namespace lx {

// Inflating Fashion-MNIST's 26 MB of gzip'd training images takes ~230 ms on this project's
// 2-core machines, most of opening a saved model. A gzip'd IDX file this large or larger is
// inflated once and its array kept uncompressed in a cache folder; while the source keeps its
// size and modification time, the array is read from there (~30 ms, CRC-32 checked).
constexpr uint64_t kInflateCacheMinBytes = uint64_t(1) << 20;

// $LX_CACHE_DIR (set but empty: no cache), else $XDG_CACHE_HOME/latent-explorer, else
// ~/.cache/latent-explorer; empty when none can be named.
std::string inflatedCacheDirectory();

// The file in `cacheDir` that keeps the inflated array of the IDX file at `sourcePath`.
std::string inflatedCachePath(const std::string& sourcePath, const std::string& cacheDir);

// readIdxFile(path), through the cache in `cacheDir` for a gzip'd file of at least
// kInflateCacheMinBytes. A cache that is missing, stale, truncated or damaged is never
// believed: the source is read and the cache written again. Failing to write it (a full disk,
// a read-only folder) costs nothing but the time; the source's own errors throw as
// readIdxFile's do. An empty `cacheDir` reads the source.
IdxArray readIdxFileCached(const std::string& path, const std::string& cacheDir);

} // namespace lx
