#pragma once

#include <QMainWindow>

#include <functional>
#include <atomic>
#include <memory>

class QAction;
class QProgressDialog;
class QThread;
class QDockWidget;
class QLabel;
class QListWidget;

namespace lx {
struct SessionState;
}

namespace lx::ui {

class CurvesPanel;
class DecodePanel;
class DrawPanel;
class InterpolationPanel;
class ArithmeticPanel;
class ArchitecturePanel;
class SamplesPanel;
class LatentMapView;
class TrainingSession;
struct TrainingRequest;

// The main window: builds the map, the docks and the actions, and connects them to the
// training session. Each panel is its own widget; this class only wires.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // First launch: train the default model on mnist; later: reopen the last model.
    void startFromSettings();
    void openModelFile(const QString& path);
    void openDatasetNamed(const QString& nameOrPath);
    void startDefaultTraining(const QString& dataset, int epochs);
    void createModel(const TrainingRequest& request, bool trainNow);
    void showStatus(const QString& text);

    TrainingSession* session() const { return session_; }
    LatentMapView* map() const { return map_; }
    DecodePanel* decodePanel() const { return decode_; }
    CurvesPanel* curvesPanel() const { return curves_; }
    QListWidget* pinsList() const { return pins_; }
    DrawPanel* drawPanel() const { return draw_; }
    InterpolationPanel* interpolationPanel() const { return interpolation_; }
    SamplesPanel* samplesPanel() const { return samples_; }
    ArithmeticPanel* arithmeticPanel() const { return arithmetic_; }
    ArchitecturePanel* architecturePanel() const { return architecture_; }
    QAction* decodedGridAction() const { return decodedGrid_; }

    static QString autosavePath();

    // Exports; each returns "" or the reason it failed. Files are written atomically.
    QString exportEmbeddings(const QString& csvPath);
    QString exportMap(const QString& path);    // PNG or PDF by suffix
    QString exportCurves(const QString& path); // PNG or PDF by suffix
    QString exportInterpolation(const QString& pngPath);
    QString exportDecodedGrid(const QString& pngPath, int cols = 16, int rows = 16);
    QString exportSamples(const QString& pngPath);

    // Sessions (*.lxsession): the model (saved beside it), dataset, view, hidden classes, pins,
    // interpolation and arithmetic. Opening applies the view once the model's map is there.
    // Each returns "" or the reason it failed.
    QString saveSession(const QString& path);

    // The map as a t-SNE of the current codes, computed off the GUI thread with a progress
    // dialog and Cancel; hovering then decodes through the nearest embedded points. Back to
    // the exact projection (PCA, or the plane itself) with showExactProjection(), or by itself
    // when the codes change (training).
    void computeTsne(double perplexity = 30, quint64 seed = 1);
    void computeTsneDialog(); // asks for perplexity and seed (remembered), then computeTsne

    // Another model's random points beside this one's in the Samples panel, on the same data:
    // its natural source (the prior for a VAE, the box of its codes for a plain AE), the same
    // seed. Loaded and encoded off the GUI thread. Returns "" or why it cannot start.
    QString compareSamplesWith(const QString& path);
    bool isComparing() const { return compareThread_ != nullptr; }
    void cancelTsne();
    bool isTsneRunning() const { return tsneThread_ != nullptr; }
    void showExactProjection();
    QString openSession(const QString& path);
    std::vector<std::vector<float>> pinnedCodes() const;

protected:
    void closeEvent(QCloseEvent* event) override;

private Q_SLOTS:
    void showAbout();
    void onHover(QPointF plane, qint64 point);
    void onClick(QPointF plane, qint64 point);
    void onRightClick(QPointF plane, qint64 point);
    void updateInterpolation();
    void updateDrawing();
    void resample();
    void updatePrior();
    void updateArithmetic();
    void updateSamples();
    void decodeGrid(QRectF plane, int cols, int rows);
    void onTrainingFinished(const QString& outcome);
    void newModelDialog();
    void openModelDialog();
    void saveModelDialog();
    void openDatasetDialog();
    void train();
    void togglePause();
    void updateActions();
    void updateStatus();

private:
    void showErrorMessage(const QString& message); // a warning box that does not block the event loop
    void buildActions();
    QDockWidget* addDock(const QString& title, const char* name, QWidget* panel, Qt::DockWidgetArea area);
    void addPin(const std::vector<float>& z);
    void applyPendingSession();
    void exportWithDialog(const QString& title, const QString& filter, const QString& fileName,
                          const std::function<QString(const QString&)>& write);
    void buildDocks();
    void connectSession();
    std::vector<QString> classNames() const;
    QImage datasetImage(qint64 point) const;
    std::vector<float> latentAt(QPointF plane, qint64 point) const; // a data point's own code, else the plane's

    TrainingSession* session_;
    LatentMapView* map_;
    DecodePanel* decode_;
    CurvesPanel* curves_;
    QListWidget* pins_;
    DrawPanel* draw_;
    InterpolationPanel* interpolation_;
    SamplesPanel* samples_;
    ArithmeticPanel* arithmetic_;
    ArchitecturePanel* architecture_;
    bool arithmeticShown_ = false;
    const void* meansCloud_ = nullptr; // the cloud classMeans_ were computed from
    std::vector<std::vector<float>> classMeans_;
    bool samplesShown_ = false; // the Samples panel is in view (its dock tab is the current one)
    const void* samplesCloud_ = nullptr; // the cloud farThreshold_ was measured on
    float farThreshold_ = 0;
    QLabel* statusLabel_;
    QString message_;
    QAction* newModel_ = nullptr;
    QAction* openModel_ = nullptr;
    QAction* saveModel_ = nullptr;
    QAction* openDataset_ = nullptr;
    QAction* train_ = nullptr;
    QAction* pause_ = nullptr;
    QAction* stop_ = nullptr;
    QAction* resetView_ = nullptr;
    QAction* decodedGrid_ = nullptr;
    QThread* tsneThread_ = nullptr;
    QThread* compareThread_ = nullptr;
    std::shared_ptr<std::atomic<bool>> tsneCancel_;
    QProgressDialog* tsneProgress_ = nullptr;
    std::unique_ptr<SessionState> pendingSession_; // opened, waiting for its model's map
    bool pendingModelArrived_ = false;
};

} // namespace lx::ui
