#include "TestSupport.h"

#include "io/Checkpoint.h"
#include "io/CodesCache.h"
#include "io/SessionFile.h"

#include "MainWindow.h"
#include "QCustomPlot.h"
#include "panels/PinsPanel.h"
#include "session/PinsModel.h"
#include "controllers/DecodedGridController.h"
#include "controllers/ExportController.h"
#include "controllers/ModelController.h"
#include "controllers/StatusLine.h"
#include "controllers/TrainingController.h"
#include "controllers/SamplesController.h"
#include "controllers/NeighbourMapController.h"
#include "latent/Umap.h"
#include "panels/CurvesPanel.h"
#include "session/ExplorerState.h"
#include "session/ModelSnapshot.h"
#include "map/LatentMapView.h"
#include "data/DrawingPreprocess.h"
#include "latent/Interpolation.h"
#include "panels/DecodePanel.h"
#include "panels/DrawPanel.h"
#include "panels/DrawingCanvas.h"
#include "panels/InterpolationPanel.h"
#include "panels/ImageTile.h"
#include "panels/SamplesPanel.h"
#include "panels/ArithmeticPanel.h"
#include "panels/ArchitecturePanel.h"
#include "latent/Arithmetic.h"
#include "panels/NewModelDialog.h"
#include "Palette.h"
#include "latent/Sampling.h"
#include "session/TrainingSession.h"

#include <QAction>
#include <QGuiApplication>
#include <QScreen>
#include <QScrollBar>
#include <QScrollArea>
#include <QApplication>
#include <QComboBox>
#include <cstring>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QTabBar>
#include <QMainWindow>
#include <QFileDialog>
#include <QTemporaryDir>
#include <QInputDialog>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QProgressBar>
#include <QSettings>
#include <QSpinBox>
#include <QTableWidget>
#include <QCoreApplication>
#include <QSignalSpy>
#include <QRegularExpression>
#include <QTest>
#include <QTimer>
#include <QToolBar>

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace lx;
using namespace lx::ui;

namespace {

// A window on a small synthetic dataset with a fresh model, everything computed.
struct Explorer {
    // Each window starts from empty settings, as under ctest (a process per test case): run
    // in one process, a dock an earlier test raised (saved when its window closed) came back
    // raised and changed what this one saw.
    struct FreshSettings {
        FreshSettings() { QSettings().clear(); }
    } freshSettings;
    test::TempDir dir;
    MainWindow window;

    explicit Explorer(const QString& arch = "mlp", ModelKind kind = ModelKind::Autoencoder)
    {
        const std::string images = test::writeDataset(test::syntheticDataset(300), dir.path().string(), "shapes");
        window.resize(1000, 700);
        window.show();
        REQUIRE(QTest::qWaitForWindowExposed(&window));
        QSignalSpy idle(window.session(), &TrainingSession::idle);
        window.models()->openDataset(QString::fromStdString(images));
        TrainingRequest request;
        request.arch = arch;
        request.kind = kind;
        request.batchSize = 32;
        window.session()->newModel(request);
        REQUIRE(waitUntilIdle());
        REQUIRE(window.map()->cloud() != nullptr);
        window.map()->replot();
    }

    // The worker has finished everything, and the GUI has handled every signal it sent.
    bool waitUntilIdle(int ms = 60000)
    {
        const bool idle = QTest::qWaitFor([&] { return !window.session()->isBusy(); }, ms);
        QCoreApplication::processEvents();
        return idle;
    }

    QAction* action(const QString& text)
    {
        for (QAction* a : window.findChildren<QAction*>())
            if (a->text().remove('&') == text)
                return a;
        return nullptr;
    }
};

} // namespace

TEST_CASE("a model on 40,000 images shows a first map of 10,000 of them while it encodes the rest; export and "
          "t-SNE wait for the whole",
          "[gui]")
{
    QSettings().clear();
    test::TempDir dir;
    MainWindow window;
    window.resize(1000, 700);
    window.show();
    REQUIRE(QTest::qWaitForWindowExposed(&window));
    const auto idle = [&] {
        const bool done = QTest::qWaitFor([&] { return !window.session()->isBusy(); }, 120000);
        QCoreApplication::processEvents();
        return done;
    };
    // An images file: split 80/20 in a shuffled order, so its first rows hold every class.
    window.models()->openDataset(QString::fromStdString(
        test::writeDataset(test::syntheticDataset(40000), dir.path().string(), "big")));
    REQUIRE(idle());
    std::vector<int64_t> counts;
    QString exportSaid, tsneSaid;
    const QString csv = QString::fromStdString(dir.file("codes.csv"));
    QObject::connect(window.neighbourMaps(), &NeighbourMapController::status, [&](const QString& s) { tsneSaid = s; });
    QObject::connect(window.state(), &ExplorerState::cloudChanged, [&] {
        const CloudPtr cloud = window.state()->cloud();
        if (!cloud)
            return;
        counts.push_back(cloud->count());
        if (counts.size() == 1) { // the first map, shown while the worker encodes the rest
            exportSaid = window.exports()->embeddings(csv);
            window.neighbourMaps()->ask(NeighbourMapController::Method::Tsne);
        }
    });
    TrainingRequest request;
    request.arch = "mlp";
    request.latentDim = 8;
    window.session()->newModel(request);
    REQUIRE(idle());
    CHECK(counts == std::vector<int64_t>{10000, 40000});
    CHECK(exportSaid.contains("still being computed"));
    CHECK_FALSE(QFile::exists(csv));
    CHECK(tsneSaid.contains("waits for the whole map"));
    // Then both work on the whole.
    CHECK(window.exports()->embeddings(csv).isEmpty());
    CHECK(QFile::exists(csv));
    CHECK(window.map()->cloud()->count() == 40000);
}

TEST_CASE("hovering the map shows the decoder's image of exactly that latent point", "[gui]")
{
    Explorer e;
    LatentMapView* map = e.window.map();
    const QPoint p = map->axisRect()->rect().center() + QPoint(37, -21);
    QTest::mouseMove(map, p);
    const QImage shown = e.window.decodePanel()->decodedTile()->image();
    REQUIRE_FALSE(shown.isNull());
    const QPointF plane = map->planeAt(p);
    const ModelSnapshotPtr model = e.window.session()->snapshot();
    const std::vector<float> z = map->cloud()->projection.unproject(plane.x(), plane.y());
    const QImage expected = model->decode(z);
    CHECK(shown == expected);
    CHECK(shown.size() == QSize(28, 28));
    // Its code under it; where the tile is too narrow, the code without its "z = ".
    ImageTile* tile = e.window.decodePanel()->decodedTile();
    CHECK(tile->caption() == codeText(z));
    CHECK(codeText(z, false) == codeText(z).mid(4));
    tile->resize(40, tile->height());
    CHECK(tile->shownCaption() == codeText(z, false));
    // At every width the whole caption is shown only where it measures within the tile in the
    // type it is drawn in (it was judged by proportion, and cut at 800×600 where the smaller
    // type came out wider than that). A type set in pixels is drawn as it is.
    QFont pixels = tile->font();
    pixels.setPixelSize(13);
    tile->setFont(pixels);
    const int needed = QFontMetrics(pixels).horizontalAdvance(codeText(z));
    bool sawBoth = false;
    for (int width = 30; width <= 240; ++width) {
        tile->resize(width, tile->height());
        INFO("width " << width << ", the caption needs " << needed);
        if (tile->shownCaption() == codeText(z))
            CHECK(needed <= width);
        else
            sawBoth = true;
    }
    CHECK(sawBoth);
    CHECK(tile->shownCaption() == codeText(z)); // 240 px
    // Another point decodes to another image.
    QTest::mouseMove(map, p + QPoint(-150, 90));
    CHECK(e.window.decodePanel()->decodedTile()->image() != expected);
}

TEST_CASE("hovering a data point shows its original image and its reconstruction", "[gui]")
{
    Explorer e;
    LatentMapView* map = e.window.map();
    const auto cloud = map->cloud();
    const int64_t i = 5;
    const QPoint p = map->positionOf(QPointF(cloud->xy[2 * i], cloud->xy[2 * i + 1]));
    REQUIRE(map->pointAt(p) >= 0);
    QTest::mouseMove(map, p);
    const ImageTile* original = e.window.decodePanel()->originalTile();
    CHECK_FALSE(original->image().isNull());
    CHECK_FALSE(e.window.decodePanel()->reconstructionTile()->image().isNull());
    CHECK(original->caption() == "original");
    // Its label on a line of its own, where a long class name fits.
    const qint64 under = map->pointAt(p);
    CHECK(e.window.decodePanel()->dataPointText() == "Data point labelled " + e.window.state()->labelText(under));
    CHECK(e.window.state()->labelText(under).startsWith(e.window.state()->classNames()[cloud->labels[size_t(under)]]));
}

TEST_CASE("the Pins panel, empty, says how to pin; with a pin, shows only the pin", "[gui]")
{
    PinsModel pins;
    PinsPanel panel;
    QListView plain; // the same list without the hint
    for (QListView* view : {static_cast<QListView*>(&panel), &plain}) {
        view->setViewMode(QListView::IconMode);
        view->setIconSize(QSize(56, 56));
        view->setModel(&pins);
        view->resize(240, 160);
    }
    plain.setToolTip(panel.toolTip());
    CHECK(panel.grab().toImage() != plain.grab().toImage());
    CHECK(PinsPanel::emptyHint().contains("Click the map"));
    QImage decoded(28, 28, QImage::Format_Grayscale8);
    decoded.fill(200);
    pins.add({0.5f, -1.0f}, decoded);
    CHECK(panel.grab().toImage() == plain.grab().toImage());
}

TEST_CASE("clicking the map pins that point's decode", "[gui]")
{
    Explorer e;
    LatentMapView* map = e.window.map();
    QTest::mouseClick(map, Qt::LeftButton, {}, map->axisRect()->rect().center());
    QTest::mouseClick(map, Qt::LeftButton, {}, map->axisRect()->rect().center() + QPoint(40, 40));
    CHECK(e.window.state()->pins()->rowCount() == 2);
    CHECK(e.window.pinsPanel()->model()->rowCount() == 2);
}

TEST_CASE("Train then Stop from the UI leaves a usable model with its curves", "[gui]")
{
    Explorer e("lecture");
    TrainingSession* session = e.window.session();
    QSignalSpy finished(session, &TrainingSession::trainingFinished);
    QAction* train = e.action("Train");
    QAction* stop = e.action("Stop");
    REQUIRE(train);
    REQUIRE(stop);
    train->trigger();
    REQUIRE(QTest::qWaitFor([&] { return e.window.curvesPanel()->trainPointCount() >= 3; }, 60000));
    // Pause becomes Resume without the toolbar's buttons shifting under the mouse.
    QAction* pause = e.action("Pause");
    REQUIRE(pause);
    auto* bar = e.window.findChild<QToolBar*>("mainToolBar");
    REQUIRE(bar);
    QCoreApplication::processEvents();
    const int stopX = bar->widgetForAction(stop)->x();
    pause->trigger();
    QCoreApplication::processEvents();
    CHECK(pause->text().remove('&') == "Resume");
    CHECK(bar->widgetForAction(stop)->x() == stopX);
    QSignalSpy steps(session, &TrainingSession::stepReported);
    pause->trigger();
    QCoreApplication::processEvents();
    CHECK(pause->text().remove('&') == "Pause");
    REQUIRE(steps.wait(20000)); // the worker is training again
    CHECK(stop->isEnabled());
    stop->trigger();
    // Said at once, and not taken back by the reports and lines still on their way (after a
    // Resume the worker's own "Training…" outlived the Stop).
    CHECK(e.window.curvesPanel()->statusText().startsWith("Stopping"));
    CHECK(e.window.statusLine()->text().contains("Stopping"));
    QTest::qWait(50);
    CHECK_FALSE(e.window.statusLine()->text().contains("Training…"));
    REQUIRE((finished.count() > 0 || finished.wait(10000)));
    CHECK(qvariant_cast<TrainingOutcome>(finished.last().at(0)) == TrainingOutcome::Stopped);
    REQUIRE(e.waitUntilIdle());
    CHECK(train->isEnabled());
    CHECK_FALSE(stop->isEnabled());

    const ModelSnapshotPtr model = session->snapshot();
    REQUIRE(model);
    CHECK(model->decode({0.f, 0.f}).size() == QSize(28, 28));
    const QString path = QString::fromStdString(e.dir.file("kept.ckpt"));
    QSignalSpy saved(session, &TrainingSession::saved);
    session->saveModel(path);
    REQUIRE(saved.wait(10000));
    CHECK(loadCheckpoint(path.toStdString()).spec.arch == "lecture");
}

