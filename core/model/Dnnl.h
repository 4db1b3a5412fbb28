#pragma once
// What our direct oneDNN code shares (model/ConvChain, model/FastLinear): the CPU engine and
// memories over tensors. Included by .cpp files only; oneDNN stays out of every public header.

#include <torch/torch.h>

#include <oneapi/dnnl/dnnl.hpp>

#include <map>
#include <memory>
#include <mutex>

namespace lx::dnnl_support {

inline dnnl::engine& cpuEngine()
{
    static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

// A buffer for a memory of this description, owned by a tensor (so autograd can keep it).
inline torch::Tensor bufferFor(const dnnl::memory::desc& d)
{
    return torch::empty({int64_t((d.get_size() + sizeof(float) - 1) / sizeof(float))}, torch::kFloat32);
}

inline dnnl::memory memoryOf(const dnnl::memory::desc& d, const torch::Tensor& t)
{
    return dnnl::memory(d, cpuEngine(), t.data_ptr());
}

// Scratch memory comes from us (a tensor per call), so that primitives can run on several
// threads at once.
inline dnnl::primitive_attr userScratchpad()
{
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return attr;
}

// Runs a primitive with a scratchpad of its own.
inline void executeWithScratchpad(const dnnl::primitive& prim, const dnnl::memory::desc& scratch, dnnl::stream& s,
                                  std::unordered_map<int, dnnl::memory> args)
{
    torch::Tensor buffer;
    if (scratch.get_size() > 0) {
        buffer = bufferFor(scratch);
        args.emplace(DNNL_ARG_SCRATCHPAD, memoryOf(scratch, buffer));
    }
    prim.execute(s, args);
}

// Primitives made once per shape and kept while the process lives (a model sees a handful of
// batch sizes: its training batch, the last partial batch, evaluation batches). Past `limit`
// shapes (a window that decoded batches of many sizes) it starts again; passes under way keep
// theirs through the shared pointer. Also per thread count: a oneDNN primitive keeps the
// OpenMP thread count it was made with and runs that many threads wherever it runs, so the
// GUI thread (one thread while training runs, all when idle) and the trainer each get their own.
template <class Key, class Value>
class ShapeCache {
public:
    explicit ShapeCache(size_t limit) : limit_(limit) {}

    template <class Make>
    std::shared_ptr<Value> get(const Key& key, Make make)
    {
        const std::pair<int, Key> full(at::get_num_threads(), key);
        std::lock_guard<std::mutex> lock(mutex_);
        if (cache_.size() >= limit_ && !cache_.count(full))
            cache_.clear();
        std::shared_ptr<Value>& entry = cache_[full];
        if (!entry)
            entry = make(); // if it throws, nothing is kept and the next call tries again
        return entry;
    }

private:
    size_t limit_;
    std::mutex mutex_;
    std::map<std::pair<int, Key>, std::shared_ptr<Value>> cache_;
};

} // namespace lx::dnnl_support
