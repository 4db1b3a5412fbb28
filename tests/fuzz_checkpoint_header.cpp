// libFuzzer entry point: a checkpoint header's JSON, past its checksum (anyone can compute a
// CRC, so the parser must hold on its own). Whatever the text, reading the model's spec from
// it and planning its architecture must refuse with lx::Error or give a plan that is
// consistent: never crash, overflow or loop. A plan that is ok must have a positive number of
// weights that fits in int64 (loadCheckpoint compares it with the bytes the file holds).
#include "common/Error.h"
#include "model/ArchitecturePlan.h"
#include "model/ModelSpec.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char*>(data), int(size)));
    if (!doc.isObject())
        return 0;
    try {
        const lx::ModelSpec spec = lx::specFromJson(doc.object().value("spec").toObject());
        const lx::ArchitecturePlan plan = lx::planArchitecture(spec);
        if (plan.ok()) {
            const int64_t n = plan.parameterCount();
            if (n <= 0)
                __builtin_trap();
            // The round trip: a spec that was read writes back the same spec.
            if (!(lx::specFromJson(lx::specToJson(spec)) == spec))
                __builtin_trap();
        }
    } catch (const lx::Error&) {
    }
    return 0;
}
