#pragma once
// Private to ui/*.cpp files that include torch first: the inside of a ModelSnapshot.

#include "model/Autoencoder.h"

#include "bridge/ModelSnapshot.h"

namespace lx::ui {

struct ModelSnapshot::Impl {
    Autoencoder model{nullptr}; // a deep copy in eval mode; never trained, never changed
};

// A snapshot of `model`'s current weights (a deep copy, so training can go on).
ModelSnapshotPtr snapshotOf(const Autoencoder& model);

} // namespace lx::ui
