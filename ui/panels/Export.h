#pragma once

#include <QImage>
#include <QString>

#include <vector>

class QCustomPlot;

namespace lx::ui {

// Tiles side by side, `cols` to a row, each scaled up `scale`× with square pixels, a 1-pixel
// gap (at the scaled size) between them on a mid-grey ground.
QImage mosaic(const std::vector<QImage>& tiles, int cols, int scale);

// Writes an image as PNG through core's writeFileAtomically (readers never see half a file).
// Returns "" or the reason it failed.
QString saveImageAtomically(const QImage& image, const QString& path);

// A plot as PNG (at twice the on-screen resolution) or PDF (vectors), chosen by the suffix;
// rendered in memory, then written the same way. Returns "" or the reason it failed.
QString savePlotAtomically(QCustomPlot* plot, const QString& path);

// Where the file dialogs start: the folder last written to, else Documents, else home (never
// the working directory, which for an app started from a menu is anywhere).
QString startFolder();
void rememberFolder(const QString& file);

} // namespace lx::ui
