#include "model/ConvChain.h"

#include "model/FastConvTranspose.h"

#include <ATen/Parallel.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

namespace lx {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr int kLinkFields = 8;

dnnl::engine& cpuEngine()
{
    static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

bool fewChannels(const ConvLink& l)
{
    return l.transposed && l.out <= 2;
}

std::vector<int64_t> encode(const std::vector<ConvLink>& links)
{
    std::vector<int64_t> v;
    for (const ConvLink& l : links)
        v.insert(v.end(), {int64_t(l.transposed), l.in, l.out, l.kernel, l.stride, l.padding, l.outputPadding, int64_t(l.relu)});
    return v;
}

std::vector<ConvLink> decode(const std::vector<int64_t>& v)
{
    std::vector<ConvLink> links;
    for (size_t i = 0; i + kLinkFields <= v.size(); i += kLinkFields)
        links.push_back({v[i] != 0, v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7] != 0});
    return links;
}

int64_t outSize(const ConvLink& l, int64_t in)
{
    return l.transposed ? (in - 1) * l.stride - 2 * l.padding + l.kernel + l.outputPadding
                        : (in + 2 * l.padding - l.kernel) / l.stride + 1;
}

// The primitives of one link for one input shape: made once, then reused every step.
struct LinkPrimitives {
    memory::dims src, dst, weights, bias, strides, padL, padR;
    Tag weightsTag = Tag::oihw; // the layout of the torch parameter
    // forward
    memory::desc fwdSrc, fwdWeights, fwdDst, fwdScratch;
    dnnl::primitive fwd;
    // backward
    memory::desc bwdDataDiffDst, bwdDataWeights, bwdDataDiffSrc, bwdDataScratch;
    dnnl::primitive bwdData;
    memory::desc bwdWeightsSrc, bwdWeightsDiffDst, bwdWeightsDiffWeights, bwdWeightsDiffBias, bwdWeightsScratch;
    dnnl::primitive bwdWeights;
    // kept only to hint the backward primitives
    std::shared_ptr<dnnl::primitive_desc> fwdPd;
};

struct ChainPrimitives {
    std::vector<LinkPrimitives> links;
};

memory::desc plainDesc(const memory::dims& dims)
{
    return memory::desc(dims, memory::data_type::f32, dims.size() == 4 ? Tag::nchw : Tag::x);
}

// Whether a 4-D layout is plain (any order of the dimensions) or blocks only the channels
// (as oneDNN's nChw16c or nChw8c): the layouts addBiasRelu reads.
bool channelBlockedOrPlain(const memory::desc& d)
{
    const dnnl_memory_desc_t& m = d.data;
    if (m.ndims != 4 || m.format_kind != dnnl_blocked)
        return false;
    const dnnl_blocking_desc_t& b = m.format_desc.blocking;
    return b.inner_nblks == 0 || (b.inner_nblks == 1 && b.inner_idxs[0] == 1);
}

// y[n, c, h, w] += bias[c], then the ReLU if asked, for y in a layout channelBlockedOrPlain
// accepts (channels padded to the block stay zero).
void addBiasRelu(torch::Tensor& y, const memory::desc& d, const torch::Tensor& bias, bool relu)
{
    const dnnl_memory_desc_t& m = d.data;
    const dnnl_blocking_desc_t& b = m.format_desc.blocking;
    const int64_t block = b.inner_nblks == 0 ? 1 : b.inner_blks[0];
    const int64_t n = m.dims[0], channels = m.dims[1], rows = m.dims[2], cols = m.dims[3];
    const int64_t blocks = (channels + block - 1) / block;
    const int64_t s0 = b.strides[0], s1 = b.strides[1], s2 = b.strides[2], s3 = b.strides[3];
    float* yp = y.data_ptr<float>() + m.offset0;
    const float* bp = bias.data_ptr<float>();
    at::parallel_for(0, n * blocks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const int64_t image = i / blocks, cb = i % blocks;
            const int64_t inBlock = std::min(block, channels - cb * block);
            float* base = yp + image * s0 + cb * s1;
            if (block == 1) {
                const float v = bp[cb];
                for (int64_t r = 0; r < rows; ++r)
                    for (int64_t c = 0; c < cols; ++c) {
                        float& e = base[r * s2 + c * s3];
                        e = relu ? std::max(e + v, 0.0f) : e + v;
                    }
                continue;
            }
            const float* bb = bp + cb * block;
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t c = 0; c < cols; ++c) {
                    float* e = base + r * s2 + c * s3;
                    if (relu)
                        for (int64_t k = 0; k < inBlock; ++k)
                            e[k] = std::max(e[k] + bb[k], 0.0f);
                    else
                        for (int64_t k = 0; k < inBlock; ++k)
                            e[k] += bb[k];
                }
        }
    });
}

