#pragma once

#include <cstddef>
#include <string>

namespace lx {

// Writes `size` bytes to `path` so that readers see either the old file or the complete new
// one, never a half-written file: write to a temporary file beside it, flush it to disk,
// then rename it over the target. On any failure the temporary file is removed and
// lx::Error names the path and the reason.
void writeFileAtomically(const std::string& path, const void* data, size_t size);

} // namespace lx
