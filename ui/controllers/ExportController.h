#pragma once

#include <QObject>
#include <QString>

#include <functional>

class QMenu;
class QWidget;

namespace lx {
class BackgroundJob;
class ExplorerState;
}

namespace lx::ui {

class CurvesPanel;
class InterpolationPanel;
class LatentMapView;
class SamplesPanel;

// File ▸ Export: the embeddings (CSV, as the CLI's `embed` writes), the map and the curves
// (PNG or PDF), the interpolation strip, the decoded grid and the samples (PNG). Each returns
// "" or why it failed; every file is written atomically.
class ExportController : public QObject {
    Q_OBJECT
public:
    struct Sources {
        LatentMapView* map;
        CurvesPanel* curves;
        InterpolationPanel* interpolation;
        SamplesPanel* samples;
    };
    ExportController(ExplorerState* state, const Sources& sources, QWidget* dialogParent, QObject* parent = nullptr);

    void fillMenu(QMenu* menu); // one entry per export, each asking for a file

    QString embeddings(const QString& csvPath);
    QString map(const QString& path);    // PNG or PDF by suffix
    QString curves(const QString& path); // PNG or PDF by suffix
    QString interpolation(const QString& pngPath);
    QString decodedGrid(const QString& pngPath, int cols = 16, int rows = 16);
    QString samples(const QString& pngPath);
    // The codes, labels and images for TensorBoard's Embedding Projector, into a folder, in
    // the background with progress and Cancel (a sprite of 70,000 images takes a moment).
    // Returns "" (started) or why not (its limits, no codes yet).
    QString projector(const QString& dir);
    void projectorWithDialog();

    // Asks for a file (the last folder used, the suffix the filter implies), writes it with
    // `write`, and says how it went (a status line, or a warning box). Also for sessions.
    void writeWithDialog(const QString& title, const QString& filter, const QString& fileName,
                         const std::function<QString(const QString&)>& write);

Q_SIGNALS:
    void status(const QString& text);

private:
    ExplorerState* state_;
    BackgroundJob* projectorJob_;
    Sources sources_;
    QWidget* dialogParent_;
};

} // namespace lx::ui
