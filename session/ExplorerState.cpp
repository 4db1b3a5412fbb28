#include "session/ExplorerState.h"

#include "data/Dataset.h"
#include "io/SessionFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>

namespace lx {
namespace {

// Sets `member` to `value`; true if that changed it (then the caller says so).
template <typename T>
bool changeTo(T& member, T value)
{
    if (member == value)
        return false;
    member = std::move(value);
    return true;
}

} // namespace

ExplorerState::ExplorerState(TrainingSession* session, QObject* parent)
    : QObject(parent), session_(session), pins_(new PinsModel(this))
{
    connect(session_, &TrainingSession::modelChanged, this, [this] {
        // The old model's points mean nothing to the new one.
        pins_->clear();
        interpolation_.a.clear();
        interpolation_.b.clear();
        pendingModelArrived_ = pending_ != nullptr;
        Q_EMIT modelChanged();
        Q_EMIT pinsChanged();
        Q_EMIT interpolationChanged();
        applyPendingSession();
    });
    connect(session_, &TrainingSession::snapshotUpdated, this, [this] {
        // Pins show what the decoder makes of their codes now, as every other panel does.
        const ModelSnapshotPtr model = session_->snapshot();
        if (model && pins_->rowCount() > 0) {
            std::vector<float> all;
            for (const std::vector<float>& z : pins_->codes())
                if (int(z.size()) == model->latentDim())
                    all.insert(all.end(), z.begin(), z.end());
            pins_->setImages(model->decodeMany(all));
        }
        Q_EMIT weightsChanged();
    });
    connect(session_, &TrainingSession::datasetChanged, this, [this] {
        classNames_.clear();
        if (const DatasetPtr data = session_->dataset())
            for (const std::string& n : data->classNames)
                classNames_.push_back(QString::fromStdString(n));
        hidden_.clear();
        Q_EMIT datasetChanged();
        Q_EMIT hiddenClassesChanged();
    });
    connect(session_, &TrainingSession::cloudChanged, this, [this] {
        setCloud(session_->cloud());
        applyPendingSession();
    });
    connect(session_, &TrainingSession::failed, this, [this](const QString& message) {
        if (!pending_)
            return;
        pending_.reset();
        Q_EMIT sessionFailed(pendingPath_, message);
    });
}

ExplorerState::~ExplorerState() = default;

void ExplorerState::setCloud(CloudPtr cloud)
{
    cloud_ = cloud;
    exactSource_ = std::move(cloud);
    ++cloudGeneration_;
    Q_EMIT cloudChanged();
}

ExplorerState::Current ExplorerState::current() const
{
    const TrainingSession::Current now = session_->current();
    // The map's cloud must be (or be laid out from) the session's cloud of this instant:
    // the session replaces model and cloud together, so then they belong together.
    if (!now.model || !cloud_ || now.cloud != exactSource_ || cloud_->dim != now.model->latentDim())
        return {};
    return {now.model, cloud_, now.dataset};
}

std::vector<float> ExplorerState::codeAt(QPointF plane, qint64 point) const
{
    if (!cloud_)
        return {};
    if (point >= 0 && point < cloud_->count())
        return std::vector<float>(cloud_->codes.begin() + point * cloud_->dim,
                                  cloud_->codes.begin() + (point + 1) * cloud_->dim);
    return cloud_->projection.unproject(plane.x(), plane.y());
}

QImage ExplorerState::datasetImage(qint64 point) const
{
    const DatasetPtr data = session_->dataset();
    if (!data || point < 0 || point >= data->totalCount())
        return {};
    const Dataset& part = point < data->train.count ? data->train : data->validation;
    const int64_t i = point < data->train.count ? point : point - data->train.count;
    return greyImage(part.image(i), part.rows, part.cols);
}

QString ExplorerState::labelText(qint64 point) const
{
    if (!cloud_ || point < 0 || point >= cloud_->count())
        return {};
    const int label = cloud_->labels.empty() ? -1 : cloud_->labels[size_t(point)];
    const QString text = label >= 0 && size_t(label) < classNames_.size() ? classNames_[size_t(label)] : tr("unlabelled");
    return text + (cloud_->isValidation(point) ? tr(" (validation)") : QString());
}

bool ExplorerState::showNeighbourhoodMap(CloudPtr layout, const CloudPtr& from)
{
    if (!layout || !from || from != session_->cloud())
        return false; // the codes moved on meanwhile
    cloud_ = std::move(layout);
    exactSource_ = from;
    ++cloudGeneration_;
    Q_EMIT cloudChanged();
    return true;
}

void ExplorerState::showExactProjection()
{
    if (cloud_ != session_->cloud())
        setCloud(session_->cloud());
}

void ExplorerState::pin(const std::vector<float>& z)
{
    const ModelSnapshotPtr model = session_->snapshot();
    if (!model || int(z.size()) != model->latentDim())
        return;
    pins_->add(z, model->decode(z));
    Q_EMIT pinsChanged();
}

int ExplorerState::pickEnd(const std::vector<float>& z)
{
    const bool setA = interpolation_.a.empty() || !interpolation_.b.empty();
    if (setA) {
        interpolation_.a = z;
        interpolation_.b.clear();
    } else {
        interpolation_.b = z;
    }
    Q_EMIT interpolationChanged();
    return setA ? 0 : 1;
}

void ExplorerState::setEnds(const std::vector<float>& a, const std::vector<float>& b)
{
    interpolation_.a = a;
    interpolation_.b = a.empty() ? std::vector<float>() : b;
    Q_EMIT interpolationChanged();
}

void ExplorerState::clearEnds()
{
    setEnds({}, {});
}

void ExplorerState::setInterpolationPosition(double t)
{
    if (changeTo(interpolation_.t, std::clamp(t, 0.0, 1.0)))
        Q_EMIT interpolationChanged();
}

void ExplorerState::setPathKind(PathKind kind)
{
    if (changeTo(interpolation_.kind, kind))
        Q_EMIT interpolationChanged();
}

void ExplorerState::setStripLength(int steps)
{
    if (changeTo(interpolation_.steps, std::clamp(steps, 2, 64)))
        Q_EMIT interpolationChanged();
}

void ExplorerState::setArithmetic(const Arithmetic& a)
{
    if (a.from == arithmetic_.from && a.to == arithmetic_.to && a.strength == arithmetic_.strength)
        return;
    arithmetic_ = a;
    Q_EMIT arithmeticChanged();
}

void ExplorerState::setHiddenClasses(std::vector<int> hidden)
{
    std::sort(hidden.begin(), hidden.end());
    hidden.erase(std::unique(hidden.begin(), hidden.end()), hidden.end());
    if (changeTo(hidden_, std::move(hidden)))
        Q_EMIT hiddenClassesChanged();
}

void ExplorerState::setDecodedGridShown(bool shown)
{
    if (changeTo(decodedGrid_, shown))
        Q_EMIT decodedGridShownChanged(shown);
}

QString ExplorerState::saveSession(const QString& path)
{
    const ModelSnapshotPtr model = session_->snapshot();
    if (!model)
        return tr("there is no model to save a session of");
    SessionState s;
    s.dataset = session_->datasetName().toStdString(); // the session's, as it is now
    s.hasView = view_.isValid();
    s.viewX[0] = view_.left();
    s.viewX[1] = view_.right();
    s.viewY[0] = view_.top();
    s.viewY[1] = view_.bottom();
    s.hiddenClasses = hidden_;
    s.pins = pins_->codes();
    s.interpolationA = interpolation_.a;
    s.interpolationB = interpolation_.b;
    s.interpolationT = interpolation_.t;
    s.slerp = interpolation_.kind == PathKind::Spherical;
    s.interpolationSteps = interpolation_.steps;
    s.arithmeticFrom = std::max(0, arithmetic_.from);
    s.arithmeticTo = std::max(0, arithmetic_.to);
    s.arithmeticStrength = arithmetic_.strength;
    s.decodedGrid = decodedGrid_;
    if (!model->isTrainable()) { // a TorchScript file: the session points at it where it is
        s.model = QFile::encodeName(session_->modelPath()).toStdString();
        writeSessionFile(path, std::move(s));
        return {};
    }
    // The model as it is now, beside the session file; the session only once that is written.
    const QFileInfo info(path);
    const QString checkpoint = info.absoluteDir().filePath(info.completeBaseName() + ".ckpt");
    s.model = QFile::encodeName(checkpoint).toStdString();
    session_->saveModel(checkpoint, [this, path, s](const QString& error) {
        if (!error.isEmpty())
            Q_EMIT sessionFailed(path, error);
        else
            writeSessionFile(path, s);
    });
    return {};
}

void ExplorerState::writeSessionFile(const QString& path, SessionState s)
{
    try {
        writeSession(QFile::encodeName(path).toStdString(), s);
    } catch (const std::exception& e) {
        Q_EMIT sessionFailed(path, QString::fromStdString(e.what()));
        return;
    }
    Q_EMIT sessionSaved(path);
}

QString ExplorerState::openSession(const QString& path)
{
    std::unique_ptr<SessionState> s;
    try {
        s = std::make_unique<SessionState>(readSession(QFile::encodeName(path).toStdString()));
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    const QString model = QFile::decodeName(QByteArray::fromStdString(s->model));
    if (!QFileInfo::exists(model))
        return tr("the session's model %1 is not there").arg(QDir::toNativeSeparators(model));
    const QString dataset = QString::fromStdString(s->dataset);
    pending_ = std::move(s);
    pendingPath_ = path;
    pendingModelArrived_ = false;
    // The session's dataset, not the one the checkpoint was trained on.
    if (!dataset.isEmpty() && (dataset != session_->datasetName() || !session_->dataset()))
        session_->openDataset(dataset);
    session_->openModel(model, dataset.isEmpty() ? TrainingSession::DatasetChoice::FromCheckpoint
                                                 : TrainingSession::DatasetChoice::KeepCurrent);
    return {};
}

void ExplorerState::applyPendingSession()
{
    if (!pending_ || !pendingModelArrived_)
        return;
    const Current now = current();
    if (!now)
        return; // its map is not there yet
    const SessionState s = *pending_;
    pending_.reset();
    const size_t d = size_t(now.model->latentDim());
    setHiddenClasses(s.hiddenClasses);
    pins_->clear();
    for (const auto& z : s.pins)
        if (z.size() == d)
            pins_->add(z, now.model->decode(z));
    Q_EMIT pinsChanged();
    interpolation_.kind = s.slerp ? PathKind::Spherical : PathKind::Linear;
    interpolation_.steps = std::clamp(s.interpolationSteps, 2, 64);
    interpolation_.t = std::clamp(s.interpolationT, 0.0, 1.0);
    interpolation_.a = s.interpolationA.size() == d ? s.interpolationA : std::vector<float>();
    interpolation_.b = !interpolation_.a.empty() && s.interpolationB.size() == d ? s.interpolationB : std::vector<float>();
    Q_EMIT interpolationChanged();
    setArithmetic({s.arithmeticFrom, s.arithmeticTo, s.arithmeticStrength});
    setDecodedGridShown(s.decodedGrid);
    if (s.hasView) {
        view_ = QRectF(QPointF(s.viewX[0], s.viewY[0]), QPointF(s.viewX[1], s.viewY[1]));
        Q_EMIT viewRequested(view_);
    }
    Q_EMIT sessionRestored(pendingPath_);
}

} // namespace lx
