#include "panels/PinsPanel.h"

#include <QPainter>

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

QString PinsPanel::emptyHint()
{
    return tr("Click the map to pin the decode of that point here: pins stay while the model trains, so you "
              "see how their decodes change.");
}

void PinsPanel::paintEvent(QPaintEvent* event)
{
    QListView::paintEvent(event);
    if (model() && model()->rowCount(rootIndex()) > 0)
        return;
    QPainter painter(viewport());
    painter.setPen(palette().color(QPalette::PlaceholderText));
    const int margin = 6;
    painter.drawText(viewport()->rect().adjusted(margin, margin, -margin, -margin),
                     Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, emptyHint());
}

} // namespace lx::ui
