#include "model/ArchitecturePlan.h"

#include "common/Error.h"

namespace lx {
namespace {

std::string side(const FeatureShape& s)
{
    return std::to_string(s.rows) + "×" + std::to_string(s.cols);
}

std::string convText(const char* name, int64_t in, const ConvLayerSpec& c, bool transposed)
{
    std::string t = std::string(name) + " " + std::to_string(in) + "→" + std::to_string(c.channels) + " k"
                    + std::to_string(c.kernel) + " s" + std::to_string(c.stride) + " p" + std::to_string(c.padding);
    if (transposed)
        t += " op" + std::to_string(c.outputPadding);
    return t;
}

class Planner {
public:
    explicit Planner(std::vector<PlannedLayer>& layers, FeatureShape start) : layers_(layers), shape_(start) {}

    const FeatureShape& shape() const { return shape_; }

    void add(PlannedLayer layer, FeatureShape out)
    {
        layer.in = shape_;
        layer.out = out;
        layers_.push_back(layer);
        shape_ = out;
    }
    void activation(Activation a, bool batchNorm)
    {
        if (batchNorm) {
            PlannedLayer bn;
            bn.type = LayerType::BatchNorm;
            add(bn, shape_);
        }
        PlannedLayer act;
        act.type = LayerType::Act;
        act.activation = a;
        add(act, shape_);
    }
    void linear(int64_t outFeatures)
    {
        PlannedLayer l;
        l.type = LayerType::Linear;
        add(l, FeatureShape{outFeatures, 0, 0, true});
    }

private:
    std::vector<PlannedLayer>& layers_;
    FeatureShape shape_;
};

} // namespace

std::string FeatureShape::text() const
{
    if (flat)
        return std::to_string(channels);
    return std::to_string(channels) + "×" + std::to_string(rows) + "×" + std::to_string(cols);
}

std::string PlannedLayer::describe() const
{
    switch (type) {
    case LayerType::Conv: return convText("Conv2d", in.channels, conv, false);
    case LayerType::ConvTranspose: return convText("ConvTranspose2d", in.channels, conv, true);
    case LayerType::Linear: return "Linear " + std::to_string(in.size()) + "→" + std::to_string(out.size());
    case LayerType::BatchNorm: return in.flat ? "BatchNorm1d" : "BatchNorm2d";
    case LayerType::Flatten: return "Flatten";
    case LayerType::Unflatten: return "Unflatten";
    case LayerType::Sigmoid: return "Sigmoid";
    case LayerType::Act:
        switch (activation) {
        case Activation::LeakyRelu: return "LeakyReLU";
        case Activation::Silu: return "SiLU";
        case Activation::Relu: return "ReLU";
        }
    }
    return "?";
}

int64_t PlannedLayer::parameterCount() const
{
    switch (type) {
    case LayerType::Conv:
    case LayerType::ConvTranspose:
        return in.channels * conv.channels * conv.kernel * conv.kernel + conv.channels;
    case LayerType::Linear: return in.size() * out.size() + out.size();
    case LayerType::BatchNorm: return 2 * in.channels;
    default: return 0;
    }
}

int64_t ArchitecturePlan::parameterCount() const
{
    int64_t n = 0;
    for (const auto* part : {&encoder, &decoder})
        for (const PlannedLayer& l : *part)
            n += l.parameterCount();
    return n;
}

namespace {

ArchitecturePlan plan(const ModelSpec& spec, bool searchFix);

const char* const kFieldNames[5] = {"channels", "kernel", "stride", "padding", "output_padding"};

int& field(ConvLayerSpec& c, int column)
{
    int* fields[5] = {&c.channels, &c.kernel, &c.stride, &c.padding, &c.outputPadding};
    return *fields[column];
}

// "decoder layer 1: padding 0 → 1" for the fix found in `plan`.
std::string fixText(const ModelSpec& spec, const ArchitecturePlan& plan)
{
    const int encoders = int(spec.encoderConvs.size());
    const bool decoder = plan.fixRow >= encoders;
    ConvLayerSpec c = decoder ? spec.decoderConvs[size_t(plan.fixRow - encoders)] : spec.encoderConvs[size_t(plan.fixRow)];
    return std::string(decoder ? "decoder" : "encoder") + " layer " + std::to_string((decoder ? plan.fixRow - encoders : plan.fixRow) + 1)
           + ": " + kFieldNames[plan.fixColumn] + " " + std::to_string(field(c, plan.fixColumn)) + " → "
           + std::to_string(plan.fixValue);
}

} // namespace

// Tries one value at a time: the decoder's convolutions from the last back (output_padding,
// padding, kernel, stride), then the encoder's (padding, kernel, stride).
bool findFix(const ModelSpec& spec, ArchitecturePlan& found)
{
    const int encoders = int(spec.encoderConvs.size()), decoders = int(spec.decoderConvs.size());
    auto tryRow = [&](int row, std::initializer_list<int> columns) {
        for (int column : columns) {
            const int lo = column == 3 || column == 4 ? 0 : 1, hi = column == 1 ? 7 : column == 2 ? 3 : 4;
            for (int v = lo; v <= hi; ++v) {
                ModelSpec changed = spec;
                ConvLayerSpec& c = row < encoders ? changed.encoderConvs[size_t(row)]
                                                  : changed.decoderConvs[size_t(row - encoders)];
                if (field(c, column) == v)
                    continue;
                field(c, column) = v;
                if (plan(changed, false).ok()) { // (no search of its own: one change only)
                    found.fixRow = row;
                    found.fixColumn = column;
                    found.fixValue = v;
                    return true;
                }
            }
        }
        return false;
    };
    for (int row = encoders + decoders - 1; row >= encoders; --row)
        if (tryRow(row, {4, 3, 1, 2}))
            return true;
    for (int row = encoders - 1; row >= 0; --row)
        if (tryRow(row, {3, 1, 2}))
            return true;
    return false;
}

ArchitecturePlan planArchitecture(const ModelSpec& spec)
{
    return plan(spec, true);
}

namespace {

ArchitecturePlan plan(const ModelSpec& spec, bool searchFix)
{
    ArchitecturePlan plan;
    const FeatureShape image{1, spec.imageRows, spec.imageCols, false};

    // Encoder: convolutions, flatten, hidden layers, code.
    Planner enc(plan.encoder, image);
    for (size_t i = 0; i < spec.encoderConvs.size(); ++i) {
        const ConvLayerSpec& c = spec.encoderConvs[i];
        const FeatureShape in = enc.shape();
        const int64_t rows = (in.rows + 2 * c.padding - c.kernel) / c.stride + 1;
        const int64_t cols = (in.cols + 2 * c.padding - c.kernel) / c.stride + 1;
        if (in.rows + 2 * c.padding < c.kernel || in.cols + 2 * c.padding < c.kernel || rows < 1 || cols < 1) {
            plan.problem = "encoder layer " + std::to_string(i + 1) + " (" + convText("Conv2d", in.channels, c, false)
                           + ") gets a " + side(in) + " input, smaller than its kernel with padding "
                           + std::to_string(c.padding) + ": use fewer or gentler strided layers, or more padding";
            return plan;
        }
        PlannedLayer l;
        l.type = LayerType::Conv;
        l.conv = c;
        enc.add(l, FeatureShape{c.channels, rows, cols, false});
        enc.activation(spec.activation, spec.batchNorm);
    }
    const FeatureShape grid = enc.shape(); // what the decoder must rebuild before its convolutions
    PlannedLayer flatten;
    flatten.type = LayerType::Flatten;
    enc.add(flatten, FeatureShape{grid.size(), 0, 0, true});
    for (int width : spec.encoderHidden) {
        enc.linear(width);
        enc.activation(spec.activation, spec.batchNorm);
    }
    enc.linear(spec.isVae() ? 2 * spec.latentDim : spec.latentDim);

    // Decoder: hidden layers, back to the grid, transposed convolutions, sigmoid.
    Planner dec(plan.decoder, FeatureShape{spec.latentDim, 0, 0, true});
    for (int width : spec.decoderHidden) {
        dec.linear(width);
        dec.activation(spec.activation, spec.batchNorm);
    }
    dec.linear(grid.size());
    if (!spec.decoderConvs.empty())
        dec.activation(spec.activation, spec.batchNorm);
    PlannedLayer unflatten;
    unflatten.type = LayerType::Unflatten;
    dec.add(unflatten, grid);
    for (size_t i = 0; i < spec.decoderConvs.size(); ++i) {
        const ConvLayerSpec& c = spec.decoderConvs[i];
        const FeatureShape in = dec.shape();
        if (c.outputPadding >= c.stride) {
            plan.problem = "decoder layer " + std::to_string(i + 1) + ": output_padding " + std::to_string(c.outputPadding)
                           + " must be smaller than the stride " + std::to_string(c.stride);
            return plan;
        }
        const int64_t rows = (in.rows - 1) * c.stride - 2 * c.padding + c.kernel + c.outputPadding;
        const int64_t cols = (in.cols - 1) * c.stride - 2 * c.padding + c.kernel + c.outputPadding;
        if (rows < 1 || cols < 1) {
            plan.problem = "decoder layer " + std::to_string(i + 1) + " (" + convText("ConvTranspose2d", in.channels, c, true)
                           + ") gives nothing from a " + side(in) + " input: its padding is too large";
            return plan;
        }
        PlannedLayer l;
        l.type = LayerType::ConvTranspose;
        l.conv = c;
        dec.add(l, FeatureShape{c.channels, rows, cols, false});
        if (i + 1 < spec.decoderConvs.size())
            dec.activation(spec.activation, spec.batchNorm);
    }
    PlannedLayer sigmoid;
    sigmoid.type = LayerType::Sigmoid;
    dec.add(sigmoid, dec.shape());

    const FeatureShape out = dec.shape();
    if (out.channels != 1) {
        plan.problem = "the decoder's last layer gives " + std::to_string(out.channels)
                       + " channels; a greyscale image has 1";
    } else if (out.rows != image.rows || out.cols != image.cols) {
        plan.problem = "decoder gives " + side(out) + ", expected " + side(image);
        if (searchFix && !spec.decoderConvs.empty() && findFix(spec, plan)) {
            const bool lastOutputPadding = plan.fixColumn == 4 && plan.fixRow == int(spec.encoderConvs.size() + spec.decoderConvs.size()) - 1;
            if (lastOutputPadding) // the lecture's own case, said the lecture's way
                plan.problem += ": output_padding = " + std::to_string(plan.fixValue) + " on the last layer fixes it";
            else
                plan.problem += ": " + fixText(spec, plan) + " fixes it";
        } else if (searchFix && !spec.decoderConvs.empty()) {
            plan.problem += ": no single value fixes it; change the strides, padding or output_padding so the sizes meet";
        }
    }
    return plan;
}

} // namespace

ArchitecturePlan validPlan(const ModelSpec& spec)
{
    ArchitecturePlan plan = planArchitecture(spec);
    if (!plan.ok())
        throw Error("architecture '" + spec.arch + "' cannot work: " + plan.problem);
    return plan;
}

} // namespace lx