// The backward primitives of a link, made with its forward ones (so that a shape oneDNN cannot
// run fails in the forward pass, where the model can still take the layers one by one).
void makeBackward(LinkPrimitives& p, const ConvLink& l)
{
    const memory::desc anySrc(p.src, memory::data_type::f32, Tag::any);
    const memory::desc anyWeights(p.weights, memory::data_type::f32, Tag::any);
    const memory::desc biasDesc(p.bias, memory::data_type::f32, Tag::x);
    const memory::desc anyDst(p.dst, memory::data_type::f32, Tag::any);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    if (l.transposed) {
        const auto& hint = static_cast<const dnnl::deconvolution_forward::primitive_desc&>(*p.fwdPd);
        const dnnl::deconvolution_backward_data::desc dd(dnnl::algorithm::deconvolution_direct, anySrc, anyWeights, anyDst,
                                                         p.strides, p.padL, p.padR);
        const dnnl::deconvolution_backward_data::primitive_desc data(dd, attr, cpuEngine(), hint);
        p.bwdDataDiffDst = data.diff_dst_desc();
        p.bwdDataWeights = data.weights_desc();
        p.bwdDataDiffSrc = data.diff_src_desc();
        p.bwdDataScratch = data.scratchpad_desc();
        p.bwdData = dnnl::deconvolution_backward_data(data);
        const dnnl::deconvolution_backward_weights::desc wd(dnnl::algorithm::deconvolution_direct, anySrc, anyWeights,
                                                            biasDesc, anyDst, p.strides, p.padL, p.padR);
        const dnnl::deconvolution_backward_weights::primitive_desc weights(wd, attr, cpuEngine(), hint);
        p.bwdWeightsSrc = weights.src_desc();
        p.bwdWeightsDiffDst = weights.diff_dst_desc();
        p.bwdWeightsDiffWeights = weights.diff_weights_desc();
        p.bwdWeightsDiffBias = weights.diff_bias_desc();
        p.bwdWeightsScratch = weights.scratchpad_desc();
        p.bwdWeights = dnnl::deconvolution_backward_weights(weights);
    } else {
        const auto& hint = static_cast<const dnnl::convolution_forward::primitive_desc&>(*p.fwdPd);
        const dnnl::convolution_backward_data::desc dd(dnnl::algorithm::convolution_direct, anySrc, anyWeights, anyDst,
                                                       p.strides, p.padL, p.padR);
        const dnnl::convolution_backward_data::primitive_desc data(dd, attr, cpuEngine(), hint);
        p.bwdDataDiffDst = data.diff_dst_desc();
        p.bwdDataWeights = data.weights_desc();
        p.bwdDataDiffSrc = data.diff_src_desc();
        p.bwdDataScratch = data.scratchpad_desc();
        p.bwdData = dnnl::convolution_backward_data(data);
        const dnnl::convolution_backward_weights::desc wd(dnnl::algorithm::convolution_direct, p.fwdSrc, anyWeights,
                                                          biasDesc, anyDst, p.strides, p.padL, p.padR);
        const dnnl::convolution_backward_weights::primitive_desc weights(wd, attr, cpuEngine(), hint);
        p.bwdWeightsSrc = weights.src_desc();
        p.bwdWeightsDiffDst = weights.diff_dst_desc();
        p.bwdWeightsDiffWeights = weights.diff_weights_desc();
        p.bwdWeightsDiffBias = weights.diff_bias_desc();
        p.bwdWeightsScratch = weights.scratchpad_desc();
        p.bwdWeights = dnnl::convolution_backward_weights(weights);
    }
}

// The layout of a link's torch weight: Conv2d's out×in×k×k; ConvTranspose2d's in×out×k×k,
// which oneDNN's deconvolution (weights out×in×k×k) reads as "iohw".
memory::desc weightsDesc(const LinkPrimitives& p)
{
    return memory::desc(p.weights, memory::data_type::f32, p.weightsTag);
}

