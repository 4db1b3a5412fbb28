#pragma once

#include <QJsonObject>

#include <string>
#include <vector>

namespace lx {

// What the window was showing, saved as a small JSON file (*.lxsession) beside the model's
// checkpoint, so that the same view comes back: the model and dataset, the map's view and
// hidden classes, the pins, the interpolation's ends, the arithmetic's choices.
struct SessionState {
    std::string model;   // the checkpoint or TorchScript file; relative to the session file if beside it
    std::string dataset; // a name (mnist, fashion) or a path
    double viewX[2] = {0, 0};
    double viewY[2] = {0, 0};
    bool hasView = false;
    std::vector<int> hiddenClasses;
    std::vector<std::vector<float>> pins;
    std::vector<float> interpolationA, interpolationB;
    double interpolationT = 0.5;
    bool slerp = false;
    int interpolationSteps = 8;
    int arithmeticFrom = 1, arithmeticTo = 8;
    double arithmeticStrength = 1.0;
    bool decodedGrid = false;
};

constexpr int kSessionVersion = 1;

QJsonObject sessionToJson(const SessionState& s);
// Throws lx::Error naming the field that is missing or wrong.
SessionState sessionFromJson(const QJsonObject& json);

// Written atomically. `path`'s folder is where a relative model path is relative to.
void writeSession(const std::string& path, const SessionState& s);
// Reads and checks the file; the model path comes back absolute.
SessionState readSession(const std::string& path);

} // namespace lx
