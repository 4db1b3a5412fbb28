#include "TestSupport.h"

#include "io/Checkpoint.h"

#include "MainWindow.h"
#include "bridge/ModelSnapshot.h"
#include "map/LatentMapView.h"
#include "panels/DecodePanel.h"
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
