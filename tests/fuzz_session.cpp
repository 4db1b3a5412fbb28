// libFuzzer entry point: a session file's text. Whatever it holds, reading it must refuse with
// lx::Error or give a state whose numbers are all finite and in their ranges: never crash,
// overflow a float (±1e300 once became ±inf) or truncate silently.
#include "common/Error.h"
#include "io/SessionFile.h"

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace {

void mustBeFinite(const std::vector<float>& v)
{
    for (float x : v)
        if (!std::isfinite(x))
            __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char*>(data), int(size)));
    if (!doc.isObject())
        return 0;
    try {
        const lx::SessionState s = lx::sessionFromJson(doc.object());
        for (const auto& pin : s.pins)
            mustBeFinite(pin);
        mustBeFinite(s.interpolationA);
        mustBeFinite(s.interpolationB);
        if (s.hasView
            && !(std::isfinite(s.viewX[0]) && std::isfinite(s.viewX[1]) && s.viewX[0] < s.viewX[1]
                 && std::isfinite(s.viewY[0]) && std::isfinite(s.viewY[1]) && s.viewY[0] < s.viewY[1]))
            __builtin_trap();
        if (s.interpolationSteps < 2 || s.interpolationSteps > 16 || !(s.interpolationT >= 0 && s.interpolationT <= 1))
            __builtin_trap();
        if (s.arithmeticFrom < 0 || s.arithmeticFrom > 255 || s.arithmeticTo < 0 || s.arithmeticTo > 255)
            __builtin_trap();
        // What was read writes back and reads again the same.
        const lx::SessionState again = lx::sessionFromJson(lx::sessionToJson(s));
        if (again.pins != s.pins || again.interpolationSteps != s.interpolationSteps)
            __builtin_trap();
    } catch (const lx::Error&) {
    }
    return 0;
}