// Primitives by chain and input shape, kept while the process lives (a model sees a handful
// of batch sizes: its training batch, the last partial batch, evaluation batches; creating a
// set costs ~1 ms).
std::shared_ptr<ChainPrimitives> primitivesFor(const std::vector<int64_t>& code, const std::vector<ConvLink>& links,
                                               int64_t batch, int64_t rows, int64_t cols)
{
    static std::mutex mutex;
    static std::map<std::vector<int64_t>, std::shared_ptr<ChainPrimitives>> cache;
    std::vector<int64_t> key = code;
    key.insert(key.end(), {batch, rows, cols});
    std::lock_guard<std::mutex> lock(mutex);
    if (cache.size() >= 64 && !cache.count(key))
        cache.clear(); // a window that decoded batches of many sizes: start again (in-flight passes keep theirs)
    std::shared_ptr<ChainPrimitives>& entry = cache[key];
    if (entry)
        return entry;
    auto chain = std::make_shared<ChainPrimitives>();
    const memory::dim n = batch;
    memory::dim h = rows, w = cols;
    for (const ConvLink& l : links) {
        LinkPrimitives p;
        const memory::dim oh = outSize(l, h), ow = outSize(l, w);
        p.src = {n, l.in, h, w};
        p.dst = {n, l.out, oh, ow};
        p.weights = {l.out, l.in, l.kernel, l.kernel};
        p.weightsTag = l.transposed ? Tag::iohw : Tag::oihw;
        p.bias = {l.out};
        p.strides = {l.stride, l.stride};
        p.padL = {l.padding, l.padding};
        if (l.transposed)
            p.padR = {l.padding - l.outputPadding, l.padding - l.outputPadding};
        else
            p.padR = {(oh - 1) * l.stride + l.kernel - h - l.padding, (ow - 1) * l.stride + l.kernel - w - l.padding};
        const memory::desc anySrc(p.src, memory::data_type::f32, Tag::any);
        const memory::desc anyWeights(p.weights, memory::data_type::f32, Tag::any);
        const memory::desc biasDesc(p.bias, memory::data_type::f32, Tag::x);
        const memory::desc anyDst(p.dst, memory::data_type::f32, Tag::any);
        dnnl::primitive_attr attr;
        attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        if (l.relu) {
            dnnl::post_ops ops;
            ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
            attr.set_post_ops(ops);
        }
        if (l.transposed) {
            // Without bias and ReLU: oneDNN 2.6 adds a deconvolution's bias and runs its post-ops
            // by a slow path (10 ms instead of 0.8 for the lecture's 64→32 layer; its binary
            // primitive with a broadcast bias is slower still), so we add them ourselves
            // (addBiasRelu), in a layout that loop reads: the one the deconvolution prefers if
            // it can, plain N×C×H×W otherwise.
            dnnl::primitive_attr plain;
            plain.set_scratchpad_mode(dnnl::scratchpad_mode::user);
            auto make = [&](const memory::desc& dst) {
                const dnnl::deconvolution_forward::desc d(dnnl::prop_kind::forward_training,
                                                          dnnl::algorithm::deconvolution_direct, anySrc, anyWeights, dst,
                                                          p.strides, p.padL, p.padR);
                return std::make_shared<dnnl::deconvolution_forward::primitive_desc>(d, plain, cpuEngine());
            };
            auto pd = make(anyDst);
            if (!channelBlockedOrPlain(pd->dst_desc()))
                pd = make(plainDesc(p.dst));
            p.fwdSrc = pd->src_desc();
            p.fwdWeights = pd->weights_desc();
            p.fwdDst = pd->dst_desc();
            p.fwdScratch = pd->scratchpad_desc();
            p.fwd = dnnl::deconvolution_forward(*pd);
            p.fwdPd = pd;
        } else {
            // The chain's first convolution reads the images as they are (one channel: no
            // blocked layout to gain).
            const memory::desc src = &l == &links.front() ? memory::desc(p.src, memory::data_type::f32, Tag::nchw) : anySrc;
            const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                                    src, anyWeights, biasDesc, anyDst, p.strides, p.padL, p.padR);
            auto pd = std::make_shared<dnnl::convolution_forward::primitive_desc>(d, attr, cpuEngine());
            p.fwdSrc = pd->src_desc();
            p.fwdWeights = pd->weights_desc();
            p.fwdDst = pd->dst_desc();
            p.fwdScratch = pd->scratchpad_desc();
            p.fwd = dnnl::convolution_forward(*pd);
            p.fwdPd = pd;
        }
        makeBackward(p, l);
        chain->links.push_back(std::move(p));
        h = oh;
        w = ow;
    }
    entry = chain;
    return chain;
}

