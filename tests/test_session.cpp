// The window's state without the window: the training session's guarantees, the explorer
// state, background jobs. Defects found by reading the old window code each have a test here
// that failed before its fix.
#include "TestSupport.h"

#include "common/Error.h"
#include "io/Checkpoint.h"
#include "latent/Evaluation.h"

#include "MainWindow.h"
#include "controllers/ExportController.h"
#include "controllers/ModelController.h"
#include "controllers/StatusLine.h"
#include "map/LatentMapView.h"
#include "panels/CurvesPanel.h"
#include "panels/DecodePanel.h"
#include "panels/ImageTile.h"
#include "panels/InterpolationPanel.h"
#include "session/BackgroundJob.h"
#include "session/ExplorerState.h"
#include "session/ImageFolder.h"
#include "session/PauseGate.h"
#include "session/Projector.h"
#include "session/ModelSnapshotImpl.h"
#include "session/TrainingSession.h"

#include <QAction>
#include <QCoreApplication>
#include <QFileInfo>
#include <QPainter>
#include <QSettings>
#include <QSignalSpy>
#include <QTest>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <future>
#include <new>
#include <thread>

using namespace lx;
using namespace lx::ui;

namespace {

// A session on a small synthetic dataset with a fresh model, everything computed.
struct Session {
    test::TempDir dir;
    TrainingSession session;
    ExplorerState state{&session};

    explicit Session(const QString& arch = "mlp")
    {
        session.openDataset(QString::fromStdString(
            test::writeDataset(test::syntheticDataset(300), dir.path().string(), "shapes")));
        TrainingRequest request;
        request.arch = arch;
        request.batchSize = 32;
        session.newModel(request);
        REQUIRE(waitUntilIdle());
        REQUIRE(state.current());
    }

    bool waitUntilIdle(int ms = 60000)
    {
        const bool idle = QTest::qWaitFor([&] { return !session.isBusy(); }, ms);
        QCoreApplication::processEvents();
        return idle;
    }
};

// The window on 300 synthetic images with a fresh mlp model, everything computed.
void openShapes(MainWindow& window, const test::TempDir& dir, TrainingRequest request)
{
    window.session()->openDataset(
        QString::fromStdString(test::writeDataset(test::syntheticDataset(300), dir.path().string(), "shapes")));
    request.arch = "mlp";
    window.session()->newModel(request);
    REQUIRE(QTest::qWaitFor([&] { return !window.session()->isBusy(); }, 60000));
    QCoreApplication::processEvents();
}

QAction* actionNamed(QWidget& window, const QString& text)
{
    for (QAction* a : window.findChildren<QAction*>())
        if (a->text().remove('&') == text)
            return a;
    return nullptr;
}

} // namespace

TEST_CASE("a resume or a stop is never lost between the worker's check and its sleep", "[gui][session]")
{
    // Many pause/resume rounds with a waiter on another thread: a wake-up sent while the
    // waiter is between checking and sleeping would leave it asleep for good.
    PauseGate gate;
    for (int round = 0; round < 2000; ++round) {
        gate.pause();
        auto waiter = std::async(std::launch::async, [&] { return gate.waitWhilePaused(); });
        if (round % 2)
            std::this_thread::yield();
        gate.resume();
        const bool woke = waiter.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
        if (!woke) {
            gate.stop(); // let the thread end before failing
            waiter.wait();
        }
        REQUIRE(woke);
        CHECK_FALSE(waiter.get()); // resumed, not stopped
    }
    gate.pause();
    auto stopped = std::async(std::launch::async, [&] { return gate.waitWhilePaused(); });
    gate.stop();
    CHECK(stopped.get());
    CHECK_FALSE(gate.isPaused());
}

