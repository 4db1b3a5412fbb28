#include "TestSupport.h"

#include "io/Checkpoint.h"

#include "MainWindow.h"
#include "bridge/ModelSnapshot.h"
#include "map/LatentMapView.h"
#include "data/DrawingPreprocess.h"
#include "latent/Interpolation.h"
#include "panels/DecodePanel.h"
#include "panels/DrawPanel.h"
#include "panels/DrawingCanvas.h"
#include "panels/InterpolationPanel.h"
#include "panels/ImageTile.h"
#include "training/CurvesPanel.h"
#include "training/TrainingSession.h"

#include <QAction>
#include <QCoreApplication>
#include <QSignalSpy>
#include <QTest>

#include <catch2/catch.hpp>

using namespace lx;
using namespace lx::ui;

namespace {

// A window on a small synthetic dataset with a fresh model, everything computed.
struct Explorer {
    test::TempDir dir;
    MainWindow window;

    explicit Explorer(const QString& arch = "mlp")
    {
        const std::string images = test::writeDataset(test::syntheticDataset(300), dir.path().string(), "shapes");
        window.resize(1000, 700);
        window.show();
        REQUIRE(QTest::qWaitForWindowExposed(&window));
        QSignalSpy idle(window.session(), &TrainingSession::idle);
        window.openDatasetNamed(QString::fromStdString(images));
        TrainingRequest request;
        request.arch = arch;
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
    const QImage expected = model->decode(map->cloud()->projection.unproject(plane.x(), plane.y()));
    CHECK(shown == expected);
    CHECK(shown.size() == QSize(28, 28));
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
    CHECK(original->caption().startsWith("original: "));
}

TEST_CASE("clicking the map pins that point's decode", "[gui]")
{
    Explorer e;
    LatentMapView* map = e.window.map();
    QTest::mouseClick(map, Qt::LeftButton, {}, map->axisRect()->rect().center());
    QTest::mouseClick(map, Qt::LeftButton, {}, map->axisRect()->rect().center() + QPoint(40, 40));
    CHECK(e.window.pinsList()->count() == 2);
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
    CHECK(stop->isEnabled());
    stop->trigger();
    REQUIRE(finished.wait(10000));
    CHECK(finished.last().at(0).toString() == "stopped");
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

TEST_CASE("closing the window during training stops the worker and exits cleanly", "[gui]")
{
    auto e = std::make_unique<Explorer>("conv");
    TrainingSession* session = e->window.session();
    session->train(1000);
    REQUIRE(QTest::qWaitFor([&] { return e->window.curvesPanel()->trainPointCount() >= 1; }, 60000));
    REQUIRE(session->isTraining());
    e->window.close();
    e.reset(); // destroys the session: stops and joins the worker thread
    SUCCEED("the window and its worker are gone");
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
    REQUIRE(panel->hasBothEnds());
    const auto cloud = map->cloud();
    const QPointF pa = map->planeAt(a);
    const std::vector<float> za = map->pointAt(a) >= 0 ? std::vector<float>(cloud->codes.begin() + map->pointAt(a) * 2,
                                                                            cloud->codes.begin() + map->pointAt(a) * 2 + 2)
                                                       : cloud->projection.unproject(pa.x(), pa.y());
    CHECK(panel->endA() == za);

    // The strip: evenly spaced decodes from A to B, in order.
    const ModelSnapshotPtr model = e.window.session()->snapshot();
    const auto path = interpolationPath(panel->endA(), panel->endB(), panel->stripLength(), PathKind::Linear);
    const std::vector<QImage> expected = model->decodeMany(path);
    REQUIRE(panel->strip().size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i)
        CHECK(panel->strip()[i] == expected[i]);
    CHECK(panel->strip().front() != panel->strip().back());

    // Drag the slider: the image follows t along the path.
    for (int value : {0, 250, 1000}) {
        panel->slider()->setSliderPosition(value); // what a drag does
        const QImage want = model->decode(interpolate(panel->endA(), panel->endB(), value / 1000.0, PathKind::Linear));
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
    // Undo takes the stroke away again.
    canvas->undo();
    CHECK(canvas->isEmpty());
    CHECK(draw->preprocessedTile()->image().isNull());
}
