#include "panels/ShortcutsDialog.h"

#include "panels/DialogGeometry.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMenu>
#include <QMenuBar>
#include <QTableWidget>
#include <QVBoxLayout>

namespace lx::ui {

ShortcutsDialog::ShortcutsDialog(const QMenuBar* menus, QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Keyboard Shortcuts"));
    setObjectName("shortcutsDialog");
    std::vector<std::pair<QString, QString>> rows;
    for (QAction* top : menus->actions()) {
        QMenu* menu = top->menu();
        if (!menu)
            continue;
        const QString where = top->text().remove('&');
        for (QAction* a : menu->actions()) {
            if (a->shortcut().isEmpty())
                continue;
            QStringList keys;
            for (const QKeySequence& k : a->shortcuts())
                keys << k.toString(QKeySequence::NativeText);
            rows.emplace_back(keys.join(tr(" or ")), tr("%1 ▸ %2").arg(where, a->text().remove('&')));
        }
    }
    const std::pair<const char*, const char*> kMap[] = {
        {QT_TR_NOOP("Move the mouse"), QT_TR_NOOP("Map: decode the latent point under the pointer")},
        {QT_TR_NOOP("Click"), QT_TR_NOOP("Map: pin the decode of that point")},
        {QT_TR_NOOP("Right-click"), QT_TR_NOOP("Map: choose A, then B, to interpolate between")},
        {QT_TR_NOOP("Drag / wheel"), QT_TR_NOOP("Map: pan / zoom")},
        {QT_TR_NOOP("Click a legend entry"), QT_TR_NOOP("Map: hide or show that class")},
        {QT_TR_NOOP("F5"), QT_TR_NOOP("Samples: new random points")},
        {QT_TR_NOOP("Ctrl+Z"), QT_TR_NOOP("Draw: undo the last stroke")},
        {QT_TR_NOOP("Esc"), QT_TR_NOOP("Close a dialog")},
    };
    for (const auto& [keys, what] : kMap)
        rows.emplace_back(tr(keys), tr(what));

    auto* table = new QTableWidget(int(rows.size()), 2, this);
    table->setObjectName("shortcuts");
    table->setHorizontalHeaderLabels({tr("Keys"), tr("Does")});
    table->verticalHeader()->hide();
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    for (size_t r = 0; r < rows.size(); ++r) {
        table->setItem(int(r), 0, new QTableWidgetItem(rows[r].first));
        table->setItem(int(r), 1, new QTableWidgetItem(rows[r].second));
    }
    table->resizeColumnsToContents();
    table->horizontalHeader()->setStretchLastSection(true);
    rows_ = int(rows.size());
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(table);
    layout->addWidget(buttons);
    resize(520, 480);
    keepGeometry(this, "shortcuts");
}

} // namespace lx::ui
