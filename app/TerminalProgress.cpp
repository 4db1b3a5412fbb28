#include "TerminalProgress.h"

#include <cstdio>

#include <unistd.h>

TerminalProgress::TerminalProgress() : tty_(isatty(STDERR_FILENO) == 1) {}

void TerminalProgress::step(int epoch, int epochs, int64_t step, int64_t steps, double loss, double imagesPerSecond)
{
    if (!tty_)
        return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && step != steps && now - lastDraw_ < std::chrono::milliseconds(100))
        return;
    lastDraw_ = now;
    drawn_ = true;
    constexpr int width = 30;
    const int filled = steps > 0 ? int(width * step / steps) : 0;
    std::string bar(size_t(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\repoch %d/%d [%s] %3d%%  loss %.4f  %.0f img/s ", epoch, epochs, bar.c_str(),
                 steps > 0 ? int(100 * step / steps) : 0, loss, imagesPerSecond);
    std::fflush(stderr);
}

void TerminalProgress::endEpoch(const std::string& summary)
{
    if (tty_ && drawn_)
        std::fputs("\r\033[K", stderr);
    drawn_ = false;
    std::fprintf(stderr, "%s\n", summary.c_str());
    std::fflush(stderr);
}

void TerminalProgress::prepare(const std::string& what, double fraction)
{
    const auto now = std::chrono::steady_clock::now();
    if (!tty_) {
        if (what != preparing_)
            std::fprintf(stderr, "%s…\n", what.c_str());
        preparing_ = what;
        return;
    }
    if (what == preparing_ && fraction < 1 && now - lastDraw_ < std::chrono::milliseconds(100))
        return;
    preparing_ = what;
    lastDraw_ = now;
    drawn_ = true;
    std::fprintf(stderr, "\r%s… %3d%% ", what.c_str(), int(100 * fraction));
    std::fflush(stderr);
}