TEST_CASE("closing the window during training stops the worker and keeps the weights trained so far", "[gui]")
{
    const QString autosave = ModelController::autosavePath();
    QFile::remove(autosave);
    auto e = std::make_unique<Explorer>("conv");
    TrainingSession* session = e->window.session();
    const DatasetPtr data = session->dataset();
    const std::vector<float> untrained = session->snapshot()->encode(data->train.image(3));
    session->train(1000);
    REQUIRE(QTest::qWaitFor([&] { return e->window.curvesPanel()->trainPointCount() >= 1; }, 60000));
    REQUIRE(session->isTraining());
    e->window.close();
    e.reset(); // destroys the session: stops, saves and joins the worker thread
    // The weights trained so far are there for the next launch, and they are trained ones.
    REQUIRE(QFileInfo::exists(autosave));
    const ModelSnapshotPtr kept = loadSnapshot(autosave);
    CHECK(kept->spec()->arch == "conv");
    CHECK(kept->encode(data->train.image(3)) != untrained);
    QFile::remove(autosave);
}

TEST_CASE("two right-clicks and a drag produce the interpolation's images in order", "[gui]")
{
    Explorer e;
    LatentMapView* map = e.window.map();
    InterpolationPanel* panel = e.window.interpolationPanel();
    const QPoint a = map->axisRect()->rect().center() + QPoint(-120, 60);
    const QPoint b = map->axisRect()->rect().center() + QPoint(140, -80);
    QTest::mouseClick(map, Qt::RightButton, {}, a);
    QTest::mouseClick(map, Qt::RightButton, {}, b);
    const ExplorerState::Interpolation& ends = e.window.state()->interpolation();
    REQUIRE(ends.hasBothEnds());
    const auto cloud = map->cloud();
    const QPointF pa = map->planeAt(a);
    const std::vector<float> za = map->pointAt(a) >= 0 ? std::vector<float>(cloud->codes.begin() + map->pointAt(a) * 2,
                                                                            cloud->codes.begin() + map->pointAt(a) * 2 + 2)
                                                       : cloud->projection.unproject(pa.x(), pa.y());
    CHECK(ends.a == za);

    // The strip: evenly spaced decodes from A to B, in order.
    const ModelSnapshotPtr model = e.window.session()->snapshot();
    const auto path = interpolationPath(ends.a, ends.b, panel->stripLength(), PathKind::Linear);
    const std::vector<QImage> expected = model->decodeMany(path);
    REQUIRE(panel->strip().size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i)
        CHECK(panel->strip()[i] == expected[i]);
    CHECK(panel->strip().front() != panel->strip().back());

    // Drag the slider: the image follows t along the path.
    for (int value : {0, 250, 1000}) {
        panel->slider()->setSliderPosition(value); // what a drag does
        const QImage want = model->decode(interpolate(ends.a, ends.b, value / 1000.0, PathKind::Linear));
        CHECK(panel->current() == want);
    }
    CHECK(panel->current() == expected.back());
}

TEST_CASE("strokes on the canvas give an MNIST-style image centred by mass, placed on the map", "[gui]")
{
    Explorer e;
    DrawPanel* draw = e.window.drawPanel();
    DrawingCanvas* canvas = draw->canvas();
    canvas->resize(224, 224);
    // A "7" drawn off-centre, high and to the left.
    QTest::mousePress(canvas, Qt::LeftButton, {}, QPoint(30, 30));
    for (QPoint p : {QPoint(60, 30), QPoint(100, 32), QPoint(110, 35), QPoint(90, 80), QPoint(70, 130), QPoint(60, 150)})
        QTest::mouseMove(canvas, p);
    QTest::mouseRelease(canvas, Qt::LeftButton, {}, QPoint(60, 150));
    const std::vector<uint8_t> pixels = draw->preprocessed();
    double cx = 0, cy = 0;
    REQUIRE(centreOfMass(pixels.data(), 28, 28, cx, cy));
    CHECK(std::abs(cx - 14.0) <= 1.0);
    CHECK(std::abs(cy - 14.0) <= 1.0);
    // The panel shows what the model saw and its reconstruction.
    CHECK(draw->preprocessedTile()->image() == greyImage(pixels.data(), 28, 28));
    CHECK_FALSE(draw->reconstructionTile()->image().isNull());
    // Ctrl+Z takes the stroke away again, but only where the panel can be seen: not while
    // another tab is in front of it.
    auto* drawDock = e.window.findChild<QDockWidget*>("drawDock");
    auto* samplesDock = e.window.findChild<QDockWidget*>("samplesDock");
    e.window.activateWindow();
    REQUIRE(QTest::qWaitForWindowActive(&e.window));
    samplesDock->raise();
    QCoreApplication::processEvents();
    QTest::keyClick(e.window.map(), Qt::Key_Z, Qt::ControlModifier);
    CHECK_FALSE(canvas->isEmpty());
    drawDock->raise();
    QCoreApplication::processEvents();
    QTest::keyClick(e.window.map(), Qt::Key_Z, Qt::ControlModifier);
    CHECK(canvas->isEmpty());
    CHECK(draw->preprocessedTile()->image().isNull());
}

TEST_CASE("random samples decode the points they mark, and New samples draws new ones", "[gui]")
{
    Explorer e;
    SamplesPanel* samples = e.window.samplesPanel();
    SamplesController* drawn = e.window.samples();
    // Samples are drawn only while their panel is in view.
    CHECK(drawn->points().empty());
    e.window.findChild<QDockWidget*>("samplesDock")->raise();
    QCoreApplication::processEvents();
    const ModelSnapshotPtr model = e.window.session()->snapshot();
    const int d = model->latentDim();
    // A plain autoencoder samples the data's box by default.
    CHECK(samples->source() == SamplesPanel::Source::DataBox);
    REQUIRE(drawn->points().size() == size_t(SamplesPanel::kCount * d));
    REQUIRE(samples->images().size() == size_t(SamplesPanel::kCount));
    const std::vector<float> first = drawn->points();
    const std::vector<float> z5(first.begin() + 5 * d, first.begin() + 6 * d);
    CHECK(samples->images()[5] == model->decode(z5));
    // Inside the box of the training codes.
    const auto cloud = e.window.map()->cloud();
    for (int k = 0; k < d; ++k) {
        float lo = 1e9f, hi = -1e9f;
        for (int64_t i = 0; i < cloud->trainCount; ++i) {
            lo = std::min(lo, cloud->codes[size_t(i * d + k)]);
            hi = std::max(hi, cloud->codes[size_t(i * d + k)]);
        }
        for (int s = 0; s < SamplesPanel::kCount; ++s) {
            CHECK(first[size_t(s * d + k)] >= lo);
            CHECK(first[size_t(s * d + k)] <= hi);
        }
    }
    QTest::mouseClick(samples->sampleButton(), Qt::LeftButton);
    REQUIRE(drawn->points().size() == first.size());
    CHECK(drawn->points() != first);
    const std::vector<float> z0(drawn->points().begin(), drawn->points().begin() + d);
    CHECK(samples->images()[0] == model->decode(z0));
    // Training moves the codes and so the box: the same draws follow it into the new box (an
    // untrained model's box is tiny, and points drawn there once would all sit on one spot).
    const std::vector<float> before = drawn->points();
    e.window.session()->train(2);
    REQUIRE(e.waitUntilIdle());
    const auto trained = e.window.map()->cloud();
    REQUIRE(trained != cloud);
    CHECK(drawn->points() != before);
    CHECK(drawn->points()
          == sampleBox(trained->codes.data(), trained->trainCount, d, SamplesPanel::kCount, drawn->seed()));
    // The prior: the same seed gives exactly samplePrior's points.
    samples->setSource(SamplesPanel::Source::Prior);
    CHECK(drawn->points() == samplePrior(SamplesPanel::kCount, d, drawn->seed()));
}

TEST_CASE("the decoded grid tiles the visible area with decodes of its cell centres", "[gui]")
{
    Explorer e;
    LatentMapView* map = e.window.map();
    QSignalSpy asked(map, &LatentMapView::decodedGridNeeded);
    e.window.decodedGrid()->action()->setChecked(true);
    REQUIRE(QTest::qWaitFor([&] { return map->hasDecodedGrid(); }, 5000));
    REQUIRE(asked.count() >= 1);
    const QRectF plane = asked.last().at(0).toRectF();
    const int cols = asked.last().at(1).toInt(), rows = asked.last().at(2).toInt();
    CHECK(plane.left() == Approx(map->xAxis->range().lower));
    CHECK(plane.width() == Approx(map->xAxis->range().size()));
    CHECK(cols >= 2);
    CHECK(rows >= 2);
    const std::vector<QPointF> centres = LatentMapView::gridCentres(plane, cols, rows);
    REQUIRE(centres.size() == size_t(cols * rows));
    // Row 0 is the top: the first centre is half a cell in from the top-left corner.
    CHECK(centres.front().x() == Approx(plane.left() + plane.width() / cols / 2));
    CHECK(centres.front().y() == Approx(plane.top() + plane.height() - plane.height() / rows / 2));
    CHECK(centres.back().y() == Approx(plane.top() + plane.height() / rows / 2));
    // Zooming asks again for the new area; turning it off clears it.
    const int before = asked.count();
    map->xAxis->scaleRange(0.5);
    map->replot();
    REQUIRE(QTest::qWaitFor([&] { return asked.count() > before; }, 5000));
    CHECK(asked.last().at(0).toRectF().width() == Approx(map->xAxis->range().size()));
    e.window.decodedGrid()->action()->setChecked(false);
    CHECK_FALSE(map->hasDecodedGrid());
}

TEST_CASE("the decoded grid is decoded off the GUI thread and shows the latest area asked for", "[gui]")
{
    Explorer e;
    LatentMapView* map = e.window.map();
    e.window.decodedGrid()->action()->setChecked(true);
    REQUIRE(QTest::qWaitFor([&] { return map->hasDecodedGrid(); }, 5000));
    const ExplorerState::Current now = e.window.state()->current();
    REQUIRE(now);
    const QRectF view = map->decodedGridPlane();
    const int cols = 4, rows = 3;
    // Three asks in a row, as while the view moves: the GUI thread is not held by any decode,
    // and the grid that stays is the last one's, not an earlier one delivered late.
    QRectF last;
    for (double shrink : {0.9, 0.7, 0.5}) {
        last = QRectF(view.left(), view.top(), view.width() * shrink, view.height() * shrink);
        Q_EMIT map->decodedGridNeeded(last, cols, rows);
        CHECK(map->decodedGridPlane() != last); // not decoded in the call
    }
    REQUIRE(QTest::qWaitFor([&] { return map->decodedGridPlane() == last; }, 10000));
    QTest::qWait(300);
    CHECK(map->decodedGridPlane() == last);
    const std::vector<QImage> expected = now.model->decodeMany(DecodedGridController::gridCodes(*now.cloud, last, cols, rows));
    REQUIRE(expected.size() == size_t(cols * rows));
    const QImage mosaic = map->decodedGridMosaic();
    const int side = expected.front().width();
    REQUIRE(mosaic.size() == QSize(cols * side, rows * side));
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            CHECK(mosaic.copy(c * side, r * side, side, side)
                  == expected[size_t(r * cols + c)].convertToFormat(QImage::Format_Grayscale8));
}

