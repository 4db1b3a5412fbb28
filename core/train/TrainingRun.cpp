#include "train/TrainingRun.h"

#include "common/Error.h"

#include <cmath>

namespace lx {

TrainingRun TrainingRun::create(const ModelSpec& spec, double learningRate, uint64_t seed)
{
    if (!(learningRate > 0) || !std::isfinite(learningRate))
        throw Error("the learning rate must be a positive number");
    torch::manual_seed(seed);
    TrainingRun run;
    run.spec = spec;
    run.model = Autoencoder(spec);
    run.learningRate = learningRate;
    run.optimizer = std::make_unique<torch::optim::Adam>(run.model->parameters(), torch::optim::AdamOptions(learningRate));
    return run;
}

int TrainingRun::epochsDone() const
{
    return wholeEpochs(history);
}

} // namespace lx
