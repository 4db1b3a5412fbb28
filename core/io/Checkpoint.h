#pragma once

#include "train/TrainingRun.h"

#include <QJsonObject>

#include <string>

namespace lx {

// One file: 8-byte magic "LXCKPT\r\n", a 4-byte little-endian header length, a JSON header
// (format version, model spec, dataset, learning rate, history, payload size and CRC-32, and
// the CRC-32 of the header itself: an edited activation or learning rate is refused too),
// then LibTorch's archive of the weights and the optimizer state. Written atomically.
constexpr int kCheckpointVersion = 1;

// Refuses (lx::Error, nothing written) a model whose weights or last losses are not all finite
// (parametersAreFinite): a diverged run never replaces a good file.
void saveCheckpoint(const TrainingRun& run, const std::string& path);

// Every parameter and buffer of the model is finite (no NaN, no infinity), and so are its last
// epoch's training and validation losses: a model worth saving.
bool parametersAreFinite(const TrainingRun& run);

// Refuses, with lx::Error naming the file and the problem, anything that is not a complete
// checkpoint of a model it can build: wrong magic, damaged header or payload (CRC), a newer
// format, an invalid spec, a tensor missing or of another shape.
TrainingRun loadCheckpoint(const std::string& path);

// The header alone (cheap; validated like loadCheckpoint's, payload not read).
QJsonObject readCheckpointHeader(const std::string& path);

} // namespace lx