TEST_CASE("New Model creates the model the dialog describes, and remembers the choices", "[gui]")
{
    Explorer e;
    NewModelDialog dialog(&e.window);
    auto* kind = dialog.findChild<QComboBox*>("kind");
    auto* arch = dialog.findChild<QComboBox*>("arch");
    auto* latent = dialog.findChild<QSpinBox*>("latent");
    auto* batch = dialog.findChild<QSpinBox*>("batch");
    auto* beta = dialog.findChild<QDoubleSpinBox*>("beta");
    auto* noise = dialog.findChild<QDoubleSpinBox*>("inputNoise");
    REQUIRE(noise);
    REQUIRE(kind);
    REQUIRE(arch);
    REQUIRE(latent);
    REQUIRE(batch);
    REQUIRE(beta);
    CHECK_FALSE(beta->isEnabled()); // β only means something for a VAE
    kind->setCurrentIndex(kind->findData("vae"));
    CHECK(beta->isEnabled());
    arch->setCurrentIndex(arch->findData("mlp"));
    latent->clear();
    QTest::keyClicks(latent, "3");
    batch->setValue(16);
    beta->setValue(0.5);
    noise->setValue(0.25);
    const TrainingRequest r = dialog.request();
    CHECK(r.kind == ModelKind::Vae);
    CHECK(r.arch == "mlp");
    CHECK(r.latentDim == 3);
    CHECK(r.batchSize == 16);
    CHECK(r.beta == 0.5);
    CHECK(r.inputNoise == 0.25);
    dialog.accept();
    const TrainingRequest again = NewModelDialog::remembered();
    CHECK(again.kind == ModelKind::Vae);
    CHECK(again.latentDim == 3);
    CHECK(again.batchSize == 16);
    CHECK(again.inputNoise == 0.25);

    e.window.models()->createModel(r, false);
    REQUIRE(e.waitUntilIdle());
    const ModelSnapshotPtr model = e.window.session()->snapshot();
    REQUIRE(model);
    CHECK(model->isVae());
    CHECK(model->latentDim() == 3);
    CHECK(e.window.map()->cloud()->dim == 3);
    CHECK(e.window.session()->lastRequest().batchSize == 16);
    QSettings().remove("newModel");

    struct Expected {
        QString dataset;
        double noise, weight;
    };
    // Opened on a dataset, a UMAP model's preset noise and pull are that dataset's, whichever
    // dataset's preset it opened with; the user's own values stay.
    for (const Expected& expected : {Expected{"fashion", 0.3, 0.03}, Expected{"mnist", 0.0, 0.001}}) {
        INFO(expected.dataset.toStdString());
        for (const QString& before : {QStringLiteral("mnist"), QStringLiteral("fashion")}) {
            NewModelDialog chooser(&e.window);
            REQUIRE(chooser.request().kind == ModelKind::Umap); // the defaults: a first model's
            chooser.setDataset(before);
            chooser.setDataset(expected.dataset);
            CHECK(chooser.request().inputNoise == Approx(expected.noise));
            CHECK(chooser.request().umapWeight == Approx(expected.weight));
        }
        NewModelDialog own(&e.window);
        own.findChild<QDoubleSpinBox*>("umapWeight")->setValue(0.5);
        own.setDataset(expected.dataset);
        CHECK(own.request().umapWeight == Approx(0.5));
    }

    // Choosing a type brings its input noise and pull for the dataset: a UMAP model on
    // photographs learns on noisy copies pulled at 0.03, on digits on moved ones pulled at 0.001.
    for (const Expected& expected : {Expected{"fashion", 0.3, 0.03}, Expected{"mnist", 0.0, 0.001}}) {
        INFO(expected.dataset.toStdString());
        NewModelDialog chooser(&e.window);
        chooser.setDataset(expected.dataset);
        auto* type = chooser.findChild<QComboBox*>("kind");
        auto* weight = chooser.findChild<QDoubleSpinBox*>("umapWeight");
        REQUIRE(weight);
        weight->setValue(0.5);
        type->setCurrentIndex(type->findData("umap"));
        Q_EMIT type->activated(type->currentIndex());
        CHECK(chooser.request().inputNoise == Approx(expected.noise));
        CHECK(chooser.request().umapWeight == Approx(expected.weight));
        // A step up from the weight is at most a tenth of it, not a jump past it.
        weight->stepBy(1);
        CHECK(weight->value() > expected.weight);
        CHECK(weight->value() <= Approx(expected.weight * 1.1));
    }
}

TEST_CASE("exports write the embeddings, the map, the curves and the decoded images", "[gui]")
{
    Explorer e;
    const QString dir = QString::fromStdString(e.dir.path().string());
    // Embeddings: the CLI's format, one row per image.
    REQUIRE(e.window.exports()->embeddings(dir + "/emb.csv") == "");
    QFile csv(dir + "/emb.csv");
    REQUIRE(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
    const auto cloud = e.window.map()->cloud();
    CHECK(lines.front() == "index,split,label,z0,z1");
    CHECK(lines.size() == cloud->count() + 1);
    const QList<QByteArray> firstRow = lines[1].split(',');
    REQUIRE(firstRow.size() == 5);
    CHECK(firstRow[1] == "train");
    CHECK(firstRow[3].toFloat() == Approx(cloud->codes[0]).margin(1e-5));

    // The map and the curves, as PNG and as PDF.
    REQUIRE(e.window.exports()->map(dir + "/map.png") == "");
    const QImage map(dir + "/map.png");
    CHECK(map.width() == 2 * e.window.map()->width());
    REQUIRE(e.window.exports()->map(dir + "/map.pdf") == "");
    QFile pdf(dir + "/map.pdf");
    REQUIRE(pdf.open(QIODevice::ReadOnly));
    CHECK(pdf.read(5) == "%PDF-");
    REQUIRE(e.window.exports()->curves(dir + "/curves.png") == "");
    CHECK_FALSE(QImage(dir + "/curves.png").isNull());

    // Decoded images: nothing to export until there is something, then tiles at 4× or 2×.
    CHECK(e.window.exports()->interpolation(dir + "/strip.png") != "");
    CHECK_FALSE(QFileInfo::exists(dir + "/strip.png"));
    const auto model = e.window.session()->snapshot();
    e.window.state()->setEnds({0, 0}, {1, 1});
    QCoreApplication::processEvents();
    REQUIRE(e.window.exports()->interpolation(dir + "/strip.png") == "");
    const QImage strip(dir + "/strip.png");
    const int n = e.window.interpolationPanel()->stripLength();
    CHECK(strip.height() == 28 * 4);
    CHECK(strip.width() == n * 28 * 4 + (n - 1) * 2);
    // The first tile is A's decode, scaled: compare one pixel from each 4×4 block.
    const QImage a = model->decode({0, 0});
    int mismatches = 0;
    for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x)
            mismatches += qGray(strip.pixel(4 * x + 1, 4 * y + 1)) != qGray(a.pixel(x, y));
    CHECK(mismatches == 0);
    REQUIRE(e.window.exports()->decodedGrid(dir + "/grid.png", 5, 3) == "");
    const QImage grid(dir + "/grid.png");
    CHECK(grid.width() == 5 * 56 + 4);
    CHECK(grid.height() == 3 * 56 + 2);
    CHECK(e.window.exports()->samples(dir + "/samples.png") != ""); // none drawn yet
    e.window.findChild<QDockWidget*>("samplesDock")->raise();
    QCoreApplication::processEvents();
    REQUIRE(e.window.exports()->samples(dir + "/samples.png") == "");
    CHECK(QImage(dir + "/samples.png").width() == 4 * 112 + 3 * 2);
    // No temporary files left beside them.
    const QStringList left = QDir(dir).entryList({"*.tmp-*", ".export-*"}, QDir::Files | QDir::Hidden);
    CHECK(left.isEmpty());
}

TEST_CASE("while training, the map moves at least once a second from the trainer's own codes", "[gui]")
{
    Explorer e;
    QSignalSpy clouds(e.window.session(), &TrainingSession::cloudChanged);
    const auto before = e.window.map()->cloud();
    e.window.session()->train(100000);
    REQUIRE(QTest::qWaitFor([&] { return e.window.session()->isTraining(); }, 10000));
    clouds.clear();
    // About one a second (bench/bench_gui measures the rate; a test only needs them to come).
    REQUIRE(QTest::qWaitFor([&] { return clouds.count() >= 3; }, 20000));
    const auto during = e.window.map()->cloud();
    REQUIRE(during);
    CHECK(during != before);
    CHECK(during->count() == before->count());
    CHECK(during->codes != before->codes);
    e.window.session()->stop();
    REQUIRE(e.waitUntilIdle());
    // When training ends, the exact map: the final weights' codes of every image.
    const auto after = e.window.map()->cloud();
    const ModelSnapshotPtr model = e.window.session()->snapshot();
    const DatasetPtr data = e.window.session()->dataset();
    const std::vector<float> z = model->encode(data->train.image(7));
    CHECK(z[0] == Approx(after->codes[14]).margin(1e-4));
    CHECK(z[1] == Approx(after->codes[15]).margin(1e-4));
}

TEST_CASE("a save asked for during training is written even if the window closes at once", "[gui]")
{
    test::TempDir dir;
    const std::string path = dir.file("during.ckpt");
    {
        Explorer e;
        e.window.session()->train(100000);
        REQUIRE(QTest::qWaitFor([&] { return e.window.session()->isTraining(); }, 10000));
        e.window.session()->saveModel(QString::fromStdString(path));
        e.window.close();
    } // the window and its session are destroyed here, mid-training
    const TrainingRun run = loadCheckpoint(path);
    CHECK(run.spec.arch == "mlp");
}

TEST_CASE("a saved model's map comes back from the codes saved beside it", "[gui]")
{
    Explorer e;
    const std::string path = e.dir.file("cached.ckpt");
    QSignalSpy saved(e.window.session(), &TrainingSession::saved);
    e.window.session()->saveModel(QString::fromStdString(path));
    REQUIRE(e.waitUntilIdle());
    REQUIRE(saved.count() == 1);
    const std::string cachePath = codesCachePath(path);
    REQUIRE(std::filesystem::exists(cachePath));
    const auto before = e.window.map()->cloud();

    // Reopened: the same codes, without encoding (a cache with other codes but the right
    // identity is taken as it is; one for another checkpoint is not).
    CodesCache expected;
    expected.checkpointCrc = uint32_t(readCheckpointHeader(path).value("payload_crc32").toDouble());
    expected.dataset = e.window.session()->datasetName().toStdString();
    expected.trainCount = before->trainCount;
    expected.validationCount = before->count() - before->trainCount;
    expected.dim = before->dim;
    const auto cache = readCodesCache(cachePath, expected);
    REQUIRE(cache);
    CHECK(cache->codes == before->codes);
    CodesCache marked = *cache;
    std::fill(marked.codes.begin(), marked.codes.end(), 7.0f);
    writeCodesCache(cachePath, marked);
    e.window.models()->openModel(QString::fromStdString(path));
    REQUIRE(e.waitUntilIdle());
    CHECK(e.window.map()->cloud()->codes == marked.codes);

    marked.checkpointCrc ^= 1;
    writeCodesCache(cachePath, marked);
    e.window.models()->openModel(QString::fromStdString(path));
    REQUIRE(e.waitUntilIdle());
    CHECK(e.window.map()->cloud()->codes == before->codes);
}

TEST_CASE("a VAE shows its loss terms, the σ ellipse of a hovered image and the prior's contours", "[gui][vae]")
{
    Explorer e("mlp", ModelKind::Vae);
    REQUIRE(e.window.session()->snapshot()->isVae());
    LatentMapView* map = e.window.map();
    // The prior N(0, I): circles of radius 1 and 2 around the origin (D = 2: the plane itself).
    const std::vector<QPointF> prior1 = map->outline("prior1"), prior2 = map->outline("prior2");
    REQUIRE(prior1.size() > 10);
    for (const QPointF& p : prior1)
        CHECK(std::hypot(p.x(), p.y()) == Approx(1.0).epsilon(1e-4));
    for (const QPointF& p : prior2)
        CHECK(std::hypot(p.x(), p.y()) == Approx(2.0).epsilon(1e-4));

    // Hover a data point: an ellipse centred on it, σ wide along each axis.
    const auto cloud = map->cloud();
    const int64_t i = 17;
    const QPointF at(cloud->xy[size_t(2 * i)], cloud->xy[size_t(2 * i + 1)]);
    Q_EMIT map->hovered(at, i);
    const std::vector<QPointF> ellipse = map->outline("hoverSigma");
    REQUIRE(ellipse.size() > 10);
    const DatasetPtr data = e.window.session()->dataset();
    std::vector<float> logVar;
    const std::vector<float> mu = e.window.session()->snapshot()->encode(data->train.image(i), &logVar);
    double minX = 1e9, maxX = -1e9, minY = 1e9, maxY = -1e9;
    for (const QPointF& p : ellipse) {
        minX = std::min(minX, p.x());
        maxX = std::max(maxX, p.x());
        minY = std::min(minY, p.y());
        maxY = std::max(maxY, p.y());
    }
    CHECK((minX + maxX) / 2 == Approx(mu[0]).margin(1e-3));
    CHECK((minY + maxY) / 2 == Approx(mu[1]).margin(1e-3));
    CHECK((maxX - minX) / 2 == Approx(std::exp(0.5 * logVar[0])).epsilon(0.01));
    CHECK((maxY - minY) / 2 == Approx(std::exp(0.5 * logVar[1])).epsilon(0.01));
    // And the per-pixel error beside the reconstruction.
    CHECK_FALSE(e.window.decodePanel()->errorTile()->image().isNull());
    Q_EMIT map->hovered(QPointF(50, 50), -1);
    CHECK(map->outline("hoverSigma").empty());

    // Training shows the reconstruction and KL terms as curves.
    e.window.session()->train(2);
    REQUIRE(e.waitUntilIdle());
    CHECK(e.window.curvesPanel()->reconstructionPointCount() > 0);
    CHECK(e.window.curvesPanel()->klPointCount() > 0);
}