TEST_CASE("training that fails with any exception ends, says why, and frees the actions", "[gui][session]")
{
    test::TempDir dir;
    MainWindow window;
    TrainingSession* session = window.session();
    TrainingRequest request;
    request.batchSize = 32;
    openShapes(window, dir, request);

    // What LibTorch throws on a failed allocation or a bad shape, what new throws, and what a
    // oneDNN call can throw: none of them is an lx::Error.
    int step = 0;
    std::string expected;
    SECTION("c10::Error")
    {
        expected = "CPU allocator could not allocate";
        session->setStepHookForTesting([&step] {
            if (++step == 3)
                throw c10::Error("CPU allocator could not allocate 8 GB", "");
        });
    }
    SECTION("std::bad_alloc")
    {
        expected = "out of memory";
        session->setStepHookForTesting([&step] {
            if (++step == 3)
                throw std::bad_alloc();
        });
    }
    SECTION("std::runtime_error")
    {
        expected = "could not create a primitive";
        session->setStepHookForTesting([&step] {
            if (++step == 3)
                throw std::runtime_error("could not create a primitive");
        });
    }
    QSignalSpy finished(session, &TrainingSession::trainingFinished);
    QSignalSpy failed(session, &TrainingSession::failed);
    session->train(5);
    REQUIRE((finished.count() > 0 || finished.wait(60000)));
    CHECK(qvariant_cast<TrainingOutcome>(finished.first().at(0)) == TrainingOutcome::Failed);
    REQUIRE(QTest::qWaitFor([&] { return !session->isBusy(); }, 60000));
    QCoreApplication::processEvents();
    CHECK_FALSE(session->isTraining());
    REQUIRE(failed.count() >= 1);
    CHECK(failed.first().at(0).toString().contains(QString::fromStdString(expected)));
    // Nothing stays locked: the user can train again, or start over.
    CHECK(actionNamed(window, "Train")->isEnabled());
    CHECK(actionNamed(window, "New Model…")->isEnabled());
    CHECK_FALSE(actionNamed(window, "Stop")->isEnabled());
    session->setStepHookForTesting({});
    QSignalSpy again(session, &TrainingSession::trainingFinished);
    session->train(1);
    REQUIRE((again.count() > 0 || again.wait(60000)));
    CHECK(qvariant_cast<TrainingOutcome>(again.first().at(0)) == TrainingOutcome::Finished);
}

TEST_CASE("the state never pairs a model with another model's cloud, and each cloud has a new generation",
          "[gui][session]")
{
    Session s;
    const ExplorerState::Current first = s.state.current();
    const DatasetPtr data = s.session.dataset();
    quint64 generation = s.state.cloudGeneration();
    int checked = 0, mismatched = 0, generationSteps = 0, clouds = 0;
    // Whenever a panel could ask (at every signal the state sends), a model and a cloud that
    // come together must be that model's: its code of an image is the cloud's.
    auto check = [&] {
        if (const ExplorerState::Current now = s.state.current()) {
            ++checked;
            const std::vector<float> z = now.model->encode(data->train.image(5));
            for (size_t k = 0; k < z.size(); ++k)
                if (std::abs(z[k] - now.cloud->codes[5 * z.size() + k]) > 1e-4f)
                    ++mismatched;
        }
    };
    QObject::connect(&s.state, &ExplorerState::modelChanged, check);
    QObject::connect(&s.state, &ExplorerState::weightsChanged, check);
    QObject::connect(&s.state, &ExplorerState::cloudChanged, [&] {
        check();
        ++clouds;
        generationSteps += s.state.cloudGeneration() == generation + 1;
        generation = s.state.cloudGeneration();
    });
    for (quint64 seed : {7, 8, 9}) { // same latent size: only the values tell them apart
        TrainingRequest request;
        request.arch = "mlp";
        request.seed = seed;
        s.session.newModel(request);
    }
    REQUIRE(s.waitUntilIdle());
    CHECK(checked > 0);
    CHECK(mismatched == 0);
    CHECK(clouds >= 3);
    CHECK(generationSteps == clouds);
    const ExplorerState::Current last = s.state.current();
    REQUIRE(last);
    CHECK(last.model != first.model);
    CHECK(last.cloud != first.cloud);
}

