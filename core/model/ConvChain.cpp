#include "model/ConvChain.h"

#include "model/Dnnl.h"
#include "model/FastConvTranspose.h"

#include <ATen/Parallel.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace lx {
namespace {

using dnnl::memory;
using namespace dnnl_support;
using Tag = memory::format_tag;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr int kLinkFields = 8;

bool fewChannels(const ConvLink& l)
{
    return l.transposed && l.out <= 2;
}

constexpr int kEndFields = 5;

// A link whose weights' gradient our own kernel can compute (fewChannelsWeightGrad): the last
// transposed convolution to few channels, or a first convolution from few channels reading
// the images as they are. oneDNN's AVX2 kernels pad the few channels' gradient to 8 (the
// decoder's last link) or take a GEMM through plain layouts (the encoder's first), each after
// a reorder: 2.1 ms of a lecture step together; ours reads the layouts as they are (+13 %
// images/s on AVX2; on AVX-512 oneDNN's is faster, and used: bench/RESULTS.md, session 10).
bool ownWeightGradient(const std::vector<ConvLink>& links, bool head, size_t i)
{
    static const bool off = [] { // LX_OWN_WEIGHT_GRAD=0: oneDNN's always (for side-by-side benchmarks)
        const char* v = std::getenv("LX_OWN_WEIGHT_GRAD");
        return v && std::strcmp(v, "0") == 0;
    }();
    if (off)
        return false;
    const ConvLink& l = links[i];
    if (l.transposed)
        return i + 1 == links.size() && l.out <= 2;
    return i == 0 && !head && l.in <= 2;
}

struct Plan {
    ConvChainEnds ends;
    std::vector<ConvLink> links;
    size_t linkParams() const { return ends.head ? 2 : 0; } // index of the first link's weight
    size_t tailParams() const { return linkParams() + 2 * links.size(); }
};

std::vector<int64_t> encode(const std::vector<ConvLink>& links, const ConvChainEnds& e)
{
    std::vector<int64_t> v{int64_t(e.head), int64_t(e.headRelu), e.headRows, e.headCols, int64_t(e.tail)};
    for (const ConvLink& l : links)
        v.insert(v.end(), {int64_t(l.transposed), l.in, l.out, l.kernel, l.stride, l.padding, l.outputPadding, int64_t(l.relu)});
    return v;
}

Plan decode(const std::vector<int64_t>& v)
{
    Plan plan;
    plan.ends = {v[0] != 0, v[1] != 0, v[2], v[3], v[4] != 0};
    for (size_t i = kEndFields; i + kLinkFields <= v.size(); i += kLinkFields)
        plan.links.push_back({v[i] != 0, v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7] != 0});
    return plan;
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
    // With a head or tail: the layout of the head's output / the tail's input, and where each
    // of its positions within an image comes from in the plain C×H×W order.
    memory::desc headDesc, tailDesc;
    torch::Tensor headPerm, tailPerm;
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

// Where a layout channelBlockedOrPlain accepts puts each element.
ChannelBlockedLayout layoutOf(const memory::desc& d)
{
    const dnnl_blocking_desc_t& b = d.data.format_desc.blocking;
    ChannelBlockedLayout layout;
    layout.block = b.inner_nblks == 0 ? 1 : b.inner_blks[0];
    std::copy(b.strides, b.strides + 4, layout.strides);
    return layout;
}

// y[n, c, h, w] += bias[c], then the ReLU if asked, for y in a layout channelBlockedOrPlain
// accepts (channels padded to the block stay zero).
void addBiasRelu(torch::Tensor& y, const memory::desc& d, const torch::Tensor& bias, bool relu)
{
    const dnnl_memory_desc_t& m = d.data;
    const ChannelBlockedLayout layout = layoutOf(d);
    const int64_t block = layout.block;
    const int64_t n = m.dims[0], channels = m.dims[1], rows = m.dims[2], cols = m.dims[3];
    const int64_t blocks = (channels + block - 1) / block;
    const int64_t s0 = layout.strides[0], s1 = layout.strides[1], s2 = layout.strides[2], s3 = layout.strides[3];
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

// Whether a layout stores each image as a permutation of its C×H×W values, nothing else
// (no padding, images one after another): then a Linear can read or write it directly.
bool imagePermutation(const memory::desc& d)
{
    if (!channelBlockedOrPlain(d))
        return false;
    const dnnl_memory_desc_t& m = d.data;
    for (int i = 0; i < 4; ++i)
        if (m.padded_dims[i] != m.dims[i])
            return false;
    return m.offset0 == 0 && m.format_desc.blocking.strides[0] == m.dims[1] * m.dims[2] * m.dims[3];
}

// For each position within an image of such a layout, the index of its value in C×H×W order.
torch::Tensor permutationOf(const memory::desc& d)
{
    const dnnl_memory_desc_t& m = d.data;
    const ChannelBlockedLayout layout = layoutOf(d);
    const int64_t block = layout.block;
    const int64_t channels = m.dims[1], rows = m.dims[2], cols = m.dims[3];
    torch::Tensor perm = torch::empty({channels * rows * cols}, torch::kInt64);
    int64_t* pp = perm.data_ptr<int64_t>();
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t col = 0; col < cols; ++col)
                pp[(c / block) * layout.strides[1] + r * layout.strides[2] + col * layout.strides[3] + c % block] =
                    (c * rows + r) * cols + col;
    return perm;
}

// A link's source, weights, bias and destination, the layouts left to oneDNN but the bias's.
std::array<memory::desc, 4> anyLayouts(const LinkPrimitives& p)
{
    return {memory::desc(p.src, memory::data_type::f32, Tag::any), memory::desc(p.weights, memory::data_type::f32, Tag::any),
            memory::desc(p.bias, memory::data_type::f32, Tag::x), memory::desc(p.dst, memory::data_type::f32, Tag::any)};
}

// A link's forward primitive and the layouts it chose (its description kept to hint the
// backward primitives).
template <class Forward>
void adoptForward(LinkPrimitives& p, const std::shared_ptr<typename Forward::primitive_desc>& pd)
{
    p.fwdSrc = pd->src_desc();
    p.fwdWeights = pd->weights_desc();
    p.fwdDst = pd->dst_desc();
    p.fwdScratch = pd->scratchpad_desc();
    p.fwd = Forward(*pd);
    p.fwdPd = pd;
}

// The backward primitives of a link, made with its forward ones (so that a shape oneDNN cannot
// run fails in the forward pass, where the model can still take the layers one by one). The
// convolution and deconvolution primitives of oneDNN share one shape of API.
template <class Forward, class Data, class Weights>
void makeBackwardWith(LinkPrimitives& p, dnnl::algorithm algorithm, const memory::desc& weightsSrc)
{
    const auto [anySrc, anyWeights, biasDesc, anyDst] = anyLayouts(p);
    const dnnl::primitive_attr attr = userScratchpad();
    const auto& hint = static_cast<const typename Forward::primitive_desc&>(*p.fwdPd);
    const typename Data::primitive_desc data(
        typename Data::desc(algorithm, anySrc, anyWeights, anyDst, p.strides, p.padL, p.padR), attr, cpuEngine(), hint);
    p.bwdDataDiffDst = data.diff_dst_desc();
    p.bwdDataWeights = data.weights_desc();
    p.bwdDataDiffSrc = data.diff_src_desc();
    p.bwdDataScratch = data.scratchpad_desc();
    p.bwdData = Data(data);
    const typename Weights::primitive_desc weights(
        typename Weights::desc(algorithm, weightsSrc.is_zero() ? anySrc : weightsSrc, anyWeights, biasDesc, anyDst,
                               p.strides, p.padL, p.padR),
        attr, cpuEngine(), hint);
    p.bwdWeightsSrc = weights.src_desc();
    p.bwdWeightsDiffDst = weights.diff_dst_desc();
    p.bwdWeightsDiffWeights = weights.diff_weights_desc();
    p.bwdWeightsDiffBias = weights.diff_bias_desc();
    p.bwdWeightsScratch = weights.scratchpad_desc();
    p.bwdWeights = Weights(weights);
}

void makeBackward(LinkPrimitives& p, const ConvLink& l)
{
    if (l.transposed)
        makeBackwardWith<dnnl::deconvolution_forward, dnnl::deconvolution_backward_data,
                         dnnl::deconvolution_backward_weights>(p, dnnl::algorithm::deconvolution_direct, memory::desc());
    else // the weights' gradient reads the input in the layout the forward pass did
        makeBackwardWith<dnnl::convolution_forward, dnnl::convolution_backward_data, dnnl::convolution_backward_weights>(
            p, dnnl::algorithm::convolution_direct, p.fwdSrc);
}

// The layout of a link's torch weight: Conv2d's out×in×k×k; ConvTranspose2d's in×out×k×k,
// which oneDNN's deconvolution (weights out×in×k×k) reads as "iohw".
memory::desc weightsDesc(const LinkPrimitives& p)
{
    return memory::desc(p.weights, memory::data_type::f32, p.weightsTag);
}

// The primitives of a chain for one input shape (creating a set costs ~1 ms).
std::shared_ptr<ChainPrimitives> makePrimitives(const Plan& plan, int64_t batch, int64_t rows, int64_t cols)
{
    const std::vector<ConvLink>& links = plan.links;
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
        const std::array<memory::desc, 4> any = anyLayouts(p); // not structured bindings: a lambda captures them
        const memory::desc &anySrc = any[0], &anyWeights = any[1], &biasDesc = any[2], &anyDst = any[3];
        dnnl::primitive_attr attr = userScratchpad();
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
            const dnnl::primitive_attr plain = userScratchpad();
            auto make = [&](const memory::desc& dst) {
                const dnnl::deconvolution_forward::desc d(dnnl::prop_kind::forward_training,
                                                          dnnl::algorithm::deconvolution_direct, anySrc, anyWeights, dst,
                                                          p.strides, p.padL, p.padR);
                return std::make_shared<dnnl::deconvolution_forward::primitive_desc>(d, plain, cpuEngine());
            };
            auto pd = make(anyDst);
            if (!channelBlockedOrPlain(pd->dst_desc()))
                pd = make(plainDesc(p.dst));
            adoptForward<dnnl::deconvolution_forward>(p, pd);
        } else {
            // The chain's first convolution reads the images as they are (one channel: no
            // blocked layout to gain).
            const memory::desc src = &l == &links.front() ? plainDesc(p.src) : anySrc;
            const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                                    src, anyWeights, biasDesc, anyDst, p.strides, p.padL, p.padR);
            adoptForward<dnnl::convolution_forward>(
                p, std::make_shared<dnnl::convolution_forward::primitive_desc>(d, attr, cpuEngine()));
        }
        makeBackward(p, l);
        chain->links.push_back(std::move(p));
        h = oh;
        w = ow;
    }
    if (plan.ends.head) {
        const LinkPrimitives& first = chain->links.front();
        chain->headDesc = imagePermutation(first.fwdSrc) ? first.fwdSrc : plainDesc(first.src);
        chain->headPerm = permutationOf(chain->headDesc);
    }
    if (plan.ends.tail) {
        const LinkPrimitives& last = chain->links.back();
        const memory::desc made = fewChannels(links.back()) ? plainDesc(last.dst) : last.fwdDst;
        chain->tailDesc = imagePermutation(made) ? made : plainDesc(last.dst);
        chain->tailPerm = permutationOf(chain->tailDesc);
    }
    return chain;
}