TEST_CASE("the error map is the ground where the reconstruction is exact and red where it is not, light or dark", "[gui]")
{
    QImage a(4, 1, QImage::Format_Grayscale8), b(4, 1, QImage::Format_Grayscale8);
    const uchar av[4] = {0, 255, 100, 255}, bv[4] = {0, 255, 100, 0};
    std::memcpy(a.scanLine(0), av, 4);
    std::memcpy(b.scanLine(0), bv, 4);
    double mse = -1;
    const QImage error = DecodePanel::errorImage(a, b, &mse);
    CHECK(mse == Approx(0.25));
    CHECK(error.pixel(0, 0) == qRgb(255, 255, 255));
    CHECK(error.pixel(2, 0) == qRgb(255, 255, 255));
    CHECK(qRed(error.pixel(3, 0)) > 100);
    CHECK(qGreen(error.pixel(3, 0)) == 0);
    // On a dark ground: the ground where it is exact (no white tile in a dark window), bright
    // red where it is not.
    const QColor ground = darkPalette().color(QPalette::Base);
    const QImage onDark = DecodePanel::errorImage(a, b, nullptr, ground);
    CHECK(onDark.pixel(0, 0) == ground.rgb());
    CHECK(onDark.pixel(2, 0) == ground.rgb());
    CHECK(qRed(onDark.pixel(3, 0)) == 255);
    CHECK(qGreen(onDark.pixel(3, 0)) < 80);
    // The panel draws it on its own palette's ground, and redraws it when the palette changes.
    DecodePanel panel;
    panel.showDataPoint(a, b, "7");
    CHECK(panel.errorTile()->image().pixel(0, 0) == panel.palette().color(QPalette::Base).rgb());
    panel.setPalette(darkPalette());
    QCoreApplication::processEvents();
    CHECK(panel.errorTile()->image().pixel(0, 0) == ground.rgb());
}

TEST_CASE("latent arithmetic moves the start along the difference of two class means", "[gui]")
{
    Explorer e;
    e.window.findChild<QDockWidget*>("arithmeticDock")->raise();
    QCoreApplication::processEvents();
    LatentMapView* map = e.window.map();
    const auto cloud = map->cloud();
    const int64_t i = 5;
    const QPointF at(cloud->xy[size_t(2 * i)], cloud->xy[size_t(2 * i + 1)]);
    Q_EMIT map->rightClicked(at, i);
    ArithmeticPanel* panel = e.window.arithmeticPanel();
    panel->setClasses(2, 7);
    panel->setStrength(0.75);
    // Independently: the class means of the training codes.
    std::vector<double> m2(2, 0), m7(2, 0);
    int n2 = 0, n7 = 0;
    for (int64_t k = 0; k < cloud->trainCount; ++k) {
        const int label = cloud->labels[size_t(k)];
        if (label != 2 && label != 7)
            continue;
        auto& m = label == 2 ? m2 : m7;
        (label == 2 ? n2 : n7)++;
        m[0] += cloud->codes[size_t(2 * k)];
        m[1] += cloud->codes[size_t(2 * k + 1)];
    }
    REQUIRE(n2 > 0);
    REQUIRE(n7 > 0);
    const std::vector<float> start(cloud->codes.begin() + 2 * i, cloud->codes.begin() + 2 * i + 2);
    const std::vector<float> expected = {float(start[0] + 0.75 * (m7[0] / n7 - m2[0] / n2)),
                                         float(start[1] + 0.75 * (m7[1] / n7 - m2[1] / n2))};
    const ModelSnapshotPtr model = e.window.session()->snapshot();
    const QImage shown = panel->current();
    REQUIRE_FALSE(shown.isNull());
    // Equal to the decode of the expected point (float rounding aside: compare pixel values).
    const QImage want = model->decode(expected);
    int off = 0;
    for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x)
            off += std::abs(qGray(shown.pixel(x, y)) - qGray(want.pixel(x, y))) > 1;
    CHECK(off == 0);
    REQUIRE(panel->strip().size() == size_t(ArithmeticPanel::kStripLength));
    CHECK(panel->strip().front() == model->decode(start)); // strength 0: the start itself
    CHECK(map->outline("arithmetic").size() == 3);
}

TEST_CASE("the architecture panel lists the model's layers and re-checks the shapes on every edit", "[gui]")
{
    Explorer e("lecture");
    ArchitecturePanel* panel = e.window.architecturePanel();
    // The lecture's conv arithmetic: 28 → 14 → 7 and back to exactly 28.
    QTableWidget* layers = panel->layersTable();
    QStringList shapes;
    for (int r = 0; r < layers->rowCount(); ++r)
        shapes << layers->item(r, 2)->text();
    CHECK(shapes.contains("32×14×14"));
    CHECK(shapes.contains("64×7×7"));
    CHECK(shapes.last() == "1×28×28");
    CHECK(panel->verdict().contains("shapes meet"));
    REQUIRE(panel->convolutionsTable()->rowCount() == 4); // two convolutions each way

    // The lecture's three cases: stride 2 without output_padding on the last layer…
    panel->editConvolution(3, 4, 0);
    CHECK(panel->verdict().contains("decoder gives 27×27, expected 28×28: output_padding = 1 on the last layer fixes it"));
    // … and no padding anywhere (28 → 13 → 6 on the way down).
    panel->editConvolution(3, 4, 1);
    CHECK(panel->verdict().contains("shapes meet"));
    for (int row = 0; row < 4; ++row)
        panel->editConvolution(row, 3, 0);
    panel->editConvolution(2, 4, 0);
    panel->editConvolution(3, 4, 0);
    CHECK(panel->verdict().contains("27×27"));
    QStringList edited;
    for (int r = 0; r < layers->rowCount(); ++r)
        edited << layers->item(r, 2)->text();
    CHECK(edited.contains("64×6×6"));
    // Through the spin box, as a user would: padding 1 again on the first encoder layer.
    auto* box = qobject_cast<QSpinBox*>(panel->convolutionsTable()->cellWidget(0, 3));
    REQUIRE(box);
    box->setValue(1);
    CHECK(panel->editedSpec().encoderConvs[0].padding == 1);
    // The model itself is untouched.
    CHECK(*e.window.session()->snapshot()->spec() == presetSpec("lecture", 2));
}

TEST_CASE("a TorchScript model opens in the window: map, hover and drawing work, training does not", "[gui][scripted]")
{
    Explorer e;
    const QString path = QString::fromUtf8(LX_TEST_DATA) + "/tiny_ae.pt";
    e.window.models()->openModel(path);
    REQUIRE(e.waitUntilIdle());
    const ModelSnapshotPtr model = e.window.session()->snapshot();
    REQUIRE(model);
    CHECK(model->latentDim() == 3);
    CHECK_FALSE(model->isTrainable());
    CHECK(model->description().startsWith("TorchScript tiny_ae.pt"));
    const auto cloud = e.window.map()->cloud();
    REQUIRE(cloud);
    CHECK(cloud->dim == 3);
    CHECK(cloud->count() == e.window.session()->dataset()->totalCount());
    // Hover decodes the plane's point through the PCA inverse.
    LatentMapView* map = e.window.map();
    const QPoint p = map->axisRect()->rect().center() + QPoint(11, 7);
    QTest::mouseMove(map, p);
    const std::vector<float> z = cloud->projection.unproject(map->planeAt(p).x(), map->planeAt(p).y());
    CHECK(e.window.decodePanel()->decodedTile()->image() == model->decode(z));
    // Train and Save are off; asking anyway is refused with a message, nothing breaks.
    CHECK_FALSE(e.action("Train")->isEnabled());
    CHECK_FALSE(e.action("Save Model…")->isEnabled());
    QSignalSpy failed(e.window.session(), &TrainingSession::failed);
    e.window.session()->train(1);
    REQUIRE(e.waitUntilIdle());
    REQUIRE(failed.count() >= 1);
    CHECK(failed.first().first().toString().contains("not trained"));
}

TEST_CASE("a saved session brings back the model, view, hidden class, pins and interpolation", "[gui][session]")
{
    Explorer e;
    e.window.session()->train(2);
    REQUIRE(e.waitUntilIdle());
    const QString sessionPath = QString::fromStdString(e.dir.file("look.lxsession"));
    LatentMapView* map = e.window.map();
    const auto cloud = map->cloud();
    map->setView(-0.5, 0.75, -0.25, 1.0);
    map->setClassVisible(3, false);
    QTest::mouseClick(map, Qt::LeftButton, {}, map->axisRect()->rect().center());
    REQUIRE(e.window.state()->pins()->rowCount() == 1);
    const std::vector<float> a(cloud->codes.begin(), cloud->codes.begin() + 2);
    const std::vector<float> b(cloud->codes.begin() + 20, cloud->codes.begin() + 22);
    const ModelSnapshotPtr model = e.window.session()->snapshot();
    e.window.state()->setEnds(a, b);
    e.window.interpolationPanel()->slider()->setValue(300); // as a drag would
    // Saved once the checkpoint beside it is written by the worker, not before.
    QSignalSpy saved(e.window.state(), &ExplorerState::sessionSaved);
    REQUIRE(e.window.state()->saveSession(sessionPath) == "");
    CHECK_FALSE(QFileInfo::exists(sessionPath));
    REQUIRE(saved.wait(60000));
    REQUIRE(QFileInfo::exists(QString::fromStdString(e.dir.file("look.ckpt"))));
    const std::vector<std::vector<float>> pins = e.window.state()->pins()->codes();

    // A fresh window (a later day) opens it.
    MainWindow other;
    other.resize(1000, 700);
    other.show();
    REQUIRE(QTest::qWaitForWindowExposed(&other));
    QSignalSpy restored(other.state(), &ExplorerState::sessionRestored);
    REQUIRE(other.state()->openSession(sessionPath) == "");
    REQUIRE((restored.count() > 0 || restored.wait(60000)));
    REQUIRE(QTest::qWaitFor([&] { return !other.session()->isBusy(); }, 60000));
    QCoreApplication::processEvents();
    REQUIRE(other.map()->cloud());
    CHECK(other.map()->xAxis->range().lower == Approx(-0.5));
    CHECK(other.map()->yAxis->range().upper == Approx(1.0));
    CHECK_FALSE(other.map()->isClassVisible(3));
    CHECK(other.map()->isClassVisible(2));
    CHECK(other.state()->pins()->codes() == pins);
    CHECK(other.state()->interpolation().a == a);
    CHECK(other.state()->interpolation().b == b);
    CHECK(other.state()->interpolation().t == Approx(0.3));
    CHECK(other.interpolationPanel()->position() == Approx(0.3));
    CHECK_FALSE(other.interpolationPanel()->strip().empty());
    // Same weights: the restored model decodes A exactly as the saved one did.
    CHECK(other.session()->snapshot()->decode(a) == model->decode(a));
    // The training curve comes back as it was drawn, through each epoch (not one point an
    // epoch), and the validation loss per epoch.
    size_t stepPoints = 0;
    for (const EpochRecord& epoch : loadCheckpoint(e.dir.file("look.ckpt")).history)
        stepPoints += epoch.stepLoss.size();
    CHECK(stepPoints > 2 * 2);
    CHECK(other.curvesPanel()->trainPointCount() == int(stepPoints));
    CHECK(other.curvesPanel()->validationPointCount() == 2);

    // A damaged session is refused with a message, and nothing changes.
    test::writeBytes(e.dir.file("bad.lxsession"), {'{', '}'});
    CHECK(other.state()->openSession(QString::fromStdString(e.dir.file("bad.lxsession"))).contains("not a Latent Explorer session"));
}

TEST_CASE("a session is saved only when its checkpoint could be written, with the session's dataset", "[gui][session]")
{
    Explorer e;
    // The settings say another dataset than the one open: the session's own is saved.
    QSettings().setValue("session/lastDataset", "fashion");
    const QString sessionPath = QString::fromStdString(e.dir.file("ok.lxsession"));
    QSignalSpy saved(e.window.state(), &ExplorerState::sessionSaved);
    QSignalSpy failed(e.window.state(), &ExplorerState::sessionFailed);
    REQUIRE(e.window.state()->saveSession(sessionPath) == "");
    REQUIRE(saved.wait(60000));
    CHECK(readSession(sessionPath.toStdString()).dataset == e.window.session()->datasetName().toStdString());

    // A folder where the checkpoint should go: the checkpoint fails, and so does the session
    // (no session file pointing at a model that is not there).
    std::filesystem::create_directory(e.dir.file("blocked.ckpt"));
    const QString blocked = QString::fromStdString(e.dir.file("blocked.lxsession"));
    REQUIRE(e.window.state()->saveSession(blocked) == "");
    REQUIRE(failed.wait(60000));
    CHECK(failed.last().at(0).toString() == blocked);
    CHECK_FALSE(failed.last().at(1).toString().isEmpty());
    CHECK_FALSE(QFileInfo::exists(blocked));
    CHECK(saved.count() == 1);
    QSettings().remove("session/lastDataset");
}

