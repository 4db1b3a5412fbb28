#pragma once

#include <QString>

class QWidget;

namespace lx::ui {

// A dialog comes back at the size (and place) the user last gave it: restored now from the
// settings under "dialogs/<key>", saved whenever it closes.
void keepGeometry(QWidget* dialog, const QString& key);

} // namespace lx::ui