// A buffer for a memory of this description, owned by a tensor (so autograd can keep it).
torch::Tensor bufferFor(const memory::desc& d)
{
    return torch::empty({int64_t((d.get_size() + sizeof(float) - 1) / sizeof(float))}, torch::kFloat32);
}

memory memoryOf(const memory::desc& d, const torch::Tensor& t)
{
    return memory(d, cpuEngine(), t.data_ptr());
}

// The data of `from` (described by fromDesc) in the layout `to`: the same tensor when the
// layouts agree, otherwise a reordered copy.
torch::Tensor inLayout(const torch::Tensor& from, const memory::desc& fromDesc, const memory::desc& to, dnnl::stream& s)
{
    if (fromDesc == to)
        return from;
    torch::Tensor out = bufferFor(to);
    memory src = memoryOf(fromDesc, from), dst = memoryOf(to, out);
    dnnl::reorder(src, dst).execute(s, src, dst);
    return out;
}

void executeWithScratchpad(const dnnl::primitive& prim, const memory::desc& scratch, dnnl::stream& s,
                           std::unordered_map<int, memory> args)
{
    torch::Tensor buffer;
    if (scratch.get_size() > 0) {
        buffer = bufferFor(scratch);
        args.emplace(DNNL_ARG_SCRATCHPAD, memoryOf(scratch, buffer));
    }
    prim.execute(s, args);
}

// g ← g where y > 0, else 0: the ReLU's backward pass, in whatever layout both share.
void reluBackwardInPlace(torch::Tensor& g, const torch::Tensor& y)
{
    float* gp = g.data_ptr<float>();
    const float* yp = y.data_ptr<float>();
    at::parallel_for(0, g.numel(), 16384, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
            gp[i] = yp[i] > 0.0f ? gp[i] : 0.0f;
    });
}


// The layout of link i's saved input: as its forward primitive read it, except for a
// few-channel last link, which keeps the previous link's output as it was made.
memory::desc savedInputDesc(const ChainPrimitives& chain, const std::vector<ConvLink>& links, size_t i)
{
    if (i + 1 == links.size() && fewChannels(links[i]))
        return i == 0 ? plainDesc(chain.links[i].src) : chain.links[i - 1].fwdDst;
    return chain.links[i].fwdSrc;
}

