// Precompiled for every target that uses LibTorch: parsing torch's headers once instead of
// in every file is most of a build's time on 2 cores.
#pragma once
#include <torch/torch.h>
