#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lx {

// Writes `size` bytes to `path` so that readers see either the old file or the complete new
// one, never a half-written file: write to a temporary file beside it, flush it to disk,
// then rename it over the target. On any failure the temporary file is removed, the old
// file is untouched and lx::Error names the path and the reason. Only a regular file (or
// nothing) is ever replaced: a symbolic link is written through to its target, an existing
// file keeps its permissions (a new one gets 0666 less the umask), a character device or a
// FIFO with a reader is written to directly (so /dev/full fails as it should), and a folder,
// a socket or a FIFO nobody reads is refused. The new contents are written into a file with
// no name (O_TMPFILE) and named only once complete, so a process killed mid-save leaves
// nothing behind; older named temporaries of ours beside the target (<name>.tmp-…, over an
// hour old) are removed.
void writeFileAtomically(const std::string& path, const void* data, size_t size);

// The same, the file's contents given in parts written one after another (a header and a
// large payload need not be copied into one buffer first).
struct FilePart {
    const void* data;
    size_t size;
};
// `flush` false skips the flushes to disk (fsync), for a cache that checks its own contents
// when read: a crash may then leave it empty or damaged, never half-replaced by a name.
void writeFileAtomically(const std::string& path, const std::vector<FilePart>& parts, bool flush = true);

} // namespace lx
