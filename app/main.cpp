#include "common/BuildConfig.h"
#include "common/SystemInfo.h"

#include "Cli.h"
#include "MainWindow.h"

#include <QApplication>
#include <QCoreApplication>

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
        return runCli(app.arguments());
    }
    if (!first.isEmpty() && !first.startsWith('-')) {
        std::fprintf(stderr, "latent-explorer: unknown command '%s' (see latent-explorer --help)\n", argv[1]);
        return 2;
    }
    QApplication app(argc, argv);
    lx::ui::MainWindow window;
    if (const std::string w = lx::blasWarning(lx::systemInfo()); !w.empty()) {
        std::fprintf(stderr, "latent-explorer: warning: %s\n", w.c_str());
        window.showStatus(QString::fromStdString(w));
    }
    window.show();
    return app.exec();
}
