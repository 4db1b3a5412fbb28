#pragma once
// Private to ui/*.cpp files that include torch first: the inside of a ModelSnapshot.

#include "model/Autoencoder.h"
#include "model/LatentModel.h"

#include "session/ModelSnapshot.h"

namespace lx {

struct ModelSnapshot::Impl {
    // A native model: a deep copy in eval mode, never trained, never changed. A TorchScript
    // model: the loaded module itself (it is never trained either).
    std::shared_ptr<LatentModel> model;
};

// A snapshot of `model`'s current weights (a deep copy, so training can go on).
ModelSnapshotPtr snapshotOf(const Autoencoder& model);
// A snapshot of a model that does not change (a TorchScript module): shared, not copied.
ModelSnapshotPtr snapshotOf(std::shared_ptr<LatentModel> model);

} // namespace lx
