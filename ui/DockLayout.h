#pragma once

#include <QList>
#include <QObject>

class QDockWidget;
class QMainWindow;

namespace lx::ui {

// How the main window's docks are laid out and kept: the layout saved between runs (with a
// version, so an older layout is not restored over panels it does not know), the tab bars'
// titles kept whole, and the two bottom docks (Training, Architecture) side by side where the
// window is wide enough, tabbed where it is not, their height following the window's, until
// the user moves one of them elsewhere; in the right column, the top dock (Decoder) gives up
// height until the tab group under it shows every tab's title (800×600 scrolled them).
class DockLayout : public QObject {
    Q_OBJECT
public:
    DockLayout(QMainWindow* window, QDockWidget* training, QDockWidget* architecture, QDockWidget* columnTop,
               QList<QDockWidget*> columnTabs);

    // Restores the geometry and dock state saved by save(), then starts following the window.
    void restore();
    void save() const;

    // Whether the user has moved Training or Architecture; the window then leaves them be.
    bool movedByUser() const { return movedByUser_; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    bool dockedIn(QDockWidget* dock, Qt::DockWidgetArea area) const; // shown there, not floating
    void arrangeBottomDocks();
    void keepTabTitlesWhole();
    void showColumnTabs(int attempt = 0);

    QMainWindow* window_;
    QDockWidget* training_;
    QDockWidget* architecture_;
    QDockWidget* columnTop_; // the dock on top of the right column
    QList<QDockWidget*> columnTabs_; // the docks tabbed under it
    int columnTopBefore_ = 0; // the top dock's height before it gave room to the tabs, if it did
    int columnTopNatural_ = 0; // its height the last time the tabs had room without its help
    bool arranging_ = false;
    bool pending_ = false;
    bool movedByUser_ = false;
};

} // namespace lx::ui
