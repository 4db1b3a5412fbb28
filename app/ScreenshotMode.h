#pragma once

#include <QSize>
#include <QString>

class QApplication;
namespace lx::ui {
class MainWindow;
}

// Opens the window at `size` (1280×800) with a model (or the default model trained for `epochs` on
// `dataset`), waits until everything is computed, hovers a data point so the panels show
// something, writes the PNG, prints one JSON line saying what it drew (file, size, model,
// dataset, points) and returns the exit code. For docs and visual checks.
// `panel` names a side panel to bring to the front (e.g. "Samples"); `grid` turns the decoded
// grid on.
struct ScreenshotOptions {
    QString png, model, dataset, panel, compare; // compare: another model's samples beside
    int epochs = 3;
    bool grid = false;
    bool tsne = false; // map by t-SNE (perplexity 30, seed 1) before the picture
    bool datasetGiven = false; // with a model: open it on `dataset`, not the one it names
    QSize size{1280, 800};
};
int runScreenshotMode(QApplication& app, lx::ui::MainWindow& window, const ScreenshotOptions& options);
