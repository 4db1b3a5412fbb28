#pragma once

#include <QObject>
#include <QString>

class QLabel;
class QStatusBar;
class QWidget;

namespace lx {
class ExplorerState;
}

namespace lx::ui {

// The status bar's line: the dataset, the model, and the latest message (what the worker is
// doing now, else the last thing a controller said). Errors also open a warning box that does
// not block the event loop (the worker's signals go on being handled behind it).
class StatusLine : public QObject {
    Q_OBJECT
public:
    StatusLine(ExplorerState* state, QStatusBar* bar, QWidget* dialogParent, QObject* parent = nullptr);
    ~StatusLine() override;

    void show(const QString& message);
    void showError(const QString& message);
    QString text() const;

private:
    void refresh();

    ExplorerState* state_;
    QWidget* dialogParent_;
    QLabel* label_;
    QString message_;
    QString work_;
    QString lastProblem_; // the worker's own progress ("Loading dataset fashion…"), while it lasts
};

} // namespace lx::ui
