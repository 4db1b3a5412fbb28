#pragma once

#include <QListView>

namespace lx::ui {

// The pinned decodes (click the map to pin one) as icons, their codes as tooltips: a view of
// the explorer state's pins model. Empty, it says how to pin one, in the theme's muted text
// (as Interpolate and Arithmetic do).
class PinsPanel : public QListView {
    Q_OBJECT
public:
    explicit PinsPanel(QWidget* parent = nullptr);
    static QString emptyHint();

protected:
    void paintEvent(QPaintEvent* event) override;
};

} // namespace lx::ui
