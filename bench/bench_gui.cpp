// GUI benchmarks (issue 3's "must hold" figures), printed as one table; no pass/fail here.
//   bench_gui [--data fashion] [--arch conv] [--seconds 15] [--redraws 40] [--scripted model.pt]
//   bench_gui --open model.ckpt [--rounds 5]   (only the open of a saved model, codes cached)
// Runs on any Qt platform (offscreen is fine: the map renders into its own buffer).
//  1. map redraw, all points of the dataset: our cached raster vs QCustomPlot's own scatter
//  2. hover → decoded image painted, idle and while training
//  3. GUI event-loop lateness (a 5 ms probe timer) while training, and training throughput in
//     the window against the same training headless, side by side in this process
//  4. closing the window mid-training: time until it is hidden, and until the worker is joined
//     (its autosave written)
#include "common/SystemInfo.h"
#include "data/Dataset.h"
#include "latent/Evaluation.h"
#include "train/Trainer.h"

#include <torch/script.h>

#include "MainWindow.h"
#include "controllers/DecodedGridController.h"
#include "controllers/ModelController.h"
#include "session/ModelSnapshot.h"
#include "session/ModelSnapshotImpl.h"
#include "map/LatentMapView.h"
#include "panels/DecodePanel.h"
#include "panels/ImageTile.h"
#include "session/TrainingSession.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>

#include <QDir>
#include <QFileInfo>
#include <QEventLoop>
#include <QFile>

#include <malloc.h>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <random>
#include <thread>

using namespace lx;
using namespace lx::ui;

namespace {

struct Stats {
    double p50 = 0, p99 = 0, max = 0;
    size_t n = 0;
};

Stats stats(std::vector<double> v)
{
    Stats s;
    s.n = v.size();
    if (v.empty())
        return s;
    std::sort(v.begin(), v.end());
    s.p50 = v[v.size() / 2];
    s.p99 = v[std::min(v.size() - 1, size_t(double(v.size()) * 0.99))];
    s.max = v.back();
    return s;
}

void row(const char* what, const Stats& s, const char* unit = "ms")
{
    std::printf("%-52s p50 %8.2f  p99 %8.2f  max %8.2f %s  (n=%zu)\n", what, s.p50, s.p99, s.max, unit, s.n);
}

// Runs the event loop for `ms` (QTest::qWait sleeps between rounds, which would show up
// as lateness that is not the application's).
void spin(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

template <typename Pred>
bool spinUntil(Pred done, int ms)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > ms)
            return false;
        spin(5);
    }
    return true;
}

bool waitIdle(MainWindow& w, int ms = 600000)
{
    const bool ok = spinUntil([&] { return !w.session()->isBusy(); }, ms);
    QCoreApplication::processEvents();
    return ok;
}

// A line of /proc/self/status in MB: "VmHWM:" (peak resident) or "VmRSS:" (resident now).
double statusMb(const char* key)
{
    QFile status("/proc/self/status");
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray k(key);
    for (const QByteArray& line : status.readAll().split('\n'))
        if (line.startsWith(k))
            return line.mid(k.size()).trimmed().split(' ').front().toDouble() / 1024.0;
    return -1;
}

double peakResidentMb()
{
    return statusMb("VmHWM:");
}

// glibc's heap now: what is allocated (arena and mmapped blocks) and what is free but kept.
struct HeapMb {
    double inUse, keptFree;
};
HeapMb heapMb()
{
    const struct mallinfo2 m = mallinfo2();
    return {double(m.uordblks + m.hblkhd) / (1 << 20), double(m.fordblks) / (1 << 20)};
}

double threadCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

