#include "common/BuildConfig.h"
#include "common/SystemInfo.h"

#include "Cli.h"
#include "MainWindow.h"
#include "Palette.h"
#include "controllers/ModelController.h"
#include "ScreenshotMode.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QSettings>

#include <cstdio>

int main(int argc, char* argv[])
{
    lx::configureThreads();
    const QString first = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QString();
    QCoreApplication::setApplicationName("Latent Explorer");
    QCoreApplication::setOrganizationName("Latent Explorer");
    QCoreApplication::setApplicationVersion(LX_VERSION);

    if (isCliCommand(first)) {
        QCoreApplication app(argc, argv);
        return endProcess(runCli(app.arguments()));
    }
    // A word that is neither a command nor a file is a mistyped command; a file is opened in
    // the window (what a file manager's "Open With" or the desktop file's %f passes).
    if (!first.isEmpty() && !first.startsWith('-') && !QFileInfo::exists(first)) {
        std::fprintf(stderr, "latent-explorer: unknown command '%s' (see latent-explorer --help)\n", argv[1]);
        return 2;
    }
    if (first == "--version" || first == "-v") { // answered without a window (or a display)
        std::printf("Latent Explorer %s\n", LX_VERSION);
        return 0;
    }
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")
        && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        // Qt would abort with a page about platform plugins.
        std::fprintf(stderr,
                     "latent-explorer: no display to open the window on (DISPLAY is not set). Run it under a virtual "
                     "display (xvfb-run -a latent-explorer), or use a command (latent-explorer --help).\n");
        return 1;
    }
    // The desktop file's name: what Wayland and the task bars match the window to (its icon).
    QGuiApplication::setDesktopFileName(QStringLiteral("org.latentexplorer.LatentExplorer"));
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription("Latent Explorer: see inside image autoencoders.");
    const QCommandLineOption model("model", "Open this checkpoint.", "file");
    const QCommandLineOption data("data", "Open this dataset (mnist, fashion or a path).", "name");
    const QCommandLineOption screenshot("screenshot", "Render the window at 1280x800 to a PNG and exit.", "png");
    const QCommandLineOption epochs("epochs", "With --screenshot and no --model: train the default model this long.",
                                    "N", "3");
    const QCommandLineOption panel("panel", "With --screenshot: bring this side panel to the front.", "name");
    const QCommandLineOption grid("grid", "With --screenshot: show the decoded grid.");
    const QCommandLineOption compare("compare", "With --screenshot: another model's samples beside.", "file");
    const QCommandLineOption tsne("tsne", "With --screenshot: map the codes by t-SNE first.");
    const QCommandLineOption size("size", "With --screenshot: the window's size.", "WxH", "1280x800");
    const QCommandLineOption dark("dark", "A dark palette (Qt's Fusion style), whatever the desktop's theme.");
    parser.addOptions({model, data, screenshot, epochs, panel, grid, compare, tsne, size, dark});
    parser.addPositionalArgument("file", "A model (checkpoint or TorchScript .pt) or a session (.lxsession) to open.",
                                 "[file]");
    parser.addVersionOption();
    parser.process(app);
    if (parser.isSet(dark)) {
        QApplication::setStyle("Fusion");
        QApplication::setPalette(lx::ui::darkPalette());
    }
    const QStringList files = parser.positionalArguments();
    if (files.size() > 1 || (!files.isEmpty() && (parser.isSet(model) || parser.isSet(screenshot)))) {
        std::fprintf(stderr, "latent-explorer: give one file to open, or --model (see latent-explorer --help)\n");
        return 2;
    }

    // Screenshot mode keeps its own settings and autosave: it must neither depend on nor
    // overwrite the user's saved window layout and last model.
    if (parser.isSet(screenshot)) {
        QCoreApplication::setApplicationName("Latent Explorer (screenshot)");
        QSettings().clear(); // and the same picture every time: no layout from a previous run
    }
    const int code = [&] {
        lx::ui::MainWindow window;
        if (const std::string w = lx::blasWarning(lx::systemInfo()); !w.empty()) {
            std::fprintf(stderr, "latent-explorer: warning: %s\n", w.c_str());
            window.showStatus(QString::fromStdString(w));
        }
        if (parser.isSet(screenshot)) {
            const QStringList wh = parser.value(size).split('x');
            const QSize windowSize = wh.size() == 2 ? QSize(wh[0].toInt(), wh[1].toInt()) : QSize();
            if (windowSize.width() < 320 || windowSize.height() < 240 || windowSize.width() > 8192 || windowSize.height() > 8192) {
                std::fprintf(stderr, "latent-explorer: --size must be WxH, from 320x240 to 8192x8192 (not '%s')\n",
                             qPrintable(parser.value(size)));
                return 2;
            }
            return runScreenshotMode(app, window,
                                     {parser.value(screenshot), parser.value(model),
                                      parser.isSet(data) ? parser.value(data) : QString("mnist"), parser.value(panel),
                                      parser.value(compare), parser.value(epochs).toInt(), parser.isSet(grid),
                                      parser.isSet(tsne), parser.isSet(data), windowSize});
        }
        window.show();
        lx::ui::ModelController* models = window.models();
        const bool sessionFile = !files.isEmpty() && files.front().endsWith(".lxsession", Qt::CaseInsensitive);
        if (!files.isEmpty() && parser.isSet(data) && !sessionFile) { // this model, on this dataset
            models->openDataset(parser.value(data));
            models->openModel(files.front(), lx::TrainingSession::DatasetChoice::KeepCurrent);
        } else if (!files.isEmpty()) {
            models->openFile(files.front());
        } else if (parser.isSet(model) && parser.isSet(data)) { // this model, on this dataset
            models->openDataset(parser.value(data));
            models->openModel(parser.value(model), lx::TrainingSession::DatasetChoice::KeepCurrent);
        } else if (parser.isSet(model)) {
            models->openModel(parser.value(model));
        } else if (parser.isSet(data)) {
            models->startDefaultTraining(parser.value(data));
        } else {
            models->startFromSettings();
        }
        return app.exec();
    }(); // the window is closed, its autosave written
    return endProcess(code);
}
