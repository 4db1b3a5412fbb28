#pragma once

#include <chrono>
#include <cstdint>
#include <string>

// Progress of a long command on stderr: a redrawn bar on a terminal, a plain line per epoch
// otherwise (logs and pipes get no carriage returns).
class TerminalProgress {
public:
    TerminalProgress();

    void step(int epoch, int epochs, int64_t step, int64_t steps, double loss, double imagesPerSecond);
    void endEpoch(const std::string& summary);
    // Work before the first step: a line that counts up on a terminal; elsewhere one line when
    // it starts.
    void prepare(const std::string& what, double fraction);

private:
    bool tty_;
    std::chrono::steady_clock::time_point lastDraw_;
    bool drawn_ = false;
    std::string preparing_;
};
