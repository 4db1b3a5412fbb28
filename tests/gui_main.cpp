// Catch2's main for GUI tests: a QApplication on the offscreen platform unless told otherwise.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <QApplication>
#include <QStandardPaths>

int main(int argc, char* argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true); // settings and autosaves go to a test location
    QApplication app(argc, argv);
    return Catch::Session().run(argc, argv);
}
