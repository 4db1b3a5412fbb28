#include "MainWindow.h"
#include "map/LatentMapView.h"
#include "QCustomPlot.h"
#include "panels/ArchitecturePanel.h"
#include "panels/CurvesPanel.h"
#include "panels/ImageTile.h"
#include "panels/NewModelDialog.h"
#include "panels/ShortcutsDialog.h"

#include <QAction>
#include <QMenu>
#include <QSlider>
#include <QSpinBox>
#include <QWheelEvent>
#include <QTableWidget>

#include <QLabel>
#include <QMenuBar>
#include <QSettings>
#include <QStatusBar>
#include <QTest>

#include <catch2/catch.hpp>

#include <map>

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

TEST_CASE("Help lists every menu shortcut, and New Model sits in the Model menu", "[gui]")
{
    lx::ui::MainWindow window;
    lx::ui::ShortcutsDialog dialog(window.menuBar());
    auto* table = dialog.findChild<QTableWidget*>("shortcuts");
    REQUIRE(table);
    std::map<QString, QString> byKeys;
    for (int r = 0; r < table->rowCount(); ++r)
        byKeys[table->item(r, 0)->text()] = table->item(r, 1)->text();
    CHECK(byKeys["Ctrl+T"] == "Model ▸ Train");
    CHECK(byKeys["Ctrl+N"] == "Model ▸ New Model…");
    CHECK(byKeys["Ctrl+Shift+S"] == "File ▸ Save Session…");
    CHECK(byKeys["Home or R"] == "View ▸ Reset View");
    int withKeys = 0;
    for (QAction* top : window.menuBar()->actions())
        if (top->menu())
            for (QAction* a : top->menu()->actions())
                withKeys += !a->shortcut().isEmpty();
    CHECK(withKeys >= 14);
    CHECK(byKeys["F1"] == "Help ▸ Keyboard Shortcuts");
    CHECK(table->rowCount() == withKeys + 8); // and the map's mouse and keys
}

TEST_CASE("R resets the map's view wherever the focus is", "[gui]")
{
    lx::ui::MainWindow window;
    window.show();
    REQUIRE(QTest::qWaitForWindowExposed(&window));
    window.activateWindow();
    window.map()->setView(5, 6, 5, 6);
    auto* slider = window.findChild<QSlider*>("interpolationSlider");
    REQUIRE(slider);
    slider->setFocus();
    QTest::keyClick(slider, Qt::Key_R);
    CHECK(window.map()->xAxis->range().lower == Approx(-1)); // an empty map's view
}

TEST_CASE("a dialog comes back at the size the user gave it, and Esc closes it", "[gui]")
{
    QSettings().remove("dialogs/newModel");
    QSize given;
    {
        lx::ui::NewModelDialog dialog;
        dialog.show();
        REQUIRE(QTest::qWaitForWindowExposed(&dialog));
        given = dialog.size() + QSize(90, 70);
        dialog.resize(given);
        QCoreApplication::processEvents();
        QTest::keyClick(&dialog, Qt::Key_Escape);
        CHECK_FALSE(dialog.isVisible());
        CHECK(dialog.result() == QDialog::Rejected);
    }
    lx::ui::NewModelDialog again;
    again.show();
    REQUIRE(QTest::qWaitForWindowExposed(&again));
    CHECK(again.size() == given);
    QSettings().remove("dialogs/newModel");
}

TEST_CASE("a short Training panel puts the curves' legend in columns rather than over the plot's edge", "[gui][layout]")
{
    lx::ui::CurvesPanel panel;
    panel.setVae(true); // five entries: training, validation, reconstruction, KL, KL validation
    // The plot at its least, 72 px: five entries do not fit in one column. Wide enough for the
    // legend to stand beside the curves (in a narrow panel it gives way to them).
    panel.resize(900, 100);
    panel.show();
    REQUIRE(QTest::qWaitForWindowExposed(&panel));
    for (int epoch = 1; epoch <= 3; ++epoch) {
        lx::EpochRecord e;
        e.epoch = epoch;
        e.trainLoss = e.trainRecon = 0.1 / epoch;
        e.valLoss = e.valRecon = 0.11 / epoch;
        e.trainKl = e.valKl = 3.0;
        panel.addEpoch(e);
    }
    QCustomPlot* plot = panel.plot();
    plot->replot();
    plot->replot(); // the wrap chosen in one replot lays out in the next
    INFO("plot " << plot->height() << " px high, legend " << plot->legend->outerRect().height() << " px");
    REQUIRE(panel.legendShown());
    CHECK(plot->legend->outerRect().bottom() <= plot->height());
    CHECK(plot->legend->columnCount() >= 2);
}

TEST_CASE("an image tile keeps its size whether it holds an image or not", "[gui][layout]")
{
    lx::ui::ImageTile tile("original", 64);
    QImage digit(28, 28, QImage::Format_Grayscale8);
    digit.fill(128);
    for (const int room : {50, 60, 100}) { // 800×600's tiles were 50 px: the digit drew at 28
        tile.resize(room + 8, room + tile.fontMetrics().height() + 10);
        tile.setImage(QImage());
        const int empty = tile.imageSide();
        tile.setImage(digit);
        INFO("room " << room);
        CHECK(tile.imageSide() == empty);
        if (room < 2 * 28)
            CHECK(tile.imageSide() == room); // all the room, not 28 px
        else
            CHECK(tile.imageSide() % 28 == 0); // whole multiples: every pixel the same square
    }
}

TEST_CASE("the wheel over the architecture's boxes scrolls past them unless one was clicked into", "[gui]")
{
    lx::ui::ArchitecturePanel panel;
    panel.setSpec(lx::presetSpec("lecture", 2));
    panel.resize(700, 500);
    panel.show();
    REQUIRE(QTest::qWaitForWindowExposed(&panel));
    auto* stride = qobject_cast<QSpinBox*>(panel.convolutionsTable()->cellWidget(0, 2));
    REQUIRE(stride);
    REQUIRE(stride->value() == 2);
    auto wheel = [&] {
        const QPointF at(stride->width() / 2.0, stride->height() / 2.0);
        QWheelEvent event(at, stride->mapToGlobal(at), QPoint(), QPoint(0, -120), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(stride, &event);
    };
    wheel(); // passing over it: no edit
    CHECK(stride->value() == 2);
    CHECK(panel.editedSpec().encoderConvs[0].stride == 2);
    panel.activateWindow();
    REQUIRE(QTest::qWaitForWindowActive(&panel));
    stride->setFocus();
    QCoreApplication::processEvents();
    REQUIRE(stride->hasFocus());
    wheel(); // clicked into: the wheel edits it
    CHECK(stride->value() == 1);
}
