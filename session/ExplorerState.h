#pragma once

#include "latent/Interpolation.h"
#include "session/PinsModel.h"
#include "session/TrainingSession.h"

#include <QObject>
#include <QPointF>
#include <QRectF>

#include <memory>
#include <vector>

namespace lx {

struct SessionState;

// What the explorer is showing, in one place and without widgets: the model, its dataset and
// the map's cloud, the pins, the interpolation's ends, the arithmetic's choices, the view and
// the hidden classes. Panels and the map observe it through its signals (as Okular's views
// observe its Document) and never ask "is this model still the current one?": when the
// model, the dataset or a session changes, each hears it once, the same way.
//
// It follows the training session: a new model clears what belonged to the old one (pins,
// ends); new weights, a new cloud and a new dataset are passed on as they come. It also owns
// sessions (*.lxsession): saving waits for the checkpoint, opening restores the view once
// the model's map is there.
class ExplorerState : public QObject {
    Q_OBJECT
public:
    struct Interpolation {
        std::vector<float> a, b;
        double t = 0.5;
        PathKind kind = PathKind::Linear;
        int steps = 8;
        bool hasBothEnds() const { return !a.empty() && !b.empty(); }
    };
    struct Arithmetic {
        int from = 1, to = 8;  // "from class 1 towards class 8"
        double strength = 1.0; // −1 … 2
    };

    explicit ExplorerState(TrainingSession* session, QObject* parent = nullptr);
    ~ExplorerState() override;

    TrainingSession* session() const { return session_; }

    // --- The model, its data and the map's cloud ---------------------------------------------
    ModelSnapshotPtr model() const { return session_->snapshot(); }
    DatasetPtr dataset() const { return session_->dataset(); }
    QString datasetName() const { return session_->datasetName(); }
    const std::vector<QString>& classNames() const { return classNames_; }
    CloudPtr cloud() const { return cloud_; } // the map's: the exact codes, or a t-SNE layout of them
    CloudPtr exactCloud() const { return session_->cloud(); }
    // A model, the map's cloud and the dataset that belong together: what every decode from
    // the map needs. Empty (false) while there is no model, or its map is not there yet.
    struct Current {
        ModelSnapshotPtr model;
        CloudPtr cloud; // the map's
        DatasetPtr dataset;
        explicit operator bool() const { return model && cloud; }
    };
    Current current() const;
    // Changes whenever cloud() does: caches of anything computed from a cloud key on it.
    quint64 cloudGeneration() const { return cloudGeneration_; }
    // A data point's own code, else the code under a point of the map's plane; empty if none.
    std::vector<float> codeAt(QPointF plane, qint64 point = -1) const;
    QImage datasetImage(qint64 point) const; // the point's original image (train, then validation)
    QString labelText(qint64 point) const;   // "7", "7 (validation)", "unlabelled"

    // A neighbourhood map (t-SNE) of `from`'s codes: shown only if `from` is still the exact
    // cloud (training may have moved on meanwhile). Back with showExactProjection().
    bool showNeighbourhoodMap(CloudPtr layout, const CloudPtr& from);
    void showExactProjection();

    // --- What the user chose ------------------------------------------------------------------
    PinsModel* pins() const { return pins_; }
    void pin(const std::vector<float>& z); // decoded with the current model

    const Interpolation& interpolation() const { return interpolation_; }
    int pickEnd(const std::vector<float>& z); // A if none or both are set, else B: 0 for A, 1 for B
    void setEnds(const std::vector<float>& a, const std::vector<float>& b);
    void clearEnds();
    void setInterpolationPosition(double t);
    void setPathKind(PathKind kind);
    void setStripLength(int steps);

    const Arithmetic& arithmetic() const { return arithmetic_; }
    void setArithmetic(const Arithmetic& a);

    const std::vector<int>& hiddenClasses() const { return hidden_; }
    void setHiddenClasses(std::vector<int> hidden);
    QRectF view() const { return view_; } // what the map shows, as the map last reported it
    void setView(const QRectF& view) { view_ = view; }
    bool isDecodedGridShown() const { return decodedGrid_; }
    void setDecodedGridShown(bool shown);

    // --- Sessions -------------------------------------------------------------------------------
    // Saves the model beside `path` (trainable models) and then the session file: sessionSaved
    // or sessionFailed follows once both are written. Returns "" or why it cannot start.
    QString saveSession(const QString& path);
    // Reads and checks the file, then opens its dataset and model; the rest is restored when
    // the model's map arrives (sessionRestored). Returns "" or why it cannot be opened.
    QString openSession(const QString& path);

Q_SIGNALS:
    void modelChanged();   // another model: what belonged to the old one is gone
    void weightsChanged(); // newer weights of the same model
    void datasetChanged(); // new images and class names
    void cloudChanged();   // the map's cloud (none while a new one is computed)
    void pinsChanged();
    void interpolationChanged();
    void arithmeticChanged();
    void hiddenClassesChanged();
    void decodedGridShownChanged(bool shown);
    void viewRequested(const QRectF& view); // a restored session's view
    void sessionSaved(const QString& path);
    void sessionRestored(const QString& path);
    void sessionFailed(const QString& path, const QString& message);

private:
    void setCloud(CloudPtr cloud);
    void applyPendingSession();
    void writeSessionFile(const QString& path, SessionState s);

    TrainingSession* session_;
    PinsModel* pins_;
    CloudPtr cloud_;
    CloudPtr exactSource_; // the session's cloud that cloud_ is, or was laid out from
    quint64 cloudGeneration_ = 0;
    std::vector<QString> classNames_;
    Interpolation interpolation_;
    Arithmetic arithmetic_;
    std::vector<int> hidden_;
    QRectF view_;
    bool decodedGrid_ = false;
    std::unique_ptr<SessionState> pending_; // opened, waiting for its model's map
    QString pendingPath_;
    bool pendingModelArrived_ = false;
};

} // namespace lx
