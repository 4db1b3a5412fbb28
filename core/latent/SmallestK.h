#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace lx {

// Keeps the k smallest (distance, index) pairs offered to it: a max-heap of at most k, so that
// most offers cost one comparison. `sorted()` gives them nearest first (ties by index).
template <typename Distance>
class SmallestK {
public:
    explicit SmallestK(size_t k) : k_(k) { best_.reserve(k + 1); }

    void offer(Distance d, int64_t index)
    {
        if (best_.size() < k_) {
            best_.emplace_back(d, index);
            std::push_heap(best_.begin(), best_.end());
        } else if (k_ > 0 && d < best_.front().first) {
            std::pop_heap(best_.begin(), best_.end());
            best_.back() = {d, index};
            std::push_heap(best_.begin(), best_.end());
        }
    }

    // Nearest first; the object is then spent until clear().
    std::vector<std::pair<Distance, int64_t>>& sorted()
    {
        std::sort_heap(best_.begin(), best_.end());
        return best_;
    }

    void clear() { best_.clear(); }

    // What an offer must be below to be kept: the largest kept once k are, else +∞ (as
    // far as Distance goes). Lets a scan skip whole blocks that cannot change anything.
    Distance bound() const
    {
        return best_.size() < k_ || k_ == 0 ? std::numeric_limits<Distance>::max() : best_.front().first;
    }

private:
    size_t k_;
    std::vector<std::pair<Distance, int64_t>> best_;
};

} // namespace lx
