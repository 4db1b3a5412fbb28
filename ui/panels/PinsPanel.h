#pragma once

#include <QListView>

namespace lx::ui {

// The pinned decodes (click the map to pin one) as icons, their codes as tooltips: a view of
// the explorer state's pins model.
class PinsPanel : public QListView {
    Q_OBJECT
public:
    explicit PinsPanel(QWidget* parent = nullptr);
};

} // namespace lx::ui
