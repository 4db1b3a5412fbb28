#pragma once

#include <QColor>
#include <QPalette>

class QCustomPlot;
class QPalette;
class QWidget;

namespace lx::ui {

// The window's colours come from the palette (the desktop's light or dark theme), never from
// numbers written in the code: these are the few roles the panels and plots draw with.

// Whether the palette is a dark one (light text on a dark ground).
bool isDark(const QPalette& palette);
// Marks and outlines on the map and the plots: the palette's text colour ("ink") on its base
// colour ("paper"): black on white in a light theme, light on dark in a dark one.
QColor ink(const QWidget* widget);
QColor paper(const QWidget* widget);
// Words that say "fine" and "wrong" (the architecture's verdict), readable on the window's ground.
QColor goodColor(const QPalette& palette);
QColor badColor(const QPalette& palette);
// A dark palette (for Qt's Fusion style) for desktops that do not give one: `--dark`, and
// screenshots of the dark look.
QPalette darkPalette();
// A plot's ground, axes, ticks, labels, grid and legend text from `palette` (the plot's own,
// or its panel's: a panel hears of a new palette before its children have it); called when
// the plot is made and whenever the palette changes.
void applyPalette(QCustomPlot* plot, const QPalette& palette);

} // namespace lx::ui