std::shared_ptr<ChainPrimitives> primitivesFor(const std::vector<int64_t>& code, const Plan& plan, int64_t batch,
                                               int64_t rows, int64_t cols)
{
    static ShapeCache<std::vector<int64_t>, ChainPrimitives> cache(64);
    std::vector<int64_t> key = code;
    key.insert(key.end(), {batch, rows, cols});
    return cache.get(key, [&] { return makePrimitives(plan, batch, rows, cols); });
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
// few-channel last link, which keeps the previous link's output (or the head's, or the
// input's) as it was made.
memory::desc savedInputDesc(const ChainPrimitives& chain, const std::vector<ConvLink>& links, size_t i)
{
    if (i + 1 == links.size() && fewChannels(links[i])) {
        if (i > 0)
            return chain.links[i - 1].fwdDst;
        return chain.headDesc.is_zero() ? plainDesc(chain.links[i].src) : chain.headDesc;
    }
    return chain.links[i].fwdSrc;
}

// Whether fewChannelsWeightGrad reads this layout of its many-channel side as it is (else
// oneDNN's own weight gradient runs).
bool ownKernelReads(const memory::desc& d)
{
    if (!channelBlockedOrPlain(d))
        return true; // reordered to plain first
    const int64_t block = layoutOf(d).block;
    return block == 1 || block == 8 || block == 16;
}

struct ConvChainFunction : public torch::autograd::Function<ConvChainFunction> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, at::TensorList params,
                                 const std::vector<int64_t>& code)
    {
        const Plan plan = decode(code);
        const std::vector<ConvLink>& links = plan.links;
        const int64_t n = x.size(0);
        const int64_t rows = plan.ends.head ? plan.ends.headRows : x.size(2);
        const int64_t cols = plan.ends.head ? plan.ends.headCols : x.size(3);
        const std::shared_ptr<ChainPrimitives> chain = primitivesFor(code, plan, n, rows, cols);
        dnnl::stream s(cpuEngine());
        torch::Tensor current;
        memory::desc currentDesc;
        if (plan.ends.head) {
            // The Linear writes its output straight into the first link's layout: its rows
            // (and bias) permuted instead.
            const torch::Tensor& perm = chain->headPerm;
            current = torch::addmm(params[1].index_select(0, perm), x, params[0].index_select(0, perm).t());
            if (plan.ends.headRelu)
                current.relu_();
            currentDesc = chain->headDesc;
            ctx->saved_data["headOut"] = current;
        } else {
            current = x.contiguous();
            currentDesc = plainDesc(chain->links.front().src);
        }
        // Each link's input, in the layout savedInputDesc gives (kept for the backward pass).
        std::vector<torch::Tensor> inputs;
        for (size_t i = 0; i < links.size(); ++i) {
            const ConvLink& l = links[i];
            const LinkPrimitives& p = chain->links[i];
            const size_t param = plan.linkParams() + 2 * i;
            const torch::Tensor weight = params[param].contiguous(), bias = params[param + 1].contiguous();
            if (i + 1 == links.size() && fewChannels(l)) {
                // Few output channels: our own kernel, straight from the layout the previous
                // link wrote if it can read it.
                inputs.push_back(current);
                s.wait();
                torch::Tensor y;
                if (channelBlockedOrPlain(currentDesc)) {
                    y = fewChannelsTransposedForward(current.data_ptr<float>() + currentDesc.data.offset0,
                                                     layoutOf(currentDesc), p.src[0], p.src[2], p.src[3], weight, bias,
                                                     p.dst[2], p.dst[3], l.stride, l.padding);
                } else {
                    const torch::Tensor plain = inLayout(current, currentDesc, plainDesc(p.src), s);
                    y = fewChannelsTransposedForward(plain.view(p.src), weight, bias, p.dst[2], p.dst[3], l.stride,
                                                     l.padding);
                }
                if (l.relu)
                    y.relu_();
                current = y;
                currentDesc = plainDesc(p.dst);
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
        }
        const memory::dims& last = chain->links.back().dst;
        torch::Tensor result;
        if (plan.ends.tail) {
            // The Linear reads the last link's layout: its columns permuted instead.
            const torch::Tensor tailIn = inLayout(current, currentDesc, chain->tailDesc, s).view({n, -1});
            s.wait();
            const size_t t = plan.tailParams();
            result = torch::addmm(params[t + 1], tailIn, params[t].index_select(1, chain->tailPerm).t());
            ctx->saved_data["tailIn"] = tailIn;
        } else {
            result = inLayout(current, currentDesc, plainDesc(last), s).view(last);
            s.wait();
        }
        ctx->saved_data["code"] = code;
        ctx->saved_data["shape"] = std::vector<int64_t>{n, rows, cols};
        ctx->saved_data["inputs"] = inputs;
        std::vector<torch::Tensor> saved(params.begin(), params.end());
        saved.push_back(x);
        saved.push_back(plan.ends.tail ? torch::Tensor() : result); // the last ReLU's output, if it is ours
        ctx->save_for_backward(saved);
        return result;
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs)
    {
        const std::vector<int64_t> code = ctx->saved_data["code"].toIntVector();
        const std::vector<int64_t> shape = ctx->saved_data["shape"].toIntVector();
        const Plan plan = decode(code);
        const std::vector<ConvLink>& links = plan.links;
        const std::vector<torch::Tensor> inputs = ctx->saved_data["inputs"].toTensorVector();
        const variable_list saved = ctx->get_saved_variables();
        const size_t paramCount = saved.size() - 2;
        const torch::Tensor& x = saved[paramCount];
        const std::shared_ptr<ChainPrimitives> chain = primitivesFor(code, plan, shape[0], shape[1], shape[2]);
        dnnl::stream s(cpuEngine());
        const size_t n = links.size();
        const auto needs = [&](size_t param) { return ctx->needs_input_grad(1 + param); };
        variable_list grads(1 + paramCount + 1);
        torch::Tensor g;
        bool gOwned = false; // whether g may be changed in place
        memory::desc gDesc;
        torch::Tensor lastOut; // the last link's output, in the layout lastOutDesc
        memory::desc lastOutDesc;
        if (plan.ends.tail) {
            const size_t t = plan.tailParams();
            const torch::Tensor tailIn = ctx->saved_data["tailIn"].toTensor();
            const torch::Tensor& gOut = gradOutputs[0];
            const torch::Tensor permuted = saved[t].index_select(1, chain->tailPerm);
            if (needs(t))
                grads[1 + t] = torch::zeros_like(saved[t]).index_copy_(1, chain->tailPerm, gOut.t().mm(tailIn));
            if (needs(t + 1))
                grads[2 + t] = gOut.sum(0);
            g = gOut.mm(permuted);
            gOwned = true;
            gDesc = chain->tailDesc;
            lastOut = tailIn;
            lastOutDesc = chain->tailDesc;
        } else {
            g = gradOutputs[0].contiguous();
            gDesc = plainDesc(chain->links.back().dst);
            lastOut = saved.back();
            lastOutDesc = gDesc;
        }
        for (size_t i = n; i-- > 0;) {
            const ConvLink& l = links[i];
            const LinkPrimitives& p = chain->links[i];
            const size_t param = plan.linkParams() + 2 * i;
            if (l.relu) {
                // The link's output: the chain's last output, or the next link's saved input.
                const torch::Tensor out = i + 1 == n ? lastOut : inputs[i + 1];
                const memory::desc outDesc = i + 1 == n ? lastOutDesc : savedInputDesc(*chain, links, i + 1);
                torch::Tensor moved = inLayout(g, gDesc, outDesc, s);
                if (!gOwned && moved.data_ptr() == g.data_ptr())
                    moved = moved.clone();
                g = moved;
                gOwned = true;
                gDesc = outDesc;
                s.wait();
                reluBackwardInPlace(g, out);
            }
            const bool weightsWanted = needs(param) || needs(param + 1);
            const memory::desc inputDesc = savedInputDesc(*chain, links, i);
            // V: the gradient of the link's output, or its input (a transposed link); S: its
            // input, the images, or the gradient of its few-channel output.
            memory::desc vDesc = l.transposed ? inputDesc : gDesc;
            // Ours where oneDNN's would first reorder what it reads (its AVX2 kernels); where
            // it reads both as they are (AVX-512), oneDNN's is the faster.
            if (weightsWanted && ownWeightGradient(links, plan.ends.head, i)
                && (gDesc != p.bwdWeightsDiffDst || inputDesc != p.bwdWeightsSrc) && ownKernelReads(vDesc)) {
                const memory::dims &vDims = l.transposed ? p.src : p.dst, &sDims = l.transposed ? p.dst : p.src;
                torch::Tensor v = l.transposed ? inputs[i] : g;
                if (!channelBlockedOrPlain(vDesc)) {
                    v = inLayout(v, vDesc, plainDesc(vDims), s);
                    vDesc = plainDesc(vDims);
                }
                const torch::Tensor sPlain = l.transposed ? inLayout(g, gDesc, plainDesc(sDims), s)
                                                          : inLayout(inputs[i], inputDesc, plainDesc(sDims), s);
                s.wait();
                torch::Tensor dW = torch::empty(saved[param].sizes(), torch::kFloat32);
                torch::Tensor db = torch::empty({l.out}, torch::kFloat32);
                fewChannelsWeightGrad(v.data_ptr<float>() + vDesc.data.offset0, layoutOf(vDesc), vDims[0], vDims[1],
                                      vDims[2], vDims[3], sPlain.data_ptr<float>(), sDims[1], sDims[2], sDims[3], l.kernel,
                                      l.stride, l.padding, dW.data_ptr<float>(), l.transposed ? nullptr : db.data_ptr<float>());
                if (l.transposed)
                    db = sPlain.view(sDims).sum({0, 2, 3});
                grads[1 + param] = dW;
                grads[2 + param] = db;
            }
            // g in the layout the backward passes read (both the same one, as a rule).
            torch::Tensor gWeights, gData;
            if (weightsWanted && !grads[1 + param].defined())
                gWeights = inLayout(g, gDesc, p.bwdWeightsDiffDst, s);
            if (i > 0 || plan.ends.head || ctx->needs_input_grad(0))
                gData = gWeights.defined() && p.bwdDataDiffDst == p.bwdWeightsDiffDst ? gWeights
                                                                                   : inLayout(g, gDesc, p.bwdDataDiffDst, s);
            if (gWeights.defined()) {
                const torch::Tensor src = inLayout(inputs[i], inputDesc, p.bwdWeightsSrc, s);
                torch::Tensor diffWeights = bufferFor(p.bwdWeightsDiffWeights);
                torch::Tensor diffBias = bufferFor(p.bwdWeightsDiffBias);
                executeWithScratchpad(p.bwdWeights, p.bwdWeightsScratch, s,
                                      {{DNNL_ARG_SRC, memoryOf(p.bwdWeightsSrc, src)},
                                       {DNNL_ARG_DIFF_DST, memoryOf(p.bwdWeightsDiffDst, gWeights)},
                                       {DNNL_ARG_DIFF_WEIGHTS, memoryOf(p.bwdWeightsDiffWeights, diffWeights)},
                                       {DNNL_ARG_DIFF_BIAS, memoryOf(p.bwdWeightsDiffBias, diffBias)}});
                grads[1 + param] = inLayout(diffWeights, p.bwdWeightsDiffWeights, weightsDesc(p), s)
                                       .view(saved[param].sizes());
                grads[2 + param] = inLayout(diffBias, p.bwdWeightsDiffBias, plainDesc(p.bias), s).view({l.out});
            }
            if (gData.defined()) {
                const torch::Tensor w = inLayout(saved[param].contiguous(), weightsDesc(p), p.bwdDataWeights, s);
                torch::Tensor diffSrc = bufferFor(p.bwdDataDiffSrc);
                executeWithScratchpad(p.bwdData, p.bwdDataScratch, s,
                                      {{DNNL_ARG_DIFF_DST, memoryOf(p.bwdDataDiffDst, gData)},
                                       {DNNL_ARG_WEIGHTS, memoryOf(p.bwdDataWeights, w)},
                                       {DNNL_ARG_DIFF_SRC, memoryOf(p.bwdDataDiffSrc, diffSrc)}});
                g = diffSrc;
                gOwned = true;
                gDesc = p.bwdDataDiffSrc;
            }
        }
        if (plan.ends.head) {
            const torch::Tensor& perm = chain->headPerm;
            torch::Tensor gHead = inLayout(g, gDesc, chain->headDesc, s);
            s.wait();
            if (plan.ends.headRelu)
                reluBackwardInPlace(gHead, ctx->saved_data["headOut"].toTensor());
            gHead = gHead.view({x.size(0), -1});
            if (needs(0))
                grads[1] = torch::zeros_like(saved[0]).index_copy_(0, perm, gHead.t().mm(x));
            if (needs(1))
                grads[2] = torch::zeros_like(saved[1]).index_copy_(0, perm, gHead.sum(0));
            if (ctx->needs_input_grad(0))
                grads[0] = gHead.mm(saved[0].index_select(0, perm));
        } else if (ctx->needs_input_grad(0)) {
            grads[0] = inLayout(g, gDesc, plainDesc(chain->links.front().src), s).view(chain->links.front().src);
        }
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

torch::Tensor convChain(const torch::Tensor& x, const std::vector<ConvLink>& links, const std::vector<torch::Tensor>& params,
                        const ConvChainEnds& ends)
{
    const size_t expected = 2 * links.size() + (ends.head ? 2 : 0) + (ends.tail ? 2 : 0);
    bool ok = convChainSupported(links) && params.size() == expected && x.device().is_cpu()
              && x.scalar_type() == torch::kFloat32;
    if (ok && ends.head)
        ok = x.dim() == 2 && params[0].dim() == 2 && params[0].size(1) == x.size(1)
             && params[0].size(0) == links[0].in * ends.headRows * ends.headCols;
    else if (ok)
        ok = x.dim() == 4 && x.size(1) == links[0].in;
    TORCH_CHECK(ok, "convChain: an unsupported chain or input");
    // As a TensorList, so that autograd sees the parameters as its inputs (a std::vector
    // would pass as an opaque argument).
    return ConvChainFunction::apply(x, at::TensorList(params), encode(links, ends));
}

} // namespace lx
