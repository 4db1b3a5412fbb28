#pragma once

#include <QJsonObject>

#include <string>
#include <vector>

namespace lx {

// Umap: an autoencoder whose 2-D code is also pulled towards a UMAP layout of the training
// images (see ModelSpec::umapWeight): its map is as clear as UMAP's and still decodes.
enum class ModelKind { Autoencoder, Vae, Umap };
enum class LossKind { Mse, Bce };
enum class Activation { Relu, LeakyRelu, Silu };

// One convolution (encoder) or transposed convolution (decoder); `channels` is its output.
struct ConvLayerSpec {
    int channels = 32;
    int kernel = 3;
    int stride = 2;
    int padding = 1;
    int outputPadding = 0; // transposed convolutions only

    bool operator==(const ConvLayerSpec& o) const;
};

// An architecture described as data: the checkpoint header, the shape panel and the CLI's
// `inspect` all read this one struct, and the modules are built from it.
//   encoder: [conv + act]* → flatten → [linear + act]* → linear → D (2·D for a VAE: μ, log σ²)
//   decoder: linear(D → …) [+ act]* → linear → the encoder's last feature grid → unflatten
//            → [transposed conv + act]* with the last one followed by a sigmoid
// With no convolutions (an MLP) the decoder's last linear produces the image itself.
struct ModelSpec {
    ModelKind kind = ModelKind::Autoencoder;
    std::string arch = "conv"; // preset name, or "custom"
    int latentDim = 2;
    LossKind loss = LossKind::Mse;
    double beta = 1.0; // VAE: weight of the KL term
    // Training only: the σ of Gaussian noise added to every training image, which the model
    // must map back to the clean image (a denoising autoencoder). 0: a plain autoencoder.
    double inputNoise = 0.0;
    // Training only, augmentation: each training image moved by up to shiftAugment pixels in
    // x and y, turned by up to rotateAugment degrees and scaled by up to ±scaleAugment (each
    // drawn at random, bilinear, zero filling) before the model sees it, the untouched image
    // its target (as with inputNoise): codes that hold still under the commonest variations
    // between handwritten digits generalise better to images the model has not seen.
    int shiftAugment = 0;
    double rotateAugment = 0.0;
    double scaleAugment = 0.0;
    // Training only: the last fraction of each run trains the decoder alone, on the codes of
    // the clean training images (the encoder, and so the map, stand still; its batch statistics
    // first measured afresh on those clean images): the decoder learns to decode the codes as
    // they will be, not their noisy and augmented neighbours. 0: off.
    double decoderFinish = 0.0;
    // A UMAP-regularised model (kind Umap, latent 2): training first lays the training images
    // out by UMAP (latent/Umap.h: k = umapNeighbours, umapMinDist) and adds
    // umapWeight · ‖z − y‖² (y the image's place in that layout; mean over the batch) to the
    // reconstruction loss, so that the encoder's codes keep the images' neighbourhoods.
    double umapWeight = 0.001; // presetSpec: 0.03 on upright photographs (datasetIsUpright)
    int umapNeighbours = 15;
    double umapMinDist = 0.1;
    // Whether the layout's neighbours are found among the training images with their slant
    // undone (data/Deskew.h), where handwritten digits find their own kind far more often.
    // The encoder still sees the images as they are. (Older files: false.)
    bool umapDeskew = false;
    // The layout's neighbours found among the training images' pixel values (0..1) raised to
    // this power: below 1 it lifts a garment's faint texture and dark parts against its bright
    // ones, so that shape counts more than brightness (fashion's 15 nearest neighbours share
    // the label 75.1 % of the time as they are, 77.6 % at 0.3). 1: the images as they are.
    // (Older files: 1.)
    double umapGamma = 1.0;
    int imageRows = 28;
    int imageCols = 28;
    Activation activation = Activation::Relu;
    bool batchNorm = false; // after every hidden layer (not after the code or the output)
    std::vector<ConvLayerSpec> encoderConvs;
    std::vector<int> encoderHidden;
    std::vector<int> decoderHidden;
    std::vector<ConvLayerSpec> decoderConvs;

    bool isVae() const { return kind == ModelKind::Vae; }
    bool isUmap() const { return kind == ModelKind::Umap; }
    // Whether training moves, turns or scales its images (augmentedImages).
    bool augments() const { return shiftAugment > 0 || rotateAugment > 0 || scaleAugment > 0; }
    bool operator==(const ModelSpec& o) const;
    bool operator!=(const ModelSpec& o) const { return !(*this == o); }
};

// The presets: "lecture" (exactly the lecture's conv autoencoder), "conv" (our default),
// "mlp" (fully connected). Throws lx::Error for an unknown name. `dataset`, the name or path
// of the images it will train on, tunes a UMAP model's augmentation and its layout's deskewing:
// none of either for clothes (datasetIsUpright).
ModelSpec presetSpec(const std::string& arch, int latentDim = 2, ModelKind kind = ModelKind::Autoencoder,
                     LossKind loss = LossKind::Mse, const std::string& dataset = {});

// Whether a dataset's images are photographed upright, centred and of one size (`fashion`, by
// name or path): moved, turned or scaled copies then pass for another class rather than the
// same one drawn otherwise (a UMAP model on fashion, 180 s: 5-NN 0.701 with the digits'
// augmentation, 0.709 with shifts alone, 0.721 without; bench/RESULTS.md, session 10).
bool datasetIsUpright(const std::string& dataset);
std::vector<std::string> presetNames();

QJsonObject specToJson(const ModelSpec& spec);
ModelSpec specFromJson(const QJsonObject& json); // throws lx::Error saying which field is wrong

// Throws lx::Error for settings no model can have (a UMAP model's k < 2, weight < 0, min_dist
// outside (0, 1], a latent size other than 2).
void checkSpec(const ModelSpec& spec);

std::string kindName(ModelKind kind);     // "ae" / "vae" / "umap"
std::string kindTitle(ModelKind kind);    // "AE" / "VAE" / "UMAP-AE", for people
std::string lossName(LossKind loss);      // "mse" / "bce"
std::string activationName(Activation a); // "relu" / "leaky_relu" / "silu"
ModelKind parseKind(const std::string& s);
LossKind parseLoss(const std::string& s);
Activation parseActivation(const std::string& s);

} // namespace lx
