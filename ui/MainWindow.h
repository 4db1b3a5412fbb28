#pragma once

#include <QMainWindow>

class QLabel;

namespace lx::ui {

// The main window. For now: menus, an About box naming our libraries and licences, and a
// status bar saying what is loaded; the explorer's docks are built here as they arrive.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    void showStatus(const QString& text);

private Q_SLOTS:
    void showAbout();

private:
    void buildMenus();
    QLabel* statusLabel_ = nullptr;
};

} // namespace lx::ui