std::vector<double> redrawTimes(LatentMapView* map, int count)
{
    std::vector<double> ms;
    for (int i = 0; i < count; ++i) {
        // Pan a little each time: the cached raster must be rebuilt, as when the user drags.
        map->xAxis->moveRange(map->xAxis->range().size() * (i % 2 ? 0.01 : -0.01));
        QElapsedTimer t;
        t.start();
        map->replot(QCustomPlot::rpImmediateRefresh);
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    return ms;
}

// Moves the mouse to random places on the map; each sample is the time from the event to the
// decoded image painted in its tile.
std::vector<double> hoverTimes(MainWindow& w, int count, uint64_t seed)
{
    LatentMapView* map = w.map();
    ImageTile* tile = w.decodePanel()->decodedTile();
    const QRect r = map->axisRect()->rect();
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> x(r.left() + 5, r.right() - 5), y(r.top() + 5, r.bottom() - 5);
    std::vector<double> ms;
    for (int i = 0; i < count; ++i) {
        QElapsedTimer t;
        t.start();
        QTest::mouseMove(map, QPoint(x(rng), y(rng)));
        tile->repaint();
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
        spin(15);
    }
    return ms;
}

// Training speed from step reports: the images between two consecutive reports of the same
// epoch over the time between them. An epoch's end (validation, the 5-NN pass, the exact map)
// falls between two epochs' reports and so counts on neither side: the window and headless
// training are measured alike, whichever of them an epoch's end happens to fall in.
struct StepTimeline {
    struct Tick {
        int epoch;
        int64_t step;
        double at; // seconds
    };
    std::vector<Tick> ticks;

    void add(int epoch, int64_t step, double at) { ticks.push_back({epoch, step, at}); }
    double imagesPerSecond(double from, double to, int batch) const
    {
        double images = 0, seconds = 0;
        for (size_t i = 1; i < ticks.size(); ++i) {
            const Tick& a = ticks[i - 1];
            const Tick& b = ticks[i];
            if (a.at < from || b.at > to || a.epoch != b.epoch)
                continue;
            images += double(b.step - a.step) * batch;
            seconds += b.at - a.at;
        }
        return seconds > 0 ? images / seconds : 0;
    }
};

// Trains headless on the same data and model type, past the same first second the window's
// figure leaves out, then for `seconds`; images per second as StepTimeline counts them.
double headlessImagesPerSecond(const DatasetSplits& data, const TrainingRequest& r, double seconds)
{
    ModelSpec spec = presetSpec(r.arch.toStdString(), r.latentDim, r.kind, LossKind::Mse, data.name);
    spec.inputNoise = r.inputNoise;
    // The window's run of 1,000 epochs never reaches a UMAP model's decoder finish; a run of a
    // few seconds would (its clean codes encoded first: a pause of seconds among the steps).
    spec.decoderFinish = 0;
    TrainingRun run = TrainingRun::create(spec, r.learningRate, r.seed);
    TrainConfig config;
    config.epochs = 1000;
    config.batchSize = r.batchSize;
    config.timeLimitSeconds = seconds + 1;
    Trainer trainer(run, data, config);
    StepTimeline timeline;
    QElapsedTimer t;
    double first = -1; // after a UMAP model's layout: from its first step on
    trainer.onStep([&](const StepReport& s) {
        const double at = double(t.nsecsElapsed()) / 1e9;
        if (first < 0)
            first = at;
        timeline.add(s.epochOfRun, s.step, at);
    });
    t.start();
    trainer.run();
    return timeline.imagesPerSecond(first + 1.0, 1e9, r.batchSize);
}


// Opens `path` in a new window; the time until the first map is drawn (of the first 10,000
// images, while the rest are encoded, where the dataset is large enough), then until the whole.
std::pair<double, double> openUntilDrawn(const QString& path)
{
    QElapsedTimer t;
    t.start();
    MainWindow again;
    again.resize(1280, 800);
    again.show();
    QObject::connect(again.session(), &TrainingSession::failed, [](const QString& m) {
        std::fprintf(stderr, "bench_gui: %s\n", qPrintable(m));
        std::exit(1);
    });
    again.models()->openModel(path);
    spinUntil([&] { return again.map()->cloud() != nullptr; }, 600000);
    again.map()->replot(QCustomPlot::rpImmediateRefresh);
    const double first = double(t.nsecsElapsed()) / 1e6;
    spinUntil([&] { return again.map()->cloud() != nullptr && !again.session()->isBusy(); }, 600000);
    again.map()->replot(QCustomPlot::rpImmediateRefresh);
    return {first, double(t.nsecsElapsed()) / 1e6};
}

// The model at `checkpoint` saved again by a window once idle, so that its codes are cached
// beside it (<path>.codes) as a user's saved model has them.
QString savedWithCodes(const QString& checkpoint, const QString& path)
{
    MainWindow w;
    w.models()->openModel(checkpoint);
    waitIdle(w);
    w.session()->saveModel(path);
    waitIdle(w);
    return path;
}

// --open FILE: only the open of a saved model, its codes cached, `rounds` times.
int benchOpen(const QString& checkpoint, int rounds)
{
    const QString idle = savedWithCodes(checkpoint, QDir::temp().filePath("lx-bench-open.ckpt"));
    if (!QFileInfo::exists(idle + ".codes")) {
        std::fprintf(stderr, "bench_gui: no codes were cached beside %s\n", qPrintable(idle));
        return 1;
    }
    std::vector<double> ms;
    for (int i = 0; i < rounds; ++i)
        ms.push_back(openUntilDrawn(idle).second);
    row("open a model -> its map drawn (codes cached)", stats(ms));
    QFile::remove(idle);
    QFile::remove(idle + ".codes");
    return 0;
}
} // namespace