TEST_CASE("a reopened session uses its own dataset, not the one its checkpoint names", "[gui][session]")
{
    Explorer e; // trained on "shapes"
    const std::string other =
        test::writeDataset(test::syntheticDataset(200, 9), e.dir.path().string(), "other");
    const QString sessionPath = QString::fromStdString(e.dir.file("mixed.lxsession"));
    QSignalSpy saved(e.window.state(), &ExplorerState::sessionSaved);
    REQUIRE(e.window.state()->saveSession(sessionPath) == "");
    REQUIRE(saved.wait(60000));
    // The same session, pointing at the other dataset (as if saved after switching to it).
    SessionState s = readSession(sessionPath.toStdString());
    s.dataset = other;
    writeSession(sessionPath.toStdString(), s);

    MainWindow again;
    QSignalSpy restored(again.state(), &ExplorerState::sessionRestored);
    REQUIRE(again.state()->openSession(sessionPath) == "");
    REQUIRE((restored.count() > 0 || restored.wait(60000)));
    CHECK(again.session()->datasetName() == QString::fromStdString(other));
    CHECK(again.map()->cloud()->count() == 200);
}

TEST_CASE("t-SNE runs off the GUI thread, replaces the map, and hovering decodes through it", "[gui][tsne]")
{
    Explorer e;
    const auto exact = e.window.map()->cloud();
    e.window.neighbourMaps()->compute();
    REQUIRE(e.window.neighbourMaps()->isRunning());
    REQUIRE(QTest::qWaitFor([&] { return !e.window.neighbourMaps()->isRunning(); }, 120000));
    QCoreApplication::processEvents();
    const auto map = e.window.map()->cloud();
    REQUIRE(map != exact);
    CHECK(map->projection.isNeighbourhood());
    CHECK(map->codes == exact->codes);
    CHECK(map->xy != exact->xy);
    // Over a data point's place on the t-SNE map: the decode of that point's own code.
    const int64_t i = 33;
    const QPointF at(map->xy[size_t(2 * i)], map->xy[size_t(2 * i + 1)]);
    Q_EMIT e.window.map()->hovered(at, -1);
    const std::vector<float> code(map->codes.begin() + 2 * i, map->codes.begin() + 2 * i + 2);
    CHECK(e.window.decodePanel()->decodedTile()->image() == e.window.session()->snapshot()->decode(code));
    // Back to the exact projection.
    e.window.neighbourMaps()->showExactProjection();
    CHECK(e.window.map()->cloud() == exact);

    // Cancelled at once: the map stays as it is, and nothing is left running.
    e.window.neighbourMaps()->compute();
    e.window.neighbourMaps()->cancel();
    REQUIRE(QTest::qWaitFor([&] { return !e.window.neighbourMaps()->isRunning(); }, 60000));
    QCoreApplication::processEvents();
    CHECK(e.window.map()->cloud() == exact);
}

TEST_CASE("New Model opened on a UMAP model gives another type the 2-D code, not the spin box's minimum",
          "[gui][umap]")
{
    NewModelDialog dialog;
    dialog.setRequest(TrainingRequest::firstLaunch());
    auto* kind = dialog.findChild<QComboBox*>("kind");
    auto* latent = dialog.findChild<QSpinBox*>("latent");
    REQUIRE(kind);
    REQUIRE(latent);
    REQUIRE(kind->currentData().toString() == "umap");
    CHECK(latent->value() == 2);
    for (const char* other : {"ae", "vae"}) {
        kind->setCurrentIndex(kind->findData(other));
        CHECK(latent->isEnabled());
        CHECK(latent->value() == 2); // it was 1: a map of one axis
        kind->setCurrentIndex(kind->findData("umap"));
    }
    // A request of another size keeps its own.
    TrainingRequest wide;
    wide.latentDim = 8;
    dialog.setRequest(wide);
    CHECK(latent->value() == 8);
    kind->setCurrentIndex(kind->findData("umap"));
    kind->setCurrentIndex(kind->findData("ae"));
    CHECK(latent->value() == 8);
}

TEST_CASE("a UMAP-regularised model from New Model: said what it is, its layout's progress, its map's 5-NN",
          "[gui][umap]")
{
    Explorer e;
    NewModelDialog dialog(&e.window);
    auto* kind = dialog.findChild<QComboBox*>("kind");
    auto* latent = dialog.findChild<QSpinBox*>("latent");
    auto* weight = dialog.findChild<QDoubleSpinBox*>("umapWeight");
    auto* help = dialog.findChild<QLabel*>("kindHelp");
    REQUIRE(kind);
    REQUIRE(latent);
    REQUIRE(weight);
    REQUIRE(help);
    kind->setCurrentIndex(kind->findData("ae"));
    CHECK_FALSE(weight->isEnabled());
    latent->setValue(8);
    kind->setCurrentIndex(kind->findData("umap"));
    CHECK(kind->currentText().contains("UMAP"));
    CHECK(help->text().contains("UMAP layout"));
    // Its code is its 2-D map: the latent size is 2 and stays so; another type gets its size back.
    CHECK(latent->value() == 2);
    CHECK_FALSE(latent->isEnabled());
    kind->setCurrentIndex(kind->findData("ae"));
    CHECK(latent->value() == 8);
    CHECK(latent->isEnabled());
    kind->setCurrentIndex(kind->findData("umap"));
    CHECK(latent->value() == 2);
    CHECK(weight->isEnabled());
    weight->setValue(0.2);
    TrainingRequest r = dialog.request();
    CHECK(r.kind == ModelKind::Umap);
    CHECK(r.umapWeight == 0.2);
    r.arch = "mlp";
    r.batchSize = 32;
    r.epochs = 2;

    // Training: first the layout, said in the status bar, then epochs with their 5-NN.
    // The Training panel says it too (it said "Not trained yet" all through the layout), its
    // bar at how far the layout is.
    QStringList said, panel;
    std::vector<std::pair<double, int>> bar; // the layout's fraction, the bar's value
    QObject::connect(e.window.session(), &TrainingSession::progressText, [&](const QString& t) { said << t; });
    QObject::connect(e.window.session(), &TrainingSession::preparing, [&](const QString&, double f) {
        panel << e.window.curvesPanel()->statusText();
        bar.emplace_back(f, e.window.curvesPanel()->findChild<QProgressBar*>()->value());
    });
    QSignalSpy epochs(e.window.session(), &TrainingSession::epochFinished);
    e.window.models()->createModel(r, true);
    REQUIRE(QTest::qWaitFor([&] { return epochs.count() >= 2; }, 120000));
    REQUIRE(e.waitUntilIdle());
    CHECK(std::any_of(said.begin(), said.end(), [](const QString& t) { return t.contains("by UMAP"); }));
    INFO(panel.join(" | ").toStdString());
    CHECK(std::any_of(panel.begin(), panel.end(),
                      [](const QString& t) { return t.contains("by UMAP") && t.contains("before training starts"); }));
    CHECK_FALSE(e.window.curvesPanel()->statusText().contains("before training starts"));
    REQUIRE_FALSE(bar.empty());
    // Once the layout is done ("Starting training…") the bar is the run's: empty for a new
    // model (it stood full while the first step was on its way).
    for (const auto& [fraction, value] : bar)
        CHECK(value == (fraction >= 1 ? 0 : int(std::lround(1000 * fraction))));
    CHECK(bar.back().first >= 1);
    const ModelSnapshotPtr model = e.window.session()->snapshot();
    REQUIRE(model);
    CHECK(model->latentDim() == 2);
    const EpochRecord last = qvariant_cast<EpochRecord>(epochs.last().at(0));
    REQUIRE(last.valKnn >= 0);
    const QString quality = e.window.curvesPanel()->qualityText();
    INFO(quality.toStdString());
    CHECK(quality.startsWith(QStringLiteral("Epoch %1 on validation").arg(last.epoch)));
    CHECK(quality.contains(QStringLiteral("5-NN %1").arg(last.valKnn, 0, 'f', 3)));
    CHECK(quality.contains(QStringLiteral("reconstruction %1").arg(last.valRecon, 0, 'f', 4)));
    // The change since the epoch before, signed.
    CHECK(quality.contains(QRegularExpression(QStringLiteral("5-NN [0-9.]+ \\([+−][0-9.]+\\)"))));
}

TEST_CASE("replacing a model that trains asks to save it first, and a map by UMAP waits for the codes to hold still",
          "[gui][umap]")
{
    Explorer e;
    QAction* lecture = e.action("New Lecture Autoencoder");
    REQUIRE(lecture);
    e.window.session()->train(200);
    REQUIRE(QTest::qWaitFor([&] { return e.window.session()->isTraining(); }, 20000));
    // While training, the live map moves every second: UMAP says why it waits.
    e.window.neighbourMaps()->ask(NeighbourMapController::Method::Umap);
    CHECK_FALSE(e.window.neighbourMaps()->isRunning());
    CHECK(e.window.statusLine()->text().contains("pause or stop training first"));

    QString asked;
    auto answerWith = [&](QMessageBox::StandardButton button) {
        QTimer::singleShot(0, [&asked, button] {
            if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
                asked = box->text();
                box->button(button)->click();
            }
        });
    };
    answerWith(QMessageBox::Cancel);
    lecture->trigger();
    CHECK(asked.contains("save this one first"));
    CHECK(e.window.session()->isTraining()); // Cancel: nothing stopped
    asked.clear();
    answerWith(QMessageBox::Discard); // "Stop Without Saving"
    lecture->trigger();
    CHECK_FALSE(asked.isEmpty());
    REQUIRE(QTest::qWaitFor([&] {
        const ModelSnapshotPtr m = e.window.session()->snapshot();
        return m && m->description().startsWith("lecture AE, latent 2");
    }, 60000));
    e.window.session()->stop();
    REQUIRE(e.waitUntilIdle());
}

TEST_CASE("opening a dataset while the model trains asks only to stop it: the model and its weights stay", "[gui]")
{
    Explorer e;
    TrainingSession* session = e.window.session();
    QAction* open = e.window.models()->openDatasetAction();
    REQUIRE(open);
    // File > Open Dataset…: the choice of dataset, then (training) the question, answered `button`.
    QString asked;
    int choices = 0;
    auto openMnistAnswering = [&](QMessageBox::StandardButton button) {
        asked.clear();
        QTimer::singleShot(0, [&asked, &choices, button] {
            auto* choice = qobject_cast<QInputDialog*>(QApplication::activeModalWidget());
            if (!choice)
                return; // then nothing is asked, and the checks below fail
            ++choices;
            choice->setTextValue(QStringLiteral("mnist"));
            QTimer::singleShot(0, [&asked, button] {
                if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
                    asked = box->text();
                    box->button(button)->click();
                }
            });
            choice->accept();
        });
        open->trigger();
    };
    session->train(200);
    REQUIRE(QTest::qWaitFor([&] { return session->isTraining(); }, 20000));
    const ModelSnapshotPtr before = session->snapshot();
    openMnistAnswering(QMessageBox::Cancel);
    INFO(asked.toStdString());
    CHECK(asked.contains("Stop it and open mnist"));
    CHECK(asked.contains("keeps what it has learnt"));
    CHECK_FALSE(asked.contains("takes its place"));
    CHECK(session->isTraining()); // Cancel: nothing stopped
    openMnistAnswering(QMessageBox::Yes); // "Stop and Open"
    CHECK_FALSE(asked.isEmpty());
    REQUIRE(e.waitUntilIdle());
    CHECK_FALSE(session->isTraining());
    const ModelSnapshotPtr after = session->snapshot();
    REQUIRE(after);
    CHECK(after->description() == before->description()); // the same model, not a new one
    // Not training: the dataset opens without a question (nothing would be lost).
    openMnistAnswering(QMessageBox::Cancel);
    CHECK(choices == 3);
    CHECK(asked.isEmpty());
    REQUIRE(e.waitUntilIdle());
}

TEST_CASE("Save Model starts in the folder Open Model starts in when the model has no file of its own", "[gui]")
{
    Explorer e;
    QTemporaryDir folder;
    REQUIRE(folder.isValid());
    QSettings().setValue("export/dir", folder.path()); // the folder last used
    QString shown;
    QTimer::singleShot(0, [&shown] {
        if (auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget())) {
            shown = dialog->directory().absolutePath();
            dialog->reject();
        }
    });
    e.window.models()->saveModelAction()->trigger();
    CHECK(shown == QDir(folder.path()).absolutePath());
    QSettings().remove("export/dir");
}

