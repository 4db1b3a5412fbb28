#pragma once

#include <QMainWindow>

class QDockWidget;

namespace lx {
class ExplorerState;
class TrainingSession;
}

namespace lx::ui {

class ArchitecturePanel;
class ArithmeticController;
class ArithmeticPanel;
class CurvesPanel;
class DecodePanel;
class DecodedGridController;
class DockLayout;
class DrawPanel;
class ExportController;
class InterpolationPanel;
class LatentMapView;
class ModelController;
class PinsPanel;
class SamplesController;
class SamplesPanel;
class StatusLine;
class TrainingController;
class NeighbourMapController;

// The main window: the map in the middle, the panels in docks, the menus and the toolbar,
// the layout kept between runs, and the wiring of the explorer state to one controller per
// feature (ui/controllers). It holds no feature's state or logic itself: see
// docs/ARCHITECTURE.md for where each kind of change goes.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    TrainingSession* session() const { return session_; }
    ExplorerState* state() const { return state_; }
    LatentMapView* map() const { return map_; }

    DecodePanel* decodePanel() const { return decode_; }
    PinsPanel* pinsPanel() const { return pins_; }
    InterpolationPanel* interpolationPanel() const { return interpolation_; }
    DrawPanel* drawPanel() const { return draw_; }
    SamplesPanel* samplesPanel() const { return samplesPanel_; }
    ArithmeticPanel* arithmeticPanel() const { return arithmeticPanel_; }
    CurvesPanel* curvesPanel() const { return curves_; }
    ArchitecturePanel* architecturePanel() const { return architecture_; }

    ModelController* models() const { return models_; }
    TrainingController* training() const { return training_; }
    SamplesController* samples() const { return samples_; }
    ArithmeticController* arithmetic() const { return arithmetic_; }
    NeighbourMapController* neighbourMaps() const { return neighbourMaps_; }
    ExportController* exports() const { return exports_; }
    DecodedGridController* decodedGrid() const { return decodedGrid_; }
    StatusLine* statusLine() const { return status_; }

    void showStatus(const QString& text);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    QDockWidget* addDock(const QString& title, const char* name, QWidget* panel, Qt::DockWidgetArea area);
    void buildDocks();
    void buildControllers();
    void buildMenus();
    void connectMap();
    void showAbout();

    TrainingSession* session_;
    ExplorerState* state_;
    LatentMapView* map_;

    DecodePanel* decode_ = nullptr;
    PinsPanel* pins_ = nullptr;
    InterpolationPanel* interpolation_ = nullptr;
    DrawPanel* draw_ = nullptr;
    SamplesPanel* samplesPanel_ = nullptr;
    ArithmeticPanel* arithmeticPanel_ = nullptr;
    CurvesPanel* curves_ = nullptr;
    ArchitecturePanel* architecture_ = nullptr;
    QDockWidget* decodeDock_ = nullptr;
    QList<QDockWidget*> columnTabs_; // tabbed under the Decoder
    QDockWidget* drawDock_ = nullptr;
    QDockWidget* samplesDock_ = nullptr;
    QDockWidget* arithmeticDock_ = nullptr;
    QDockWidget* curvesDock_ = nullptr;
    QDockWidget* architectureDock_ = nullptr;
    DockLayout* docks_ = nullptr;

    ModelController* models_ = nullptr;
    TrainingController* training_ = nullptr;
    SamplesController* samples_ = nullptr;
    ArithmeticController* arithmetic_ = nullptr;
    NeighbourMapController* neighbourMaps_ = nullptr;
    ExportController* exports_ = nullptr;
    DecodedGridController* decodedGrid_ = nullptr;
    StatusLine* status_ = nullptr;
};

} // namespace lx::ui
