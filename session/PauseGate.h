#pragma once

#include <condition_variable>
#include <mutex>

namespace lx {

// Pause, resume and stop between a GUI thread and a worker that checks between steps. Every
// change is made under the mutex the waiter checks its condition under, so a resume or a stop
// can never fall between the waiter's check and its sleep (a lost wake-up: the worker would
// sleep on with Resume already pressed).
class PauseGate {
public:
    void pause()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        paused_ = true;
    }
    void resume()
    {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            paused_ = false;
        }
        wake_.notify_all();
    }
    void stop() // also ends a pause
    {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopped_ = true;
            paused_ = false;
        }
        wake_.notify_all();
    }
    void reset() // a new run: neither paused nor stopped
    {
        std::lock_guard<std::mutex> lock(mutex_);
        paused_ = stopped_ = false;
    }
    bool isPaused() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return paused_;
    }
    bool isStopped() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return stopped_;
    }
    // Sleeps while paused (and not stopped); returns whether a stop was asked for.
    bool waitWhilePaused()
    {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return !paused_ || stopped_; });
        return stopped_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool paused_ = false;
    bool stopped_ = false;
};

} // namespace lx
