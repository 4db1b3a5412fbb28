#pragma once

#include <QMainWindow>

class QAction;
class QLabel;
class QListWidget;

namespace lx::ui {

class CurvesPanel;
class DecodePanel;
class DrawPanel;
class InterpolationPanel;
class SamplesPanel;
class LatentMapView;
class TrainingSession;

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
    void showStatus(const QString& text);

    TrainingSession* session() const { return session_; }
    LatentMapView* map() const { return map_; }
    DecodePanel* decodePanel() const { return decode_; }
    CurvesPanel* curvesPanel() const { return curves_; }
    QListWidget* pinsList() const { return pins_; }
    DrawPanel* drawPanel() const { return draw_; }
    InterpolationPanel* interpolationPanel() const { return interpolation_; }
    SamplesPanel* samplesPanel() const { return samples_; }
    QAction* decodedGridAction() const { return decodedGrid_; }

    static QString autosavePath();

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
    void updateSamples();
    void decodeGrid(QRectF plane, int cols, int rows);
    void onTrainingFinished(const QString& outcome);
    void openModelDialog();
    void saveModelDialog();
    void openDatasetDialog();
    void train();
    void togglePause();
    void updateActions();
    void updateStatus();

private:
    void buildActions();
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
    const void* samplesCloud_ = nullptr; // the cloud farThreshold_ was measured on
    float farThreshold_ = 0;
    QLabel* statusLabel_;
    QString message_;
    QAction* openModel_ = nullptr;
    QAction* saveModel_ = nullptr;
    QAction* openDataset_ = nullptr;
    QAction* train_ = nullptr;
    QAction* pause_ = nullptr;
    QAction* stop_ = nullptr;
    QAction* resetView_ = nullptr;
    QAction* decodedGrid_ = nullptr;
};

} // namespace lx::ui
