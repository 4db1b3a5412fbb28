#pragma once

#include <QDialog>

class QMenuBar;

namespace lx::ui {

// Help ▸ Keyboard Shortcuts: every menu action that has a shortcut, read from the menus
// themselves (so the list never goes stale), then the map's mouse and keys.
class ShortcutsDialog : public QDialog {
    Q_OBJECT
public:
    ShortcutsDialog(const QMenuBar* menus, QWidget* parent = nullptr);
    int rowCount() const { return rows_; }

private:
    int rows_ = 0;
};

} // namespace lx::ui
