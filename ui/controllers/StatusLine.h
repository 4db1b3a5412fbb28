#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

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
    QString text() const; // the whole line, as the tooltip has it

    // The line as shown: what fits the bar. The latest message counts most: the model's name
    // goes first, then the dataset's, then the message's middle (its end, a percentage or a
    // time left, stays; at 800×600 it was cut off).
    QString shownText() const;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void refresh();
    void fit();

    ExplorerState* state_;
    QWidget* dialogParent_;
    QLabel* label_;
    QString message_;
    QString work_;
    QStringList parts_; // dataset, model, message: those there are
    QString lastProblem_; // the worker's own progress ("Loading dataset fashion…"), while it lasts
};

} // namespace lx::ui