TEST_CASE("replacing a model that has trained since it was saved asks first; a saved or untrained one goes at once",
          "[gui]")
{
    Explorer e;
    QAction* lecture = e.action("New Lecture Autoencoder");
    REQUIRE(lecture);
    TrainingSession* session = e.window.session();
    CHECK_FALSE(session->hasUnsavedTraining()); // as opened
    session->train(1);
    REQUIRE(QTest::qWaitFor([&] { return !session->history().empty(); }, 60000));
    REQUIRE(e.waitUntilIdle());
    REQUIRE_FALSE(session->isTraining());
    CHECK(session->hasUnsavedTraining()); // the automatic save at the end does not count

    QString asked;
    int boxes = 0;
    auto answerWith = [&](QMessageBox::StandardButton button) {
        QTimer::singleShot(0, [&, button] {
            if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
                ++boxes;
                asked = box->text();
                box->button(button)->click();
            }
        });
    };
    const ModelSnapshotPtr trained = session->snapshot();
    answerWith(QMessageBox::Cancel);
    lecture->trigger();
    CHECK(boxes == 1);
    CHECK(asked.contains("has trained since it was last saved"));
    CHECK(asked.startsWith("The model"));
    QTest::qWait(200);
    CHECK(session->snapshot() == trained); // Cancel: the model stays

    // Asked while training, and training ends before the answer: the question follows.
    session->train(200);
    REQUIRE(QTest::qWaitFor([&] { return session->isTraining(); }, 20000));
    QString before, after;
    QTimer::singleShot(0, [&] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box)
            return;
        before = box->text();
        session->stop();
        // The question's words change once trainingFinished arrives (queued from the worker).
        (void)QTest::qWaitFor([&] { return box->text().contains("has trained since"); }, 30000);
        after = box->text();
        box->button(QMessageBox::Cancel)->click();
    });
    lecture->trigger();
    CHECK(before.contains("The model is training"));
    CHECK(after.contains("has trained since it was last saved"));
    REQUIRE(e.waitUntilIdle());
    CHECK(session->hasUnsavedTraining());

    // Saved to a file of the user's: nothing to lose, so no question.
    test::TempDir dir;
    const QString path = QString::fromStdString(dir.file("kept.ckpt"));
    QSignalSpy saved(session, &TrainingSession::saved);
    session->saveModel(path);
    REQUIRE(QTest::qWaitFor([&] { return saved.count() >= 1; }, 20000));
    CHECK_FALSE(session->hasUnsavedTraining());
    answerWith(QMessageBox::Cancel); // would cancel, were a box to ask
    lecture->trigger();
    REQUIRE(QTest::qWaitFor([&] {
        const ModelSnapshotPtr m = session->snapshot();
        return m && m->description().startsWith("lecture AE, latent 2");
    }, 60000));
    CHECK(boxes == 1);
    session->stop();
    REQUIRE(e.waitUntilIdle());
}

TEST_CASE("UMAP runs off the GUI thread, replaces the map, and hovering decodes through it", "[gui][umap]")
{
    Explorer e;
    const auto exact = e.window.map()->cloud();
    e.window.neighbourMaps()->computeUmap(10, 0.2, 3);
    REQUIRE(e.window.neighbourMaps()->isRunning());
    auto* progress = e.window.findChild<QProgressDialog*>("neighbourMapProgress");
    REQUIRE(progress);
    CHECK(progress->labelText().startsWith(QStringLiteral("UMAP of %L1 codes (10 neighbours").arg(exact->count())));
    REQUIRE(QTest::qWaitFor([&] { return !e.window.neighbourMaps()->isRunning(); }, 120000));
    QCoreApplication::processEvents();
    const auto map = e.window.map()->cloud();
    REQUIRE(map != exact);
    CHECK(map->projection.isNeighbourhood());
    CHECK(map->codes == exact->codes);
    // The layout is UMAP's own for these codes and settings (every point, no sampling).
    UmapOptions options;
    options.neighbours = 10;
    options.minDist = 0.2;
    options.seed = 3;
    CHECK(map->xy == umap(exact->codes.data(), exact->count(), exact->dim, options));
    const int64_t i = 17;
    const QPointF at(map->xy[size_t(2 * i)], map->xy[size_t(2 * i + 1)]);
    Q_EMIT e.window.map()->hovered(at, -1);
    const std::vector<float> code(map->codes.begin() + 2 * i, map->codes.begin() + 2 * i + 2);
    CHECK(e.window.decodePanel()->decodedTile()->image() == e.window.session()->snapshot()->decode(code));
    e.window.neighbourMaps()->showExactProjection();
    CHECK(e.window.map()->cloud() == exact);
}

TEST_CASE("another model's samples appear beside these, drawn from its own natural source", "[gui]")
{
    Explorer e; // a plain autoencoder
    const std::string vaePath = e.dir.file("vae.ckpt");
    saveCheckpoint(TrainingRun::create(presetSpec("mlp", 2, ModelKind::Vae), 1e-3, 4), vaePath);
    e.window.findChild<QDockWidget*>("samplesDock")->raise();
    QCoreApplication::processEvents();
    SamplesPanel* samples = e.window.samplesPanel();
    REQUIRE(e.window.samples()->compareWith(QString::fromStdString(vaePath)) == "");
    REQUIRE(QTest::qWaitFor([&] { return !e.window.samples()->isComparing(); }, 60000));
    QCoreApplication::processEvents();
    REQUIRE(samples->comparisonImages().size() == size_t(SamplesPanel::kCount));
    // A VAE samples its prior, with the panel's seed: exactly those decodes.
    const ModelSnapshotPtr vae = loadSnapshot(QString::fromStdString(vaePath));
    const std::vector<QImage> expected = vae->decodeMany(samplePrior(SamplesPanel::kCount, 2, e.window.samples()->seed()));
    CHECK(bool(samples->comparisonImages() == expected));
    // A file that is not a model: a message, no comparison change, nothing stuck.
    test::writeBytes(e.dir.file("junk.ckpt"), {1, 2, 3});
    REQUIRE(e.window.samples()->compareWith(QString::fromStdString(e.dir.file("junk.ckpt"))) == "");
    REQUIRE(QTest::qWaitFor([&] { return !e.window.samples()->isComparing(); }, 60000));
    QCoreApplication::processEvents();
    CHECK(bool(samples->comparisonImages() == expected));
}

TEST_CASE("a comparison being prepared can be cancelled: nothing is shown and nothing is left running", "[gui]")
{
    Explorer e;
    const std::string vaePath = e.dir.file("vae.ckpt");
    saveCheckpoint(TrainingRun::create(presetSpec("mlp", 2, ModelKind::Vae), 1e-3, 4), vaePath);
    e.window.findChild<QDockWidget*>("samplesDock")->raise();
    QCoreApplication::processEvents();
    REQUIRE(e.window.samples()->compareWith(QString::fromStdString(vaePath)) == "");
    REQUIRE(e.window.samples()->isComparing());
    e.window.samples()->cancelComparison();
    REQUIRE(QTest::qWaitFor([&] { return !e.window.samples()->isComparing(); }, 60000));
    QCoreApplication::processEvents();
    CHECK(e.window.samplesPanel()->comparisonImages().empty());
    // A window closed and destroyed while one runs: the job is cancelled and joined.
    REQUIRE(e.window.samples()->compareWith(QString::fromStdString(vaePath)) == "");
    e.window.close();
}

TEST_CASE("a new model's empty chart starts from plain axes, not the last model's", "[gui]")
{
    CurvesPanel panel;
    panel.resize(600, 300);
    std::vector<EpochRecord> history;
    for (int epoch = 1; epoch <= 30; ++epoch) {
        EpochRecord e;
        e.epoch = epoch;
        e.trainLoss = e.valLoss = 5.0 / epoch;
        history.push_back(e);
    }
    panel.reset(history);
    REQUIRE(panel.plot()->xAxis->range().upper > 30);
    panel.reset({});
    CHECK(panel.plot()->xAxis->range().lower == 0);
    CHECK(panel.plot()->xAxis->range().upper == 1);
    CHECK(panel.plot()->yAxis->range().upper == 1);
    // A curve kept for comparison stays in view instead.
    panel.reset(history);
    panel.keepForComparison("before");
    panel.reset({});
    CHECK(panel.plot()->xAxis->range().upper > 30);
}

TEST_CASE("the chart's legend stands beside the curves only where they keep most of the width", "[gui]")
{
    CurvesPanel panel;
    panel.setVae(true);
    auto legendAt = [&](int width, int height) {
        panel.resize(width, height);
        panel.show();
        QApplication::processEvents();
        panel.plot()->replot();
        return panel.legendShown();
    };
    // 800×600's Training dock (~470 × 190): a VAE's five entries and two axes left the curves
    // a sliver.
    CHECK_FALSE(legendAt(470, 190));
    const QCPAxisRect* axes = panel.plot()->axisRect();
    CHECK(axes->width() > 300); // the curves have the room instead
    CHECK(panel.plot()->toolTip().contains("KL term")); // and the plot's tooltip names them
    CHECK(legendAt(1200, 300));
    CHECK(axes->width() < 1200 - panel.plot()->legend->outerRect().width());
    CHECK_FALSE(legendAt(470, 190)); // and back
    // An autoencoder's three entries, one axis: beside the curves at the same width.
    panel.setVae(false);
    CHECK(legendAt(470, 190));
    CHECK(axes->width() >= 200);
}

TEST_CASE("Train after a stop goes on to the plan's last epoch, and a finished plan gets that many more", "[gui]")
{
    Explorer e;
    TrainingRequest request = e.window.session()->lastRequest();
    request.epochs = 2;
    request.batchSize = 32;
    e.window.session()->newModel(request);
    REQUIRE(e.waitUntilIdle());
    QStringList said;
    QObject::connect(e.window.training(), &TrainingController::status, [&](const QString& t) { said << t; });
    QAction* train = e.window.training()->trainAction();
    train->trigger();
    REQUIRE(e.waitUntilIdle());
    REQUIRE(e.window.session()->history().size() == 2);
    CHECK(said.contains("Training 2 epochs"));
    // Two more (3 and 4), stopped part-way through epoch 4.
    e.window.session()->setStepHookForTesting([] { std::this_thread::sleep_for(std::chrono::milliseconds(20)); });
    QObject::connect(e.window.session(), &TrainingSession::epochFinished, [&](const EpochRecord& r) {
        if (r.epoch == 3)
            e.window.session()->stop();
    });
    train->trigger();
    CHECK(said.last().startsWith("Training epochs 3 to 4 · learning rate back up to 5")); // 52.5 %
    REQUIRE(e.waitUntilIdle());
    e.window.session()->setStepHookForTesting({});
    int done = 0;
    for (const EpochRecord& r : e.window.session()->history())
        done += !r.partial;
    REQUIRE(done == 3);
    CHECK(e.window.session()->targetEpoch() == 4);
    // Goes on to epoch 4 (it said "Training epochs 4 to 5", the plan growing at every stop).
    train->trigger();
    CHECK(said.last() == "Training on to epoch 4");
    REQUIRE(e.waitUntilIdle());
    done = 0;
    for (const EpochRecord& r : e.window.session()->history())
        done += !r.partial;
    CHECK(done == 4);
    train->trigger();
    // 4 done, 2 more: where a plan of 6 stands after 4, cos(2π/3): 5 % + 95 % × 1/4.
    CHECK(said.last().startsWith("Training epochs 5 to 6 · learning rate back up to 29 %: the loss"));
    CHECK(said.last().contains("may rise for an epoch or two"));
    // And it stays when the first step starts (the bare "Training epochs 5 to 6" replaced it).
    QSignalSpy started(e.window.session(), &TrainingSession::trainingStarted);
    REQUIRE(started.wait(60000));
    QCoreApplication::processEvents();
    CHECK_FALSE(said.contains("Training epochs 5 to 6"));
    CHECK(said.last().contains("learning rate back up to 29 %"));
    e.window.session()->stop();
    REQUIRE(e.waitUntilIdle());
}

