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
    // Taken between two training steps: the trainer has the cores, so batches decode on the
    // calling thread alone. Otherwise (idle, paused, a model just opened) a batch of images
    // (a grid, a strip) decodes on all of them.
    bool midTraining = false;
};

// A snapshot of `model`'s current weights (a deep copy, so training can go on).
ModelSnapshotPtr snapshotOf(const Autoencoder& model, bool midTraining = false);
// A snapshot of a model that does not change (a TorchScript module): shared, not copied.
ModelSnapshotPtr snapshotOf(std::shared_ptr<LatentModel> model, bool midTraining = false);

// Snapshots of a model in training, taken several times a second (as snapshotOf(model)).
// Cloning the module each time cost 31 ms on `conv` (a new module's random initialisation and
// the copy into fresh memory), 12 % of the worker's time in the window: a copy that no
// snapshot holds any more is overwritten in place instead. Used by one thread at a time.
class SnapshotRecycler {
public:
    ModelSnapshotPtr take(const Autoencoder& model, bool midTraining);

private:
    std::weak_ptr<AutoencoderImpl> source_;
    std::vector<std::shared_ptr<NativeModel>> copies_; // at most kCopies, each free or in a snapshot
    static constexpr size_t kCopies = 3;
};

} // namespace lx
