// Catch2's main for GUI tests: a QApplication on the offscreen platform unless told otherwise.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <QApplication>
#include <QDir>
#include <QSettings>
#include <QStandardPaths>

#include "model/RunawayCalls.h"

#include <cstdio>
#include <cstdlib>

#include <unistd.h>

int main(int argc, char* argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    ::setenv("LX_CACHE_DIR", LX_TEST_CACHE_DIR, 0); // inflated datasets: in the build folder
    QStandardPaths::setTestModeEnabled(true); // settings and autosaves go to a test location
    QApplication app(argc, argv);
    // One name per process: ctest runs test cases in parallel processes, and each must have
    // its own settings and autosave, removed at the end.
    QCoreApplication::setApplicationName(QStringLiteral("test_gui-%1").arg(::getpid()));
    const int failed = Catch::Session().run(argc, argv);
    QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).removeRecursively();
    const QString settings = QSettings().fileName();
    QFile::remove(settings);
    if (lx::runawayModelCalls() > 0) { // see catch_main.cpp
        std::fflush(stdout);
        std::_Exit(failed);
    }
    return failed;
}
