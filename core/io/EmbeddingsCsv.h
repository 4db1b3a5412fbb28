#pragma once

#include "data/Dataset.h"

#include <string>
#include <vector>

namespace lx {

// The embeddings table the CLI's `embed` and the GUI's export write: a header
// `index,split,label,z0,…,z{D-1}`, then one row per image, training part first. `codes` holds
// (train + validation)×dim values in that order (a LatentCloud's codes). `index` is the
// image's place in its source file; `label` is empty for unlabelled data.
std::string embeddingsCsv(const DatasetSplits& data, const std::vector<float>& codes, int dim);

} // namespace lx