TEST_CASE("a new model clears the old one's pins, ends and decoder", "[gui][session]")
{
    test::TempDir dir;
    MainWindow window;
    window.resize(1000, 700);
    window.show();
    REQUIRE(QTest::qWaitForWindowExposed(&window));
    TrainingSession* session = window.session();
    TrainingRequest request;
    request.arch = "mlp";
    openShapes(window, dir, request);
    session->train(1);
    REQUIRE(QTest::qWaitFor([&] { return !session->isBusy(); }, 60000));
    QCoreApplication::processEvents();
    REQUIRE(window.curvesPanel()->validationPointCount() == 1);
    LatentMapView* map = window.map();
    const QPoint centre = map->axisRect()->rect().center();
    QTest::mouseClick(map, Qt::LeftButton, {}, centre);
    QTest::mouseClick(map, Qt::RightButton, {}, centre + QPoint(-50, 20));
    QTest::mouseClick(map, Qt::RightButton, {}, centre + QPoint(60, -30));
    QTest::mouseMove(map, centre + QPoint(10, 10));
    REQUIRE(window.state()->pins()->rowCount() == 1);
    REQUIRE(window.state()->interpolation().hasBothEnds());
    REQUIRE_FALSE(window.decodePanel()->decodedTile()->image().isNull());
    REQUIRE_FALSE(window.interpolationPanel()->endImage(0).isNull());
    // The pointer leaves the map (over it, the decoder would show the new model's decode there).
    QTest::mouseMove(window.curvesPanel(), QPoint(5, 5));

    request.seed = 3;
    request.latentDim = 3;
    session->newModel(request);
    REQUIRE(QTest::qWaitFor([&] { return !session->isBusy(); }, 60000));
    QCoreApplication::processEvents();
    CHECK(window.state()->pins()->rowCount() == 0);
    CHECK(window.state()->interpolation().a.empty());
    CHECK(window.interpolationPanel()->endImage(0).isNull());
    CHECK(window.interpolationPanel()->strip().empty());
    CHECK(window.decodePanel()->decodedTile()->image().isNull());
    // The Training panel too: nothing of the old run's curves or words.
    CHECK(window.curvesPanel()->trainPointCount() == 0);
    CHECK(window.curvesPanel()->validationPointCount() == 0);
    CHECK(window.curvesPanel()->statusText() == "Not trained yet");
}

TEST_CASE("switching from mnist to fashion puts fashion's class names in the legend", "[gui][session][installed]")
{
    MainWindow window;
    TrainingSession* session = window.session();
    session->openDataset("mnist");
    TrainingRequest request;
    request.arch = "mlp";
    session->newModel(request);
    REQUIRE(QTest::qWaitFor([&] { return !session->isBusy(); }, 120000));
    QCoreApplication::processEvents();
    LatentMapView* map = window.map();
    auto legendNames = [&] {
        std::vector<std::string> names;
        for (int i = 0; i < map->legend->itemCount(); ++i)
            if (auto* item = qobject_cast<QCPPlottableLegendItem*>(map->legend->item(i)))
                names.push_back(item->plottable()->name().toStdString());
        return names;
    };
    CHECK(legendNames() == digitClassNames());
    session->openDataset("fashion"); // ten classes too, other names
    REQUIRE(QTest::qWaitFor([&] { return !session->isBusy(); }, 120000));
    QCoreApplication::processEvents();
    CHECK(legendNames() == fashionClassNames());
    CHECK(map->cloud()->count() == 70000);
}

TEST_CASE("the last dataset is remembered only once it has loaded", "[gui][session]")
{
    MainWindow window; // its model controller records settings
    QSettings().setValue("session/lastDataset", "mnist");
    QSignalSpy failed(window.session(), &TrainingSession::failed);
    window.models()->openDataset("/nowhere/at-all-images-idx3-ubyte");
    REQUIRE((failed.count() > 0 || failed.wait(60000)));
    REQUIRE(QTest::qWaitFor([&] { return !window.session()->isBusy(); }, 60000));
    QCoreApplication::processEvents();
    CHECK(QSettings().value("session/lastDataset").toString() == "mnist");

    test::TempDir dir;
    const QString good = QString::fromStdString(test::writeDataset(test::syntheticDataset(50), dir.path().string(), "ok"));
    window.models()->openDataset(good);
    REQUIRE(QTest::qWaitFor([&] { return !window.session()->isBusy(); }, 60000));
    QCoreApplication::processEvents();
    CHECK(QSettings().value("session/lastDataset").toString() == good);
    QSettings().remove("session/lastDataset");
}

