#include "io/AtomicFile.h"

#include "common/Error.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lx {
namespace {

constexpr char kTemporarySuffix[] = ".tmp-XXXXXX";

std::string reason()
{
    return std::strerror(errno);
}

std::string folderOf(const std::string& path)
{
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : path.substr(0, slash);
}

// A symbolic link is written through, as editors and QSaveFile do: the link stays a link
// and its target gets the new contents. Follows a chain of links (at most 40, as the kernel).
std::string throughLinks(const std::string& path)
{
    std::string target = path;
    for (int hop = 0; hop < 40; ++hop) {
        struct stat st {};
        if (::lstat(target.c_str(), &st) != 0 || !S_ISLNK(st.st_mode))
            return target;
        std::vector<char> buffer(size_t(st.st_size > 0 ? st.st_size : 4095) + 1);
        const ssize_t n = ::readlink(target.c_str(), buffer.data(), buffer.size() - 1);
        if (n < 0)
            throw Error(path + ": cannot read the link (" + reason() + "); nothing was written");
        const std::string link(buffer.data(), size_t(n));
        target = !link.empty() && link[0] == '/' ? link : folderOf(target) + "/" + link;
    }
    throw Error(path + ": too many levels of symbolic links; nothing was written");
}

// The permissions a new file gets from this process: 0666 less the umask. Read from /proc
// (umask() itself would change it for every thread while asking).
mode_t newFileMode()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("Umask:", 0) == 0)
            return mode_t(0666) & ~mode_t(std::strtoul(line.c_str() + 6, nullptr, 8));
    return 0644;
}

void writeAll(int fd, const void* data, size_t size, const std::string& path, const char* afterwards)
{
    const char* p = static_cast<const char*>(data);
    size_t left = size;
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw Error(path + ": writing failed (" + reason() + ")" + afterwards);
        }
        p += n;
        left -= size_t(n);
    }
}

// A character device (/dev/null, /dev/full, a terminal) or a FIFO: there is nothing to
// replace, so the bytes go straight to it.
void writeStraight(const std::string& path, const std::string& target, bool fifo, const std::vector<FilePart>& parts)
{
    // A FIFO without a reader would block the open forever: refuse it instead.
    const int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC | (fifo ? O_NONBLOCK : 0));
    if (fd < 0)
        throw Error(path + (errno == ENXIO ? std::string(": a pipe that nobody is reading") : ": cannot open (" + reason() + ")")
                    + "; nothing was written");
    if (fifo)
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    try {
        for (const FilePart& part : parts)
            writeAll(fd, part.data, part.size, path, "");
    } catch (...) {
        ::close(fd);
        throw;
    }
    if (::close(fd) != 0)
        throw Error(path + ": closing failed (" + reason() + ")");
}

// Our own temporaries beside `target` that a killed process left (name `<target>.tmp-…`),
// older than an hour: no save still running wrote them.
void removeStaleTemporaries(const std::string& target)
{
    const std::string folder = folderOf(target);
    const std::string prefix = target.substr(target.rfind('/') == std::string::npos ? 0 : target.rfind('/') + 1) + ".tmp-";
    DIR* dir = ::opendir(folder.c_str());
    if (!dir)
        return;
    const time_t now = ::time(nullptr);
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name.rfind(prefix, 0) != 0)
            continue;
        const std::string full = folder + "/" + name;
        struct stat st {};
        if (::lstat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > 3600)
            std::remove(full.c_str());
    }
    ::closedir(dir);
}

} // namespace

void writeFileAtomically(const std::string& path, const void* data, size_t size)
{
    writeFileAtomically(path, std::vector<FilePart>{{data, size}});
}

void writeFileAtomically(const std::string& path, const std::vector<FilePart>& parts, bool flush)
{
    if (path.empty())
        throw Error("cannot write a file with an empty name");
    const std::string target = throughLinks(path);
    struct stat st {};
    mode_t mode = 0;
    if (::stat(target.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode))
            throw Error(path + ": is a folder; nothing was written");
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
            return writeStraight(path, target, S_ISFIFO(st.st_mode), parts);
        if (!S_ISREG(st.st_mode))
            throw Error(path + ": is not a regular file (a device or a socket); nothing was written");
        mode = st.st_mode & 07777; // the file keeps its permissions
    } else if (errno == ENOENT) {
        mode = newFileMode();
    } else {
        throw Error(path + ": cannot look at it (" + reason() + "); nothing was written");
    }

    removeStaleTemporaries(target);
    // The contents go into a file with no name (O_TMPFILE): a crash or a kill -9 while writing
    // leaves nothing behind. Only once they are complete and on disk does it get a name beside
    // the target, for the rename over it. Where the filesystem has no O_TMPFILE, a named
    // temporary file from the start (removed on any failure, and by the next save if killed).
    bool anonymous = true;
    int fd = ::open(folderOf(target).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    std::string tmp;
    if (fd < 0) {
        anonymous = false;
        std::vector<char> tmpl(target.begin(), target.end());
        tmpl.insert(tmpl.end(), kTemporarySuffix, kTemporarySuffix + sizeof kTemporarySuffix); // with the NUL
        fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
        if (fd < 0)
            throw Error(path + ": cannot create a file there (" + reason() + ")");
        tmp = tmpl.data();
    }
    auto abandon = [&](const std::string& what) {
        ::close(fd);
        if (!tmp.empty())
            std::remove(tmp.c_str());
        throw Error(path + ": " + what + "; nothing was written");
    };
    try {
        for (const FilePart& part : parts)
            writeAll(fd, part.data, part.size, path, "");
    } catch (const Error& e) {
        abandon(std::string(e.what()).substr(path.size() + 2));
    }
    if (::fchmod(fd, mode) != 0)
        abandon("setting permissions failed (" + reason() + ")");
    if (flush && ::fsync(fd) != 0)
        abandon("flushing to disk failed (" + reason() + ")");
    if (anonymous) { // now a name, beside the target
        const std::string self = "/proc/self/fd/" + std::to_string(fd);
        for (int attempt = 0; tmp.empty() && attempt < 100; ++attempt) {
            const std::string name = target + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(attempt);
            if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0)
                tmp = name;
            else if (errno != EEXIST)
                abandon("naming the new file failed (" + reason() + ")");
        }
        if (tmp.empty())
            abandon("naming the new file failed (too many temporary files beside it)");
    }
    if (::close(fd) != 0) {
        const std::string why = reason();
        std::remove(tmp.c_str());
        throw Error(path + ": closing failed (" + why + "); nothing was written");
    }
    if (std::rename(tmp.c_str(), target.c_str()) != 0) {
        const std::string why = reason();
        std::remove(tmp.c_str());
        throw Error(path + ": cannot replace the file (" + why + "); nothing was written");
    }
    if (!flush)
        return;
    // The rename itself made durable: flush the folder's entry too (best effort).
    const int dir = ::open(folderOf(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
}

} // namespace lx