TEST_CASE("the bar of a reopened model shows how much of its plan is done", "[gui]")
{
    CurvesPanel panel;
    const QProgressBar* bar = panel.findChild<QProgressBar*>();
    REQUIRE(bar);
    std::vector<EpochRecord> history;
    for (int epoch = 1; epoch <= 4; ++epoch) {
        EpochRecord e;
        e.epoch = epoch;
        e.trainLoss = e.valLoss = 0.05;
        history.push_back(e);
    }
    panel.reset(history, 20); // relaunched after 4 epochs of 20: a fifth, not a full bar
    CHECK(bar->value() == bar->maximum() / 5);
    CHECK(panel.statusText() == "4 epochs trained · Train goes on to epoch 20"); // and says where Train goes
    panel.reset(history, 4);
    CHECK(bar->value() == bar->maximum());
    CHECK(panel.statusText() == "4 epochs trained");
    // A stop part-way through epoch 5: its validation figures are said to be of part of it.
    EpochRecord part = history.back();
    part.epoch = 5;
    part.partial = true;
    part.valRecon = 0.04;
    history.push_back(part);
    panel.reset(history, 20);
    CHECK(panel.statusText() == "4 epochs and part of one more trained · Train goes on to epoch 20");
    // Its validation point half way through epoch 5, where the live chart drew it.
    REQUIRE(panel.plot()->graph(1)->data()->size() == 5);
    CHECK((panel.plot()->graph(1)->data()->constEnd() - 1)->key == Approx(4.5));
    CHECK(panel.qualityText().startsWith("Part of epoch 5 on validation: reconstruction 0.0400"));
    // Train goes on: epoch 5 whole compares its 5-NN with epoch 4's, not with its partial self.
    history[3].valKnn = 0.80;
    history.back().valKnn = 0.70;
    panel.reset(history, 20);
    EpochRecord whole = history.back();
    whole.partial = false;
    whole.valKnn = 0.85;
    panel.addEpoch(whole);
    CHECK(panel.qualityText().contains("5-NN 0.850 (+0.050)"));
    history.pop_back();
    panel.reset(history, 0); // the plan not known: what was trained counts as done
    CHECK(bar->value() == bar->maximum());
    panel.reset({}, 20);
    CHECK(bar->value() == 0);
}

namespace {

// Step s of 10 of `epoch`, its loss as given, reported to the panel.
void reportStep(CurvesPanel& panel, int epoch, int s, double loss)
{
    TrainingProgress p;
    p.step.epoch = epoch;
    p.step.step = s;
    p.step.stepsPerEpoch = 10;
    p.step.loss = loss;
    panel.addStep(p);
}

} // namespace