struct ConvChainFunction : public torch::autograd::Function<ConvChainFunction> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, at::TensorList params,
                                 const std::vector<int64_t>& code)
    {
        const std::vector<ConvLink> links = decode(code);
        const std::shared_ptr<ChainPrimitives> chain = primitivesFor(code, links, x.size(0), x.size(2), x.size(3));
        dnnl::stream s(cpuEngine());
        // Each link's input, in the layout savedInputDesc gives (kept for the backward pass).
        std::vector<torch::Tensor> inputs;
        torch::Tensor current = x.contiguous();
        memory::desc currentDesc = plainDesc(chain->links.front().src);
        torch::Tensor y;
        for (size_t i = 0; i < links.size(); ++i) {
            const ConvLink& l = links[i];
            const LinkPrimitives& p = chain->links[i];
            const torch::Tensor weight = params[2 * i].contiguous(), bias = params[2 * i + 1].contiguous();
            const bool last = i + 1 == links.size();
            if (last && fewChannels(l)) {
                // Few output channels: our own kernel, which reads the plain layout.
                inputs.push_back(current);
                s.wait();
                if (channelBlockedOrPlain(currentDesc)) {
                    // Straight from the layout the previous link wrote.
                    const dnnl_memory_desc_t& m = currentDesc.data;
                    const dnnl_blocking_desc_t& b = m.format_desc.blocking;
                    ChannelBlockedLayout layout;
                    layout.block = b.inner_nblks == 0 ? 1 : b.inner_blks[0];
                    std::copy(b.strides, b.strides + 4, layout.strides);
                    y = fewChannelsTransposedForward(current.data_ptr<float>() + m.offset0, layout, p.src[0], p.src[2],
                                                     p.src[3], weight, bias, p.dst[2], p.dst[3], l.stride, l.padding);
                } else {
                    const torch::Tensor plain = inLayout(current, currentDesc, plainDesc(p.src), s);
                    y = fewChannelsTransposedForward(plain.view(p.src), weight, bias, p.dst[2], p.dst[3], l.stride,
                                                     l.padding);
                }
                if (l.relu)
                    y.relu_();
                break;
            }
            current = inLayout(current, currentDesc, p.fwdSrc, s);
            inputs.push_back(current);
            const torch::Tensor w = inLayout(weight, weightsDesc(p), p.fwdWeights, s);
            torch::Tensor out = bufferFor(p.fwdDst);
            if (l.transposed) {
                executeWithScratchpad(p.fwd, p.fwdScratch, s,
                                      {{DNNL_ARG_SRC, memoryOf(p.fwdSrc, current)},
                                       {DNNL_ARG_WEIGHTS, memoryOf(p.fwdWeights, w)},
                                       {DNNL_ARG_DST, memoryOf(p.fwdDst, out)}});
                s.wait();
                addBiasRelu(out, p.fwdDst, bias, l.relu);
            } else {
                executeWithScratchpad(p.fwd, p.fwdScratch, s,
                                      {{DNNL_ARG_SRC, memoryOf(p.fwdSrc, current)},
                                       {DNNL_ARG_WEIGHTS, memoryOf(p.fwdWeights, w)},
                                       {DNNL_ARG_BIAS, memoryOf(plainDesc(p.bias), bias)},
                                       {DNNL_ARG_DST, memoryOf(p.fwdDst, out)}});
            }
            current = out;
            currentDesc = p.fwdDst;
            if (last)
                y = inLayout(current, currentDesc, plainDesc(p.dst), s).view(p.dst);
        }
        s.wait();
        ctx->saved_data["code"] = code;
        ctx->saved_data["shape"] = std::vector<int64_t>{x.size(0), x.size(2), x.size(3)};
        ctx->saved_data["inputs"] = inputs;
        std::vector<torch::Tensor> saved(params.begin(), params.end());
        saved.push_back(y);
        ctx->save_for_backward(saved);
        return y;
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs)
    {
        const std::vector<int64_t> code = ctx->saved_data["code"].toIntVector();
        const std::vector<int64_t> shape = ctx->saved_data["shape"].toIntVector();
        const std::vector<ConvLink> links = decode(code);
        const std::vector<torch::Tensor> inputs = ctx->saved_data["inputs"].toTensorVector();
        const variable_list saved = ctx->get_saved_variables();
        const std::shared_ptr<ChainPrimitives> chain = primitivesFor(code, links, shape[0], shape[1], shape[2]);
        dnnl::stream s(cpuEngine());
        const size_t n = links.size();
        variable_list grads(1 + 2 * n + 1);
        torch::Tensor g = gradOutputs[0].contiguous();
        bool gOwned = false; // whether g may be changed in place
        memory::desc gDesc = plainDesc(chain->links.back().dst);
        for (size_t i = n; i-- > 0;) {
            const ConvLink& l = links[i];
            const LinkPrimitives& p = chain->links[i];
            if (l.relu) {
                // The link's output: the returned tensor, or the next link's saved input.
                const torch::Tensor out = i + 1 == n ? saved.back() : inputs[i + 1];
                const memory::desc outDesc = i + 1 == n ? plainDesc(p.dst) : savedInputDesc(*chain, links, i + 1);
                torch::Tensor moved = inLayout(g, gDesc, outDesc, s);
                if (!gOwned && moved.data_ptr() == g.data_ptr())
                    moved = moved.clone();
                g = moved;
                gOwned = true;
                gDesc = outDesc;
                s.wait();
                reluBackwardInPlace(g, out);
            }
            // g in the layout the backward passes read (both the same one, as a rule).
            torch::Tensor gWeights, gData;
            if (ctx->needs_input_grad(1 + 2 * i) || ctx->needs_input_grad(2 + 2 * i))
                gWeights = inLayout(g, gDesc, p.bwdWeightsDiffDst, s);
            if (i > 0 || ctx->needs_input_grad(0))
                gData = gWeights.defined() && p.bwdDataDiffDst == p.bwdWeightsDiffDst ? gWeights
                                                                                   : inLayout(g, gDesc, p.bwdDataDiffDst, s);
            if (gWeights.defined()) {
                const torch::Tensor src = inLayout(inputs[i], savedInputDesc(*chain, links, i), p.bwdWeightsSrc, s);
                const torch::Tensor& diffDst = gWeights;
                torch::Tensor diffWeights = bufferFor(p.bwdWeightsDiffWeights);
                torch::Tensor diffBias = bufferFor(p.bwdWeightsDiffBias);
                executeWithScratchpad(p.bwdWeights, p.bwdWeightsScratch, s,
                                      {{DNNL_ARG_SRC, memoryOf(p.bwdWeightsSrc, src)},
                                       {DNNL_ARG_DIFF_DST, memoryOf(p.bwdWeightsDiffDst, diffDst)},
                                       {DNNL_ARG_DIFF_WEIGHTS, memoryOf(p.bwdWeightsDiffWeights, diffWeights)},
                                       {DNNL_ARG_DIFF_BIAS, memoryOf(p.bwdWeightsDiffBias, diffBias)}});
                grads[1 + 2 * i] = inLayout(diffWeights, p.bwdWeightsDiffWeights, weightsDesc(p), s)
                                       .view(saved[2 * i].sizes());
                grads[2 + 2 * i] = inLayout(diffBias, p.bwdWeightsDiffBias, plainDesc(p.bias), s).view({l.out});
            }
            if (gData.defined()) {
                const torch::Tensor& diffDst = gData;
                const torch::Tensor w = inLayout(saved[2 * i].contiguous(), weightsDesc(p), p.bwdDataWeights, s);
                torch::Tensor diffSrc = bufferFor(p.bwdDataDiffSrc);
                executeWithScratchpad(p.bwdData, p.bwdDataScratch, s,
                                      {{DNNL_ARG_DIFF_DST, memoryOf(p.bwdDataDiffDst, diffDst)},
                                       {DNNL_ARG_WEIGHTS, memoryOf(p.bwdDataWeights, w)},
                                       {DNNL_ARG_DIFF_SRC, memoryOf(p.bwdDataDiffSrc, diffSrc)}});
                g = diffSrc;
                gOwned = true;
                gDesc = p.bwdDataDiffSrc;
            }
        }
        if (ctx->needs_input_grad(0))
            grads[0] = inLayout(g, gDesc, plainDesc(chain->links.front().src), s).view(chain->links.front().src);
        s.wait();
        return grads;
    }
};

} // namespace

