#include "io/AtomicFile.h"

#include "common/Error.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lx {

void writeFileAtomically(const std::string& path, const void* data, size_t size)
{
    if (path.empty())
        throw Error("cannot write a file with an empty name");
    std::vector<char> tmpl(path.begin(), path.end());
    const char suffix[] = ".tmp-XXXXXX";
    tmpl.insert(tmpl.end(), suffix, suffix + sizeof suffix); // includes the terminating NUL
    const int fd = mkstemp(tmpl.data());
    if (fd < 0)
        throw Error(path + ": cannot create a file there (" + std::strerror(errno) + ")");
    const std::string tmp(tmpl.data());
    auto abandon = [&](const char* step) {
        const std::string reason = std::strerror(errno);
        ::close(fd);
        std::remove(tmp.c_str());
        throw Error(path + ": " + step + " failed (" + reason + "); nothing was written");
    };
    const char* p = static_cast<const char*>(data);
    size_t left = size;
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            abandon("writing");
        }
        p += n;
        left -= size_t(n);
    }
    if (::fchmod(fd, 0644) != 0)
        abandon("setting permissions");
    if (::fsync(fd) != 0)
        abandon("flushing to disk");
    if (::close(fd) != 0) {
        const std::string reason = std::strerror(errno);
        std::remove(tmp.c_str());
        throw Error(path + ": closing failed (" + reason + "); nothing was written");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        std::remove(tmp.c_str());
        throw Error(path + ": cannot replace the file (" + reason + "); nothing was written");
    }
}

} // namespace lx
