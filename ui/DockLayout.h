#pragma once

#include <QObject>

class QDockWidget;
class QMainWindow;

namespace lx::ui {

// How the main window's docks are laid out and kept: the layout saved between runs (with a
// version, so an older layout is not restored over panels it does not know), the tab bars'
// titles kept whole, and the two bottom docks (Training, Architecture) side by side where the
// window is wide enough, tabbed where it is not, their height following the window's, until
// the user moves one of them elsewhere.
class DockLayout : public QObject {
    Q_OBJECT
public:
    DockLayout(QMainWindow* window, QDockWidget* training, QDockWidget* architecture);

    // Restores the geometry and dock state saved by save(), then starts following the window.
    void restore();
    void save() const;

    // Whether the user has moved Training or Architecture; the window then leaves them be.
    bool movedByUser() const { return movedByUser_; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void arrangeBottomDocks();
    void keepTabTitlesWhole();

    QMainWindow* window_;
    QDockWidget* training_;
    QDockWidget* architecture_;
    bool arranging_ = false;
    bool pending_ = false;
    bool movedByUser_ = false;
};

} // namespace lx::ui