bool convChainEnabled()
{
    static const bool enabled = [] {
        const char* v = std::getenv("LX_CONV_CHAIN");
        return !(v && std::strcmp(v, "0") == 0);
    }();
    return enabled;
}

bool convChainSupported(const std::vector<ConvLink>& links)
{
    if (links.empty() || !at::hasMKLDNN())
        return false;
    for (size_t i = 0; i < links.size(); ++i) {
        const ConvLink& l = links[i];
        if (l.in < 1 || l.out < 1 || l.kernel < 1 || l.stride < 1 || l.padding < 0 || l.outputPadding < 0)
            return false;
        if (i > 0 && links[i - 1].out != l.in)
            return false;
        if (l.transposed && (l.outputPadding > l.padding || l.outputPadding >= l.stride))
            return false;
        if (fewChannels(l) && i + 1 != links.size())
            return false;
    }
    return true;
}

torch::Tensor convChain(const torch::Tensor& x, const std::vector<ConvLink>& links, const std::vector<torch::Tensor>& params)
{
    TORCH_CHECK(convChainSupported(links) && params.size() == 2 * links.size() && x.dim() == 4 && x.size(1) == links[0].in
                    && x.device().is_cpu() && x.scalar_type() == torch::kFloat32,
                "convChain: an unsupported chain or input");
    // As a TensorList, so that autograd sees the parameters as its inputs (a std::vector
    // would pass as an opaque argument).
    return ConvChainFunction::apply(x, at::TensorList(params), encode(links));
}

} // namespace lx
