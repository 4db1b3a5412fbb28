#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lx {

// The map's codes (and a VAE's posterior log σ²) kept beside a checkpoint (<checkpoint>.codes), so that reopening a model
// draws its map at once instead of encoding every image again (fashion: 70,000 images, 2–4 s
// on 2 cores). A cache is only ever used for the exact checkpoint it was written with (the
// CRC-32 of the checkpoint's payload) and the same dataset (name, sizes of both parts, code
// size); anything else, or any damage, and it is ignored: the codes are computed as before.
struct CodesCache {
    uint32_t checkpointCrc = 0;
    std::string dataset;
    int64_t trainCount = 0;
    int64_t validationCount = 0;
    int dim = 0;
    bool withLogVar = false;   // a VAE's: its posterior log σ² is kept beside the codes
    std::vector<float> codes;  // (train + validation)×dim
    std::vector<float> logVar; // the same shape when withLogVar, else empty
};

std::string codesCachePath(const std::string& checkpointPath);

// Written atomically; throws lx::Error if it cannot be.
void writeCodesCache(const std::string& path, const CodesCache& cache);

// The cache if it exists, is intact and matches `expected` (everything but the codes); else
// nothing. Never throws for a bad or stale file.
std::optional<CodesCache> readCodesCache(const std::string& path, const CodesCache& expected);

} // namespace lx
