#include "panels/PinsPanel.h"

namespace lx::ui {

PinsPanel::PinsPanel(QWidget* parent) : QListView(parent)
{
    setObjectName("pins");
    setViewMode(QListView::IconMode);
    setIconSize(QSize(56, 56));
    setResizeMode(QListView::Adjust);
    setMovement(QListView::Static);
    setToolTip(tr("Click the map to pin the decode of that point"));
}

} // namespace lx::ui