int main(int argc, char* argv[])
{
    configureThreads();
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName("Latent Explorer");
    QCoreApplication::setApplicationName("Latent Explorer bench");
    QCommandLineParser parser;
    parser.addOptions({{"data", "Dataset.", "name", "fashion"},
                       {"arch", "Architecture.", "name", "conv"},
                       {"model", "Model type: ae (the issue's figures), vae or umap (what a first launch trains).",
                        "type", "ae"},
                       {"seconds", "Training time per measurement.", "s", "15"},
                       {"redraws", "Redraws per renderer.", "n", "40"},
                       {"scripted", "A TorchScript model: its decode through its own thread and direct.", "file"},
                       {"open", "Only time opening this model (saved again with its codes cached), --rounds times.", "file"},
                       {"rounds", "With --open: how many opens.", "n", "5"}});
    parser.process(app);
    const QString dataName = parser.value("data");
    const double seconds = parser.value("seconds").toDouble();
    const int redraws = parser.value("redraws").toInt();
    if (parser.isSet("open"))
        return benchOpen(parser.value("open"), std::max(1, parser.value("rounds").toInt()));

    const SystemInfo sys = systemInfo();
    std::printf("GUI benchmarks: data %s, arch %s, model %s, %d threads, BLAS %s, platform %s\n", qPrintable(dataName),
                qPrintable(parser.value("arch")), qPrintable(parser.value("model")), sys.threads, sys.blasLibrary.c_str(), qPrintable(app.platformName()));

    TrainingRequest request;
    request.arch = parser.value("arch");
    request.kind = parseKind(parser.value("model").toStdString());
    request.inputNoise = presetSpec(request.arch.toStdString(), request.latentDim, request.kind, LossKind::Mse,
                                    dataName.toStdString())
                             .inputNoise;
    auto window = std::make_unique<MainWindow>();
    window->resize(1280, 800);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        return 1;
    const double beforeDataMb = statusMb("VmRSS:"); // LibTorch, Qt, the window: before any data
    window->models()->openDataset(dataName);
    QElapsedTimer embedTimer;
    embedTimer.start();
    window->session()->newModel(request);
    if (!waitIdle(*window) || !window->map()->cloud()) {
        std::fprintf(stderr, "bench_gui: could not open %s\n", qPrintable(dataName));
        return 1;
    }
    const auto cloud = window->map()->cloud();
    std::printf("points on the map: %lld; new model + encode all + first map: %.0f ms\n",
                static_cast<long long>(cloud->count()), double(embedTimer.nsecsElapsed()) / 1e6);
    LatentMapView* map = window->map();
    std::printf("map plot area: %d x %d px\n\n", map->axisRect()->width(), map->axisRect()->height());

    // 1. Redraw: ours, then QCustomPlot's own scatter of the same points.
    std::vector<double> raster;
    std::vector<double> full;
    for (int i = 0; i < redraws; ++i) {
        full.push_back(redrawTimes(map, 1).front());
        raster.push_back(double(map->lastRasterMicroseconds()) / 1000.0);
    }
    const Stats ours = stats(full);
    QCPGraph* graph = map->addGraph();
    {
        QVector<double> x, y;
        for (int64_t i = 0; i < cloud->count(); ++i) {
            x.push_back(cloud->xy[size_t(2 * i)]);
            y.push_back(cloud->xy[size_t(2 * i + 1)]);
        }
        graph->setData(x, y);
        graph->setLineStyle(QCPGraph::lsNone);
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(31, 119, 180), 5));
    }
    for (int label = 0; label < 10; ++label)
        map->setClassVisible(label, false); // our layer draws nothing; the graph draws all
    const Stats theirs = stats(redrawTimes(map, std::max(5, redraws / 4)));
    map->removeGraph(graph);
    for (int label = 0; label < 10; ++label)
        map->setClassVisible(label, true);
    row("map redraw, cached raster (ours)", ours);
    row("  of which the points' raster", stats(raster));
    row("map redraw, QCustomPlot scatter", theirs);
    std::printf("%-52s %.1fx faster (p50)\n\n", "  ratio", theirs.p50 / std::max(ours.p50, 1e-9));

    // Decoding on the GUI thread: one latent point, and a 30×30 grid (the decoded grid view).
    {
        const ModelSnapshotPtr model = window->session()->snapshot();
        std::vector<double> one, grid;
        std::mt19937_64 rng(5);
        std::normal_distribution<float> normal;
        for (int i = 0; i < 300; ++i) {
            std::vector<float> z(size_t(model->latentDim()));
            for (float& v : z)
                v = normal(rng);
            QElapsedTimer t;
            t.start();
            const QImage image = model->decode(z);
            one.push_back(double(t.nsecsElapsed()) / 1e6);
        }
        std::vector<float> z(size_t(900 * model->latentDim()));
        for (float& v : z)
            v = normal(rng);
        for (int i = 0; i < 10; ++i) {
            QElapsedTimer t;
            t.start();
            const std::vector<QImage> images = model->decodeMany(z);
            grid.push_back(double(t.nsecsElapsed()) / 1e6);
        }
        // What the worker pays, four times a second while training, for the snapshot the
        // window decodes from.
        // A new clone each time, against the recycler's copies in place (what the session does).
        std::vector<double> cloned, recycled;
        {
            const TrainingRun run = TrainingRun::create(presetSpec(request.arch.toStdString(), request.latentDim), 1e-3, 1);
            SnapshotRecycler recycler;
            for (int i = 0; i < 40; ++i) {
                QElapsedTimer t;
                t.start();
                const ModelSnapshotPtr copy = i % 2 == 0 ? snapshotOf(run.model) : recycler.take(run.model, true);
                (i % 2 == 0 ? cloned : recycled).push_back(double(t.nsecsElapsed()) / 1e6);
            }
        }
        row("snapshot of the weights, cloned", stats(cloned));
        row("snapshot of the weights, recycled (worker, 4/s training)", stats(recycled));
        row("decode one latent point (GUI thread)", stats(one));
        row("decode a 30x30 grid (GUI thread)", stats(grid));
    }

    // A TorchScript model's decode: through its own thread (the deadline that keeps a runaway
    // method from hanging the window) against the same method called on this thread, side by
    // side, alternating; the difference is what the hand-off costs a hover.
    if (const QString file = parser.value("scripted"); !file.isEmpty()) {
        const ModelSnapshotPtr scripted = loadSnapshot(file);
        torch::jit::Module module = torch::jit::load(file.toStdString());
        module.eval();
        std::vector<double> viaRunner, direct;
        std::mt19937_64 rng(7);
        std::normal_distribution<float> normal;
        for (int i = 0; i < 600; ++i) {
            std::vector<float> z(size_t(scripted->latentDim()));
            for (float& v : z)
                v = normal(rng);
            QElapsedTimer t;
            t.start();
            if (i % 2 == 0) {
                const QImage image = scripted->decode(z);
                viaRunner.push_back(double(t.nsecsElapsed()) / 1e6);
            } else {
                torch::NoGradGuard noGrad;
                const torch::Tensor codes = torch::from_blob(z.data(), {1, int64_t(z.size())}, torch::kFloat32);
                const torch::Tensor bytes =
                    module.get_method("decode")({codes}).toTensor().squeeze(1).mul(255.0f).round_().clamp_(0, 255).to(torch::kUInt8);
                const QImage image = greyImage(bytes.contiguous().data_ptr<uint8_t>(), 28, 28);
                direct.push_back(double(t.nsecsElapsed()) / 1e6);
            }
        }
        std::printf("TorchScript %s:\n", qPrintable(QFileInfo(file).fileName()));
        row("  decode one point, on the model's own thread", stats(viaRunner));
        row("  decode one point, called on this thread", stats(direct));
    }

    // 2. Hover, idle.
    map->resetView();
    map->replot();
    row("hover -> decoded image painted, idle", stats(hoverTimes(*window, 200, 1)));

    // 3. Training in the window: hover latency, event-loop lateness, throughput.
    std::vector<double> lateness;
    QElapsedTimer clock;
    clock.start();
    qint64 expected = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (expected > 0)
            lateness.push_back(std::max<double>(0.0, double(now - expected) / 1e6));
        expected = now + 5'000'000;
    });
    int cloudUpdates = 0;
    QObject::connect(window->session(), &TrainingSession::cloudChanged, [&] { ++cloudUpdates; });
    QElapsedTimer trainClock;
    StepTimeline timeline;
    bool stepped = false;
    QObject::connect(window->session(), &TrainingSession::stepReported, [&](const TrainingProgress& s) {
        stepped = true;
        timeline.add(s.step.epochOfRun, s.step.step, double(trainClock.nsecsElapsed()) / 1e9);
    });
    trainClock.start();
    window->session()->train(1000);
    // From the first step: a UMAP model first lays out the training images (fashion: ~30 s).
    if (!spinUntil([&] { return stepped; }, 600000))
        return 1;
    probe.start();
    spin(1000); // past the first steps
    struct Mark {
        double at, cpu;
    };
    auto mark = [&] { return Mark{double(trainClock.nsecsElapsed()) / 1e9, threadCpuSeconds()}; };
    const int updates0 = cloudUpdates;
    // Watching: the map and curves update, nobody touches the window.
    const Mark m0 = mark();
    spin(int(seconds * 500));
    const Mark m1 = mark();
    // Hovering: the mouse moves over the map all the time, each move decoded and painted.
    const std::vector<double> hoverTraining = hoverTimes(*window, int(seconds * 500 / 20), 2);
    const Mark m2 = mark();
    // Watching with the decoded grid shown: a 30×30-ish grid decoded again at each map update.
    const std::vector<double> latenessWatching = lateness;
    lateness.clear();
    window->decodedGrid()->action()->setChecked(true);
    spin(int(seconds * 250));
    probe.stop();
    window->decodedGrid()->action()->setChecked(false);
    const double guiSeconds = m2.at - m0.at;
    row("hover -> decoded image painted, while training", stats(hoverTraining));
    row("GUI event-loop lateness (5 ms probe), training", stats(latenessWatching));
    row("  the same, the decoded grid shown", stats(lateness));
    std::printf("%-52s %.1f s, %d map updates (one per %.2f s)\n", "training in the window", guiSeconds,
                cloudUpdates - updates0, guiSeconds / std::max(cloudUpdates - updates0, 1));
    std::printf("%-52s GUI thread busy %.0f%% watching, %.0f%% hovering\n", "", 100.0 * (m1.cpu - m0.cpu) / (m1.at - m0.at),
                100.0 * (m2.cpu - m1.cpu) / (m2.at - m1.at));
    const int batch = request.batchSize;
    const double watching = timeline.imagesPerSecond(m0.at, m1.at, batch);
    const double hovering = timeline.imagesPerSecond(m1.at, m2.at, batch);

    const double peakMb = peakResidentMb();
    const double trainingMb = statusMb("VmRSS:");
    const HeapMb heap = heapMb();
    const QString checkpoint = QDir::temp().filePath("lx-bench-launch.ckpt");
    bool saved = false;
    QObject::connect(window->session(), &TrainingSession::saved, [&] { saved = true; });
    window->session()->saveModel(checkpoint); // taken within a training step
    if (!spinUntil([&] { return saved; }, 60000)) {
        std::fprintf(stderr, "bench_gui: saving during training did not finish\n");
        return 1;
    }

    // 4. Close mid-training.
    // Closing hides the window at once; the worker then ends its step and writes the autosave
    // (weights and Adam's moments, fsynced) before it is joined: both times, and the file's size.
    QElapsedTimer closeTimer;
    closeTimer.start();
    window->close();
    const double hiddenMs = double(closeTimer.nsecsElapsed()) / 1e6;
    const QString autosave = window->models()->autosavePath();
    window.reset();
    const double closeMs = double(closeTimer.nsecsElapsed()) / 1e6;

    // Headless, same data and model, same length.
    const DatasetSplits data = openDataset(dataName.toStdString());
    // On a thread of its own, as the window's trainer is (this GUI thread computes alone).
    double headless = 0;
    std::thread([&] { headless = headlessImagesPerSecond(data, request, seconds); }).join();
    std::printf("%-52s headless %.0f img/s; window, watching %.0f img/s (ratio %.2f), hovering %.0f img/s (ratio %.2f)\n",
                "training throughput (epoch ends left out)", headless, watching, watching / headless, hovering, hovering / headless);
    std::printf("%-52s hidden %.0f ms, worker joined %.0f ms (autosave %.1f MB written in it)\n",
                "close the window mid-training", hiddenMs, closeMs, double(QFileInfo(autosave).size()) / (1 << 20));
    std::printf("%-52s %.0f MB\n", "peak resident memory (data loaded, model training)", peakMb);
    // Where it goes: the process before any data, the images (one byte a pixel), and the heap
    // while training (allocated, and freed but kept by glibc for reuse: configureMemory).
    const double imagesMb = double(data.train.pixels.size() + data.validation.pixels.size()) / (1 << 20);
    std::printf("%-52s %.0f MB resident while training: before any data %.0f MB (LibTorch, Qt, the window); "
                "images %.0f MB; heap allocated %.0f MB, freed but kept %.0f MB\n",
                "  of which", trainingMb, beforeDataMb, imagesMb, heap.inUse, heap.keptFree);

    // 5. Reopen in a new window until the map is drawn: a checkpoint saved mid-training (its
    // codes must be computed), then the same model saved when idle (codes cached beside it).
    const auto [firstMap, wholeMap] = openUntilDrawn(checkpoint);
    std::printf("%-52s %.0f ms (first map of %s), %.0f ms (all %lld)\n", "open a model -> its map drawn (codes computed)",
                firstMap, previewRowsFor(data, 10000) > 0 ? "10,000" : "all", wholeMap, (long long)data.totalCount());
    const QString idle = savedWithCodes(checkpoint, QDir::temp().filePath("lx-bench-idle.ckpt"));
    std::printf("%-52s %.0f ms\n", "open a model -> its map drawn (codes cached)", openUntilDrawn(idle).second);
    QFile::remove(idle);
    QFile::remove(idle + ".codes");
    QFile::remove(checkpoint);
    return 0;
}
