#include "io/SessionFile.h"

#include "common/Error.h"
#include "io/AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>
#include <limits>

namespace lx {
namespace {

QJsonArray floats(const std::vector<float>& v)
{
    QJsonArray a;
    for (float x : v)
        a.append(double(x));
    return a;
}

std::vector<float> floatsFrom(const QJsonValue& value, const char* field, size_t maxSize = 4096)
{
    if (!value.isArray())
        throw Error(std::string("session: ") + field + " must be a list of numbers");
    const QJsonArray a = value.toArray();
    if (size_t(a.size()) > maxSize)
        throw Error(std::string("session: ") + field + " is too long");
    std::vector<float> v;
    for (const QJsonValue& x : a) {
        if (!x.isDouble() || !std::isfinite(x.toDouble()))
            throw Error(std::string("session: ") + field + " must hold finite numbers only");
        if (std::fabs(x.toDouble()) > double(std::numeric_limits<float>::max())) // would become ±inf
            throw Error(std::string("session: ") + field + " holds " + QString::number(x.toDouble(), 'g', 6).toStdString()
                        + ", beyond what a code can be (±3.4e+38)");
        v.push_back(float(x.toDouble()));
    }
    return v;
}

double number(const QJsonObject& o, const char* field, double lo, double hi)
{
    const QJsonValue v = o.value(field);
    if (!v.isDouble() || !(v.toDouble() >= lo && v.toDouble() <= hi))
        throw Error(std::string("session: ") + field + " must be a number from " + QString::number(lo).toStdString()
                    + " to " + QString::number(hi).toStdString());
    return v.toDouble();
}

// A count or a class number: 2.7 is refused, not quietly read as 2.
int wholeNumber(const QJsonObject& o, const char* field, int lo, int hi)
{
    const double v = number(o, field, lo, hi);
    if (v != std::floor(v))
        throw Error(std::string("session: ") + field + " must be a whole number from " + std::to_string(lo) + " to "
                    + std::to_string(hi) + ", not " + QString::number(v).toStdString());
    return int(v);
}

void range(const QJsonObject& view, const char* field, double out[2])
{
    const std::vector<float> r = floatsFrom(view.value(field), field, 2);
    if (r.size() != 2 || !(r[1] > r[0]))
        throw Error(std::string("session: view.") + field + " must be [low, high] with low < high");
    out[0] = r[0];
    out[1] = r[1];
}

} // namespace

QJsonObject sessionToJson(const SessionState& s)
{
    QJsonObject o{{"format", "latent-explorer-session"},
                  {"version", kSessionVersion},
                  {"model", QString::fromStdString(s.model)},
                  {"dataset", QString::fromStdString(s.dataset)},
                  {"decoded_grid", s.decodedGrid}};
    if (s.hasView)
        o["view"] = QJsonObject{{"x", QJsonArray{s.viewX[0], s.viewX[1]}}, {"y", QJsonArray{s.viewY[0], s.viewY[1]}}};
    QJsonArray hidden;
    for (int c : s.hiddenClasses)
        hidden.append(c);
    o["hidden_classes"] = hidden;
    QJsonArray pins;
    for (const auto& p : s.pins)
        pins.append(floats(p));
    o["pins"] = pins;
    o["interpolation"] = QJsonObject{{"a", floats(s.interpolationA)},
                                     {"b", floats(s.interpolationB)},
                                     {"t", s.interpolationT},
                                     {"path", s.slerp ? "slerp" : "linear"},
                                     {"steps", s.interpolationSteps}};
    o["arithmetic"] = QJsonObject{{"from", s.arithmeticFrom}, {"to", s.arithmeticTo}, {"strength", s.arithmeticStrength}};
    return o;
}

SessionState sessionFromJson(const QJsonObject& o)
{
    if (o.value("format").toString() != "latent-explorer-session")
        throw Error("not a Latent Explorer session (no \"format\": \"latent-explorer-session\")");
    const int version = o.value("version").toInt(-1);
    if (version < 1)
        throw Error("session: version must be a positive whole number");
    if (version > kSessionVersion)
        throw Error("session: written by a newer Latent Explorer (format " + std::to_string(version) + ")");
    SessionState s;
    if (!o.value("model").isString() || o.value("model").toString().isEmpty())
        throw Error("session: model must name the model file");
    s.model = o.value("model").toString().toStdString();
    if (!o.value("dataset").isString() || o.value("dataset").toString().isEmpty())
        throw Error("session: dataset must name the dataset");
    s.dataset = o.value("dataset").toString().toStdString();
    s.decodedGrid = o.value("decoded_grid").toBool(false);
    if (o.contains("view")) {
        const QJsonObject view = o.value("view").toObject();
        range(view, "x", s.viewX);
        range(view, "y", s.viewY);
        s.hasView = true;
    }
    for (float c : floatsFrom(o.value("hidden_classes"), "hidden_classes", 256)) {
        if (c < 0 || c > 255 || c != std::floor(c))
            throw Error("session: hidden_classes must hold class numbers 0 to 255");
        s.hiddenClasses.push_back(int(c));
    }
    if (!o.value("pins").isArray() || o.value("pins").toArray().size() > 10000)
        throw Error("session: pins must be a list of codes");
    for (const QJsonValue& p : o.value("pins").toArray())
        s.pins.push_back(floatsFrom(p, "pins"));
    const QJsonObject in = o.value("interpolation").toObject();
    s.interpolationA = floatsFrom(in.value("a"), "interpolation.a");
    s.interpolationB = floatsFrom(in.value("b"), "interpolation.b");
    s.interpolationT = number(in, "t", 0, 1);
    const QString path = in.value("path").toString();
    if (path != "linear" && path != "slerp")
        throw Error("session: interpolation.path must be linear or slerp");
    s.slerp = path == "slerp";
    s.interpolationSteps = wholeNumber(in, "steps", 2, 16);
    const QJsonObject ar = o.value("arithmetic").toObject();
    s.arithmeticFrom = wholeNumber(ar, "from", 0, 255);
    s.arithmeticTo = wholeNumber(ar, "to", 0, 255);
    s.arithmeticStrength = number(ar, "strength", -1, 2);
    return s;
}

void writeSession(const std::string& path, const SessionState& s)
{
    SessionState copy = s;
    // A model beside the session file is stored by its name alone, so the pair can be moved.
    const QFileInfo model(QString::fromStdString(s.model));
    if (model.absolutePath() == QFileInfo(QString::fromStdString(path)).absolutePath())
        copy.model = model.fileName().toStdString();
    const QByteArray bytes = QJsonDocument(sessionToJson(copy)).toJson(QJsonDocument::Indented);
    writeFileAtomically(path, bytes.constData(), size_t(bytes.size()));
}

SessionState readSession(const std::string& path)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        throw Error(path + ": cannot open (" + f.errorString().toStdString() + ")");
    if (f.size() > (16 << 20))
        throw Error(path + ": too large to be a session file");
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &error);
    if (!doc.isObject())
        throw Error(path + ": not a session file (" +
                    (error.error != QJsonParseError::NoError ? error.errorString().toStdString() : "not a JSON object") +
                    ")");
    try {
        SessionState s = sessionFromJson(doc.object());
        const QFileInfo model(QString::fromStdString(s.model));
        if (model.isRelative())
            s.model = QFileInfo(QString::fromStdString(path)).absoluteDir().filePath(model.filePath()).toStdString();
        return s;
    } catch (const Error& e) {
        throw Error(path + ": " + e.what());
    }
}

} // namespace lx
