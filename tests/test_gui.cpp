#include "MainWindow.h"

#include <QLabel>
#include <QMenuBar>
#include <QStatusBar>
#include <QTest>

#include <catch2/catch.hpp>

TEST_CASE("the main window opens with its menus and status bar", "[gui]")
{
    lx::ui::MainWindow window;
    window.show();
    REQUIRE(QTest::qWaitForWindowExposed(&window));
    CHECK(window.windowTitle() == "Latent Explorer");
    CHECK(window.isVisible());
    CHECK(window.menuBar()->actions().size() >= 2);
    window.showStatus("mnist loaded");
    const auto labels = window.statusBar()->findChildren<QLabel*>();
    CHECK(std::any_of(labels.begin(), labels.end(), [](QLabel* l) { return l->text() == "mnist loaded"; }));
    window.close();
    CHECK_FALSE(window.isVisible());
}
