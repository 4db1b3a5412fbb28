#include "panels/DialogGeometry.h"

#include <QEvent>
#include <QObject>
#include <QSettings>
#include <QWidget>

namespace lx::ui {
namespace {

class GeometryKeeper : public QObject {
public:
    GeometryKeeper(QWidget* dialog, QString key) : QObject(dialog), key_(std::move(key)) {}

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Hide) // accepted, rejected, Esc or closed
            QSettings().setValue(key_, static_cast<QWidget*>(watched)->saveGeometry());
        return QObject::eventFilter(watched, event);
    }

private:
    QString key_;
};

} // namespace

void keepGeometry(QWidget* dialog, const QString& key)
{
    const QString setting = QStringLiteral("dialogs/") + key;
    dialog->restoreGeometry(QSettings().value(setting).toByteArray());
    dialog->installEventFilter(new GeometryKeeper(dialog, setting));
}

} // namespace lx::ui