TEST_CASE("the loss chart keeps a view the user zoomed to while training goes on, and a double-click fits it again",
          "[gui]")
{
    CurvesPanel panel;
    panel.resize(600, 300);
    panel.show();
    REQUIRE(QTest::qWaitForWindowExposed(&panel));
    auto step = [&](int epoch, int s, double loss) { reportStep(panel, epoch, s, loss); };
    for (int s = 0; s < 10; ++s)
        step(1, s, 0.2 - 0.01 * s);
    QCustomPlot* plot = panel.plot();
    const QPoint centre = plot->axisRect()->rect().center();
    QWheelEvent wheel(centre, plot->mapToGlobal(centre), QPoint(), QPoint(0, 240), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(plot, &wheel);
    const QCPRange zoomed = plot->xAxis->range();
    for (int s = 0; s < 10; ++s) // epoch 2 comes in: the zoomed view stays
        step(2, s, 0.1 - 0.005 * s);
    CHECK(plot->xAxis->range().lower == Approx(zoomed.lower));
    CHECK(plot->xAxis->range().upper == Approx(zoomed.upper));
    CHECK(plot->xAxis->range().upper < 1.0); // epoch 2's steps (x from 1 to 1.9) out of sight
    QTest::mouseDClick(plot, Qt::LeftButton, {}, centre);
    CHECK(plot->xAxis->range().upper >= 1.9); // fitted to every step again
    for (int s = 0; s < 10; ++s) // and follows the curves from then on
        step(3, s, 0.05);
    CHECK(plot->xAxis->range().upper >= 2.9);
    CHECK(plot->toolTip().contains("double-click"));
}

TEST_CASE("the overfitting gap fills exactly the space between the curves drawn, only where validation is above",
          "[gui]")
{
    CurvesPanel panel;
    panel.resize(600, 300);
    auto step = [&](int epoch, int s, double loss) { reportStep(panel, epoch, s, loss); };
    auto epochEnd = [&](int epoch, double val) {
        EpochRecord e;
        e.epoch = epoch;
        e.trainLoss = 0.2; // the epoch's mean: not the curve drawn (the smoothed steps are)
        e.valLoss = val;
        panel.addEpoch(e);
    };
    // The drawn training curve stays at 0.1; validation below it for two epochs: no gap.
    for (int epoch = 1; epoch <= 2; ++epoch) {
        for (int s = 1; s <= 10; ++s)
            step(epoch, s, 0.1);
        epochEnd(epoch, epoch == 1 ? 0.08 : 0.09);
    }
    CHECK_FALSE(panel.saysGap());
    for (const QPointF& p : panel.gapOutline(true))
        CHECK(p.y() == Approx(0.1)); // nothing shaded: top and bottom both on the training curve
    // Then validation rises above training: shaded from where the curves cross.
    for (int epoch = 3; epoch <= 4; ++epoch) {
        for (int s = 1; s <= 10; ++s)
            step(epoch, s, 0.1);
        epochEnd(epoch, epoch == 3 ? 0.12 : 0.15);
    }
    CHECK(panel.saysGap());
    const std::vector<QPointF> top = panel.gapOutline(true), bottom = panel.gapOutline(false);
    REQUIRE(top.size() == bottom.size());
    REQUIRE_FALSE(top.empty());
    bool crossed = false;
    for (size_t i = 0; i < top.size(); ++i) {
        CHECK(bottom[i].y() == Approx(0.1));  // the training curve as drawn, not the epoch mean 0.2
        CHECK(top[i].y() >= bottom[i].y() - 1e-12);
        if (top[i].x() == Approx(3.0))
            CHECK(top[i].y() == Approx(0.12));
        if (top[i].x() == Approx(4.0))
            CHECK(top[i].y() == Approx(0.15));
        if (top[i].x() > 2.0 && top[i].x() < 3.0 && top[i].y() == Approx(0.1))
            crossed = true; // the crossing point, where the shading starts
    }
    CHECK(crossed);
}

TEST_CASE("a VAE's status line gives its loss terms in units that add up", "[gui][vae]")
{
    CurvesPanel panel;
    panel.setVae(true, 0.5, 784);
    TrainingProgress p;
    p.step.epoch = 1;
    p.step.step = 1;
    p.step.stepsPerEpoch = 10;
    p.step.recon = 0.1076;
    p.step.kl = 3.10;
    p.step.loss = p.step.recon + 0.5 * p.step.kl / 784; // what computeLoss minimises
    panel.addStep(p);
    const QString text = panel.statusText();
    const QRegularExpressionMatch m =
        QRegularExpression("loss ([0-9.]+) = reconstruction ([0-9.]+) \\+ β·KL/pixel ([0-9.]+) \\(KL 3.10 nats per image\\)")
            .match(text);
    REQUIRE(m.hasMatch());
    CHECK(m.captured(2).toDouble() + m.captured(3).toDouble() == Approx(m.captured(1).toDouble()).margin(1.5e-4));
}

TEST_CASE("the architecture panel names the one value that makes the shapes meet, and frames it", "[gui]")
{
    ArchitecturePanel panel;
    panel.setSpec(presetSpec("lecture", 2));
    CHECK(panel.fixRow() == -1);
    // A kernel of 5 on the decoder's first layer: 7 → 16 → 32, not 28.
    panel.editConvolution(2, 1, 5);
    CHECK(panel.verdict().contains("decoder gives 32×32, expected 28×28: decoder layer 2: padding 1 → 3 fixes it"));
    CHECK(panel.fixRow() == 3);
    CHECK(panel.fixColumn() == 3);
    // Taking the advice makes them meet, and nothing is framed any more.
    panel.editConvolution(3, 3, 3);
    CHECK(panel.verdict().contains("shapes meet"));
    CHECK(panel.fixRow() == -1);
    // The lecture's own case keeps the lecture's words.
    panel.editConvolution(3, 3, 1);
    panel.editConvolution(2, 1, 3);
    panel.editConvolution(3, 4, 0);
    CHECK(panel.verdict().contains("output_padding = 1 on the last layer fixes it"));
    CHECK(panel.fixColumn() == 4);
}

TEST_CASE("opening an imported model that never answers keeps the window usable, and Cancel gives it up",
          "[gui][scripted][deadline]")
{
    Explorer e;
    const ModelSnapshotPtr before = e.window.session()->snapshot();
    e.window.models()->openModel(QString::fromUtf8(LX_TEST_DATA) + "/never_opens.pt");
    // The window goes on answering while the probe runs; after a second it offers Cancel.
    QProgressDialog* dialog = nullptr;
    REQUIRE(QTest::qWaitFor(
        [&] {
            dialog = e.window.findChild<QProgressDialog*>("openingModel");
            return dialog && dialog->isVisible();
        },
        3000)); // a second, not QProgressDialog's own four
    CHECK(e.window.session()->isBusy());
    QPushButton* cancel = dialog->findChild<QPushButton*>();
    REQUIRE(cancel);
    QTest::mouseClick(cancel, Qt::LeftButton);
    REQUIRE(e.waitUntilIdle(5000));
    auto* status = e.window.findChild<QLabel*>("statusLine");
    REQUIRE(status);
    CHECK(QTest::qWaitFor([&] { return status->text().contains("Opening never_opens.pt cancelled"); }, 2000));
    CHECK(e.window.session()->snapshot() == before);
    CHECK(e.action("Open Model…")->isEnabled());
    CHECK(e.window.findChildren<QMessageBox*>("errorMessage").isEmpty()); // asked for: not a warning
    CHECK(QTest::qWaitFor([&] { return !e.window.findChild<QProgressDialog*>("openingModel"); }, 2000));
}

TEST_CASE("an imported model that fails on the GUI thread gives a blank tile and one warning, never a crash",
          "[gui][scripted][deadline]")
{
    Explorer e;
    e.window.models()->openModel(QString::fromUtf8(LX_TEST_DATA) + "/far_hangs.pt");
    REQUIRE(e.waitUntilIdle());
    const ModelSnapshotPtr model = e.window.session()->snapshot();
    REQUIRE(model);
    REQUIRE(model->description().startsWith("TorchScript far_hangs.pt"));
    CHECK_FALSE(model->decode({0.1f, 0.2f, -0.1f}).isNull());
    // Far out it never returns: the GUI waits 2 s, no more, and gets no image.
    CHECK(model->decode({500.0f, 0.0f, 0.0f}).isNull());
    CHECK(model->decodeMany({0.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f}).size() == 2); // set aside: blanks, as many
    CHECK(model->encode(std::vector<uint8_t>(28 * 28, 0).data()).empty());
    auto* status = e.window.findChild<QLabel*>("statusLine");
    REQUIRE(status);
    CHECK(QTest::qWaitFor([&] { return status->text().contains("far_hangs.pt: decode did not answer in 2 s"); }, 2000));
    // One warning box for the one problem, not one per call.
    const auto boxes = e.window.findChildren<QMessageBox*>("errorMessage");
    CHECK(boxes.size() == 1);
    CHECK(boxes.first()->text().contains("the model is set aside"));
    // Its samples are not sixteen empty frames in red ("off the data"): no tiles, and why.
    e.window.findChild<QDockWidget*>("samplesDock")->raise();
    QCoreApplication::processEvents();
    CHECK(e.window.samplesPanel()->images().empty());
    CHECK(e.window.samplesPanel()->offData().empty());
    CHECK(e.window.samplesPanel()->summary().contains("gave no images"));
}

TEST_CASE("every bad model file opened in the window is one warning naming it, and the model shown stays",
          "[gui][scripted]")
{
    Explorer e;
    const ModelSnapshotPtr before = e.window.session()->snapshot();
    const test::TempDir bad;
    const std::vector<std::string> files = test::writeBadModelFiles(bad.path().string(), LX_TEST_DATA);
    qputenv("LX_MODEL_TIMEOUT", "1");
    QSignalSpy failed(e.window.session(), &TrainingSession::failed);
    for (const std::string& file : files) {
        const QString name = QString::fromStdString(std::filesystem::path(file).filename().string());
        INFO(name.toStdString());
        failed.clear();
        e.window.models()->openModel(QString::fromStdString(file));
        REQUIRE(e.waitUntilIdle(20000));
        REQUIRE(failed.count() == 1);
        const QString message = failed.first().first().toString();
        INFO(message.toStdString());
        CHECK(message.contains(name));
        CHECK_FALSE(message.trimmed().contains('\n'));
        CHECK(e.window.session()->snapshot() == before);
        CHECK(e.window.map()->cloud() != nullptr);
        CHECK(e.action("Open Model…")->isEnabled());
    }
    qunsetenv("LX_MODEL_TIMEOUT");
}

namespace {

// In every laid-out widget that is shown: two visible children that overlap, a child reaching
// outside its parent, or a one-line label shorter than its text.
QStringList layoutFaults(QWidget* root, int* checked)
{
    QStringList faults;
    const auto name = [](const QWidget* w) {
        return QStringLiteral("%1 \"%2\"").arg(w->metaObject()->className(), w->objectName());
    };
    QList<QWidget*> widgets = root->findChildren<QWidget*>();
    widgets << root;
    for (QWidget* w : widgets) {
        // Every container laid out by a layout (our panels and their groups); not Qt's own
        // composites, whose parts overlap by design (a dock's title buttons, the window's docks).
        if (!w->isVisible() || !w->layout() || qobject_cast<QDockWidget*>(w) || qobject_cast<QMainWindow*>(w)
            || qobject_cast<QCustomPlot*>(w))
            continue;
        QList<QWidget*> children;
        for (QObject* o : w->children())
            if (auto* c = qobject_cast<QWidget*>(o); c && c->isVisible() && !c->isWindow())
                children << c;
        for (int i = 0; i < children.size(); ++i) {
            QWidget* c = children[i];
            ++*checked;
            if (!w->rect().contains(c->geometry()))
                faults << QStringLiteral("%1 reaches outside %2").arg(name(c), name(w));
            for (int j = i + 1; j < children.size(); ++j)
                if (c->geometry().intersects(children[j]->geometry()))
                    faults << QStringLiteral("%1 overlaps %2 in %3").arg(name(c), name(children[j]), name(w));
            if (auto* tile = qobject_cast<ImageTile*>(c); tile && !tile->captionFits())
                faults << QStringLiteral("the caption \"%1\" is cut (%2 px wide) in %3").arg(tile->caption()).arg(tile->width()).arg(name(w));
            if (auto* label = qobject_cast<QLabel*>(c); label && !label->wordWrap() && !label->text().isEmpty()
                                                         && label->width() < label->minimumSizeHint().width())
                faults << QStringLiteral("label \"%1\" is cut (%2 of %3 px) in %4")
                              .arg(label->text())
                              .arg(label->width())
                              .arg(label->minimumSizeHint().width())
                              .arg(name(w));
        }
    }
    return faults;
}

} // namespace

TEST_CASE("at 800x600, 1280x800 and 1920x1080 no panel's widgets overlap, reach outside it or cut a label",
          "[gui][layout]")
{
    Explorer e;
    // Something in every panel: a hovered data point, a pin, interpolation ends, a drawing.
    LatentMapView* map = e.window.map();
    const auto cloud = map->cloud();
    QTest::mouseMove(map, map->positionOf(QPointF(cloud->xy[0], cloud->xy[1])));
    QTest::mouseClick(map, Qt::LeftButton, {}, map->axisRect()->rect().center());
    e.window.state()->setEnds(std::vector<float>(cloud->codes.begin(), cloud->codes.begin() + 2),
                              std::vector<float>(cloud->codes.begin() + 2, cloud->codes.begin() + 4));
    for (const QSize size : {QSize(800, 600), QSize(1280, 800), QSize(1920, 1080)}) {
        e.window.resize(size);
        QCoreApplication::processEvents();
        for (QDockWidget* dock : e.window.findChildren<QDockWidget*>()) {
            dock->raise();
            QCoreApplication::processEvents();
            INFO(size.width() << "x" << size.height() << ", " << dock->windowTitle().toStdString() << " in front");
            // The panels in view: each dock on its own, and the front one of each tab group
            // (Qt keeps the others "visible" underneath).
            int checked = 0;
            QStringList faults;
            for (QDockWidget* d : e.window.findChildren<QDockWidget*>()) {
                bool front = e.window.tabifiedDockWidgets(d).isEmpty();
                for (QTabBar* bar : e.window.findChildren<QTabBar*>())
                    for (int t = 0; t < bar->count(); ++t)
                        if (bar->tabText(t) == d->windowTitle())
                            front = t == bar->currentIndex();
                if (!front || !d->isVisible())
                    continue;
                faults << layoutFaults(d->widget(), &checked);
                // Nothing to scroll for: at 1280×800 and up no panel in front is taller than
                // its dock (the Draw panel's results were below the fold), and at any size the
                // Training panel shows its line and its bar, and the Decoder its images with a
                // data point hovered (at 800×600 its label pushed the decode out of view).
                // (Architecture lists every layer of the model: that list scrolls by design.)
                auto* scroll = qobject_cast<QScrollArea*>(d->widget());
                if (scroll && scroll->verticalScrollBar()->isVisible() && d->objectName() != "architectureDock"
                    && (size.width() >= 1280 || d->objectName() == "trainingDock" || d->objectName() == "decoderDock"))
                    faults << QStringLiteral("%1 scrolls: %2 px high in a %3 px dock")
                                  .arg(d->windowTitle())
                                  .arg(scroll->widget()->height())
                                  .arg(scroll->viewport()->height());
            }
            CHECK(faults.join('\n').toStdString() == "");
            CHECK(checked >= 8); // the panels in view and their parts
        }
    }
}

TEST_CASE("at 800x600 the right column shows every tab's title, the Decoder its images beside each other, and the "
          "loss chart keeps its curves' height",
          "[gui][layout]")
{
    Explorer e;
    const auto columnTabs = [&] {
        for (QTabBar* bar : e.window.findChildren<QTabBar*>())
            for (int t = 0; t < bar->count(); ++t)
                if (bar->isVisible() && bar->tabText(t) == "Pins")
                    return bar;
        return static_cast<QTabBar*>(nullptr);
    };
    const auto settle = [] {
        // The docks are arranged after the resize is handled (DockLayout), the panels after that.
        for (int i = 0; i < 5; ++i) {
            QTest::qWait(20);
            QCoreApplication::processEvents();
        }
    };
    // 800×575: the window of an 800×600 screen less a window manager's title bar.
    for (const QSize size : {QSize(800, 600), QSize(1280, 800), QSize(800, 575), QSize(800, 600)}) {
        e.window.resize(size);
        settle();
        INFO(size.width() << "x" << size.height());
        QTabBar* tabs = columnTabs();
        REQUIRE(tabs);
        CHECK(tabs->height() >= tabs->sizeHint().height()); // no scroll buttons: all five titles in view
        DecodePanel* decode = e.window.decodePanel();
        // Compact where the tabs need the room; back to the decode over the trio at 1280×800.
        CHECK(decode->compact() == (size.height() < 700));
        // A long code under the decode, as hovering far out shows: whole, if without its "z = ".
        decode->showDecoded(decode->decodedTile()->image(), QStringLiteral("z = (13.99, −15.12)"),
                            QStringLiteral("(13.99, −15.12)"));
        CHECK(decode->decodedTile()->shownCaption().endsWith(QStringLiteral("(13.99, −15.12)")));
        // The decode at least twice the digit's 28 px (each pixel 2×2), the trio at least 1.4×.
        for (ImageTile* tile : {decode->decodedTile(), decode->originalTile(), decode->reconstructionTile(), decode->errorTile()}) {
            INFO(tile->caption().toStdString() << " (" << tile->fontMetrics().horizontalAdvance(tile->caption()) << " px) in "
                                               << tile->width() << "x" << tile->height());
            CHECK(tile->imageSide() >= (tile == decode->decodedTile() ? 56 : 40));
            CHECK(tile->captionFits());
        }
        // A long message keeps its end (the percentage was cut off at 800×600) and fits the bar;
        // the whole line stays in text() and the tooltip.
        e.window.statusLine()->show(
            QStringLiteral("Laying out the 60,000 training images by UMAP, their shades compressed… 42%"));
        settle();
        auto* line = e.window.findChild<QLabel*>("statusLine");
        REQUIRE(line);
        INFO(e.window.statusLine()->shownText().toStdString());
        CHECK(e.window.statusLine()->shownText().endsWith(QStringLiteral("42%")));
        CHECK(line->fontMetrics().horizontalAdvance(line->text()) <= line->contentsRect().width());
        CHECK(e.window.statusLine()->text().endsWith(QStringLiteral("shades compressed… 42%")));
        CHECK(line->toolTip() == e.window.statusLine()->text());
        if (size.width() >= 1280) // room for all of it
            CHECK(e.window.statusLine()->shownText() == e.window.statusLine()->text());
        // The plot's curves at least 45 px high (a 25 px strip at 800×600 before).
        CHECK(e.window.curvesPanel()->plot()->axisRect()->height() >= 45);
        // Draw's five nearest training images, each at least its 28 px (~20 px at 800×600 before).
        auto* draw = e.window.findChild<QDockWidget*>("drawDock");
        REQUIRE(draw);
        draw->raise();
        settle();
        int nearest = 0;
        for (ImageTile* tile : draw->findChildren<ImageTile*>()) {
            if (!tile->caption().isEmpty())
                continue;
            ++nearest;
            INFO("a nearest image's tile, " << tile->width() << "x" << tile->height());
            CHECK(tile->imageSide() >= 28);
        }
        CHECK(nearest == 5);
    }
    // With a tab closed by the user, the others still show whole.
    e.window.findChild<QDockWidget*>("drawDock")->close();
    e.window.resize(1280, 800);
    settle();
    e.window.resize(800, 500); // short enough that the four tabs need room from the Decoder
    settle();
    QTabBar* tabs = columnTabs();
    REQUIRE(tabs);
    CHECK(tabs->count() == 4);
    INFO("tab bar " << tabs->height() << " of " << tabs->sizeHint().height() << " px");
    CHECK(tabs->height() >= tabs->sizeHint().height());
}

TEST_CASE("on a first start the window fits the screen", "[gui][layout]")
{
    QSettings().remove("window/geometry");
    QSettings().remove("window/state");
    MainWindow window;
    const QSize room = QGuiApplication::primaryScreen()->availableGeometry().size();
    INFO("screen " << room.width() << "x" << room.height() << ", window " << window.width() << "x" << window.height());
    CHECK(window.width() <= room.width());
    CHECK(window.height() <= room.height());
}

TEST_CASE("the window and its dialogs carry the app's icon, and a file given opens as a model or a session",
          "[gui]")
{
    Explorer e;
    const QList<QSize> sizes = QApplication::windowIcon().availableSizes();
    CHECK(sizes.contains(QSize(16, 16)));
    CHECK(sizes.contains(QSize(256, 256)));
    CHECK_FALSE(e.window.windowIcon().availableSizes().isEmpty());
    // What the desktop's "Open With" passes: a session file...
    test::writeBytes(e.dir.file("bad.lxsession"), {'{', '}'});
    QSignalSpy errors(e.window.models(), &ModelController::error);
    e.window.models()->openFile(QString::fromStdString(e.dir.file("bad.lxsession")));
    REQUIRE(errors.count() == 1);
    CHECK(errors.first().first().toString().contains("bad.lxsession"));
    // ... or a model.
    e.window.models()->openFile(QString::fromUtf8(LX_TEST_DATA) + "/tiny_ae.pt");
    REQUIRE(e.waitUntilIdle());
    CHECK(e.window.session()->snapshot()->description().startsWith("TorchScript tiny_ae.pt"));
}

TEST_CASE("a dark palette gives a dark window: the map, its legend and marks, and the curves follow it", "[gui]")
{
    Explorer e;
    LatentMapView* map = e.window.map();
    const auto groundOf = [](QCustomPlot* plot) {
        plot->replot();
        const QImage shot = plot->grab().toImage();
        const QRect r = plot->axisRect()->rect();
        return shot.pixelColor(int((r.left() + 3) * shot.devicePixelRatio()), int((r.top() + 3) * shot.devicePixelRatio()));
    };
    CHECK(groundOf(map).lightness() > 200); // the light palette the tests run with
    e.window.setPalette(darkPalette());
    QCoreApplication::processEvents();
    const QColor text = darkPalette().color(QPalette::Text);
    CHECK(groundOf(map).lightness() < 60);
    CHECK(groundOf(e.window.curvesPanel()->plot()).lightness() < 60);
    CHECK(map->xAxis->tickLabelColor() == text);
    CHECK(map->yAxis->labelColor() == text);
    CHECK(e.window.curvesPanel()->plot()->xAxis->tickLabelColor() == text);
    CHECK(map->legend->item(0)->textColor() == text);
    // Marks drawn after the change are in the palette's ink, not black on a dark ground.
    QTest::mouseMove(map, map->axisRect()->rect().center());
    QCPCurve* hover = nullptr;
    for (int i = 0; i < map->plottableCount(); ++i)
        if (map->plottable(i)->name() == "mark:hover")
            hover = qobject_cast<QCPCurve*>(map->plottable(i));
    REQUIRE(hover);
    CHECK(hover->scatterStyle().pen().color() == text);
    e.window.setPalette(QPalette());
}