TEST_CASE("a background job that is cancelled delivers nothing, and its owner can always close", "[gui][session]")
{
    auto job = std::make_unique<BackgroundJob>("test");
    int delivered = 0;
    std::atomic<int> rounds{0};
    // Work that only ends when cancelled, as a long t-SNE or encoding would.
    REQUIRE(job->start([&](BackgroundJob::Context& context) {
        while (!context.isCancelled()) {
            ++rounds;
            context.progress(0.5);
            context.deliver([&] { ++delivered; });
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        throw Cancelled();
    }));
    CHECK_FALSE(job->start([](BackgroundJob::Context&) {})); // one run at a time
    REQUIRE(QTest::qWaitFor([&] { return rounds.load() >= 3; }, 10000));
    job->cancel();
    const int before = delivered;
    QSignalSpy finished(job.get(), &BackgroundJob::finished);
    REQUIRE((finished.count() > 0 || finished.wait(10000)));
    QCoreApplication::processEvents();
    CHECK(delivered == before); // results queued before the cancel were dropped too
    CHECK_FALSE(job->isRunning());

    // Destroyed while running: it cancels the run and joins its thread (a run that could not
    // be cancelled would hang here).
    std::atomic<bool> sawCancel{false};
    std::atomic<bool> running{false};
    REQUIRE(job->start([&](BackgroundJob::Context& context) {
        running = true;
        while (!context.isCancelled())
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        sawCancel = true;
    }));
    REQUIRE(QTest::qWaitFor([&] { return running.load(); }, 10000));
    job.reset();
    CHECK(sawCancel.load());
}

TEST_CASE("a failing background job reports its message", "[gui][session]")
{
    BackgroundJob job("test");
    QSignalSpy failed(&job, &BackgroundJob::failed);
    QSignalSpy finished(&job, &BackgroundJob::finished);
    job.start([](BackgroundJob::Context&) { throw Error("model.pt: decode did not answer"); });
    REQUIRE((finished.count() > 0 || finished.wait(10000)));
    REQUIRE(failed.count() == 1);
    CHECK(failed.first().at(0).toString() == "model.pt: decode did not answer");
}

TEST_CASE("when training ends, the map is the final weights' exact embedding, made without encoding everything again",
          "[gui][session]")
{
    for (const bool stopMidEpoch : {false, true}) {
        INFO((stopMidEpoch ? "stopped part-way through an epoch" : "finished"));
        Session s;
        QStringList said;
        QObject::connect(&s.session, &TrainingSession::progressText, [&](const QString& t) { said << t; });
        QSignalSpy reports(&s.session, &TrainingSession::stepReported);
        s.session.train(stopMidEpoch ? 50 : 2);
        if (stopMidEpoch) {
            REQUIRE(QTest::qWaitFor([&] { return reports.count() >= 2; }, 60000));
            s.session.stop();
        }
        REQUIRE(s.waitUntilIdle());
        REQUIRE_FALSE(s.session.history().empty());
        CHECK(s.session.history().back().partial == stopMidEpoch);
        const ExplorerState::Current now = s.state.current();
        REQUIRE(now);
        const LatentCloud exact = embedSplits(*now.model->impl().model, *s.session.dataset());
        REQUIRE(now.cloud->codes.size() == exact.codes.size());
        CHECK(torch::allclose(torch::tensor(now.cloud->codes), torch::tensor(exact.codes), 1e-5, 1e-5));
        // The epoch's end measured 5-NN on all images with these weights: no second pass.
        CHECK(std::none_of(said.begin(), said.end(), [](const QString& t) { return t.startsWith("Computing the map"); }));
    }
}

TEST_CASE("the time left leaves out the time spent paused", "[gui][session]")
{
    Session s;
    QSignalSpy reports(&s.session, &TrainingSession::stepReported);
    s.session.train(200);
    REQUIRE(QTest::qWaitFor([&] { return reports.count() >= 3; }, 60000));
    s.session.pause();
    REQUIRE(QTest::qWaitFor([&] { return s.session.isPaused(); }, 10000));
    QTest::qWait(300); // the last report sent before the worker stopped has arrived
    const double before = qvariant_cast<TrainingProgress>(reports.last().at(0)).secondsLeft;
    const int count = reports.count();
    REQUIRE(before > 0);
    QTest::qWait(3000);
    s.session.resume();
    REQUIRE(QTest::qWaitFor([&] { return reports.count() > count; }, 60000));
    const double after = qvariant_cast<TrainingProgress>(reports.at(count).at(0)).secondsLeft;
    s.session.stop();
    REQUIRE(s.waitUntilIdle());
    // Counted as training, the 3 s paused would make the time left grow by 3 s times the
    // steps left over the steps done (many times 3 s after a few reports): it does not grow.
    CHECK(after > 0);
    CHECK(after < before * 1.5 + 0.5);
}

TEST_CASE("the Embedding Projector's limits are said before anything is written, and the window writes its four files",
          "[gui][session]")
{
    DatasetSplits big;
    big.train.count = 80000;
    big.validation.count = 10000;
    big.train.rows = big.train.cols = 28;
    CHECK(projectorProblem(big).find("sprite of at most 8,192 px a side; 90000 images of 28x28 make one of 8400 px")
          != std::string::npos);
    big.train.count = 95000;
    big.validation.count = 6000;
    CHECK(projectorProblem(big).find("at most 100,000 points; this dataset has 101000") != std::string::npos);
    big.train.count = 60000; // Fashion-MNIST's 70,000 fit: a sprite of 7,420 px
    CHECK(projectorProblem(big).empty());

    test::TempDir dir;
    MainWindow window;
    TrainingRequest request;
    openShapes(window, dir, request);
    const QString folder = QString::fromStdString(dir.file("projector"));
    REQUIRE(window.exports()->projector(folder) == "");
    REQUIRE(QTest::qWaitFor([&] { return QFileInfo::exists(folder + "/projector_config.pbtxt"); }, 60000));
    for (const char* file : {"vectors.tsv", "metadata.tsv", "sprite.png"})
        CHECK(QFileInfo(folder + "/" + file).size() > 0);
}

namespace {

// A w×h image: a white (or black) page with a black (or white) bar across its middle.
QImage pageWithBar(int w, int h, bool lightPage)
{
    QImage image(w, h, QImage::Format_RGB32);
    image.fill(lightPage ? Qt::white : Qt::black);
    QPainter p(&image);
    p.fillRect(QRect(w / 4, h / 2 - 2, w / 2, 4), lightPage ? Qt::black : Qt::white);
    return image;
}

void saveImage(const QImage& image, const std::filesystem::path& path, const char* format)
{
    std::filesystem::create_directories(path.parent_path());
    REQUIRE(image.save(QString::fromStdString(path.string()), format));
}

} // namespace

TEST_CASE("an image folder opens as a dataset: classes from its folders, images made MNIST-like, unreadable ones skipped",
          "[gui][session][imagefolder]")
{
    // The conversion: a light page is inverted (light strokes on black); the longer side fits
    // 28 and the other is padded with black, centred.
    const std::vector<uint8_t> wide = toDatasetImage(pageWithBar(56, 28, true));
    REQUIRE(wide.size() == 28 * 28);
    CHECK(*std::max_element(wide.begin(), wide.begin() + 28 * 6) == 0); // padding above the 28x14 image
    CHECK(wide[14 * 28 + 14] > 200);                                     // the bar, now light
    CHECK(wide[10 * 28 + 2] == 0);                                       // the page, now black
    const std::vector<uint8_t> dark = toDatasetImage(pageWithBar(28, 28, false));
    CHECK(dark[14 * 28 + 14] > 200); // already light on dark: kept
    CHECK(dark[3 * 28 + 3] == 0);

    test::TempDir dir;
    const std::filesystem::path root = dir.path() / "pictures";
    for (const char* part : {"train", "val"})
        for (const char* name : {"cat", "dog"})
            for (int i = 0; i < 3; ++i)
                saveImage(pageWithBar(30 + i, 20, i % 2 == 0), root / part / name / ("p" + std::to_string(i) + ".png"), "PNG");
    saveImage(pageWithBar(20, 20, true), root / "train" / "dog" / "q.jpg", "JPG");
    saveImage(pageWithBar(20, 20, true), root / "train" / "cat" / "r.bmp", "BMP");
    test::writeBytes((root / "train" / "cat" / "broken.png").string(), {'n', 'o', 't'});
    std::vector<std::string> skipped;
    const DatasetSplits s = openAnyDataset(root.string(), &skipped);
    CHECK(s.classNames == std::vector<std::string>{"cat", "dog"});
    CHECK(s.train.count == 8); // 3 + 3 png, a jpg and a bmp; not the broken one
    CHECK(s.validation.count == 6);
    CHECK(s.train.rows == 28);
    REQUIRE(skipped.size() == 1);
    CHECK(skipped.front().find("broken.png") != std::string::npos);
    CHECK(std::count(s.train.labels.begin(), s.train.labels.end(), 1) == 4); // dog

    // Without train/ and val/: all of it, split 80/20.
    const DatasetSplits flat = openAnyDataset((root / "val").string());
    CHECK(flat.totalCount() == 6);
    CHECK(flat.train.count == 4);

    // The window opens it as any dataset, and says what it skipped.
    MainWindow window;
    QSignalSpy notices(window.session(), &TrainingSession::notice);
    window.session()->openDataset(QString::fromStdString(root.string()));
    REQUIRE(QTest::qWaitFor([&] { return !window.session()->isBusy(); }, 60000));
    QCoreApplication::processEvents();
    REQUIRE(window.session()->dataset());
    CHECK(window.session()->dataset()->train.count == 8);
    REQUIRE(notices.count() == 1);
    CHECK(notices.first().first().toString().contains("broken.png"));
    CHECK(window.statusLine()->text().contains("broken.png")); // not cleared by the new dataset
}

TEST_CASE("a snapshot never changes while it is held, and a copy no snapshot holds is reused with the newest weights",
          "[gui][session]")
{
    TrainingRun run = TrainingRun::create(presetSpec("mlp", 2), 1e-3, 1);
    SnapshotRecycler recycler;
    const torch::Tensor z = torch::tensor({{0.3f, -0.2f}, {1.5f, 0.7f}});
    auto decoded = [&](const ModelSnapshotPtr& s) { return s->impl().model->decode(z).detach().clone(); };
    auto train = [&](float by) { // any change of every weight and statistic will do
        torch::NoGradGuard noGrad;
        for (torch::Tensor& p : run.model->parameters())
            p.add_(by);
        for (torch::Tensor& b : run.model->buffers())
            if (b.is_floating_point())
                b.mul_(1.0f + by);
    };

    ModelSnapshotPtr first = recycler.take(run.model, true);
    const torch::Tensor firstImages = decoded(first);
    REQUIRE(torch::equal(firstImages, decoded(snapshotOf(run.model))));
    train(0.05f);
    const ModelSnapshotPtr second = recycler.take(run.model, true);
    CHECK(torch::equal(decoded(first), firstImages)); // held: untouched by the next snapshot
    const torch::Tensor secondImages = decoded(second);
    CHECK_FALSE(torch::allclose(secondImages, firstImages));
    CHECK(torch::equal(secondImages, decoded(snapshotOf(run.model))));

    // Once nobody holds the first, its copy is the next snapshot's, with the weights of now.
    const LatentModel* firstCopy = first->impl().model.get();
    first.reset();
    train(-0.1f);
    const ModelSnapshotPtr third = recycler.take(run.model, true);
    CHECK(third->impl().model.get() == firstCopy);
    CHECK(torch::equal(decoded(third), decoded(snapshotOf(run.model))));
    CHECK(torch::equal(decoded(second), secondImages)); // still held: still untouched
    CHECK(third->latentDim() == 2);
    // Mid-training a batch decodes on the calling thread alone, otherwise on all the cores:
    // the same images either way.
    const ModelSnapshotPtr idle = snapshotOf(third->impl().model, /*midTraining=*/false);
    std::vector<float> grid;
    for (int i = 0; i < 900; ++i)
        grid.insert(grid.end(), {float(i % 30) / 10 - 1.5f, float(i / 30) / 10 - 1.5f});
    const std::vector<QImage> alone = third->decodeMany(grid), together = idle->decodeMany(grid);
    REQUIRE(alone.size() == 900);
    CHECK((alone == together));

    // Another model (another shape): never written into the first model's copies.
    TrainingRun other = TrainingRun::create(presetSpec("mlp", 3), 1e-3, 2);
    const ModelSnapshotPtr fourth = recycler.take(other.model, true);
    CHECK(fourth->latentDim() == 3);
    CHECK(fourth->impl().model.get() != firstCopy);
}
