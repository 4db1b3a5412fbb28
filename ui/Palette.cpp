#include "Palette.h"

#include "QCustomPlot.h"

#include <QPalette>
#include <QWidget>

namespace lx::ui {

bool isDark(const QPalette& palette)
{
    return palette.color(QPalette::Window).lightness() < palette.color(QPalette::WindowText).lightness();
}

QColor ink(const QWidget* widget)
{
    return widget->palette().color(QPalette::Text);
}

QColor paper(const QWidget* widget)
{
    return widget->palette().color(QPalette::Base);
}

QColor goodColor(const QPalette& palette)
{
    return isDark(palette) ? QColor(120, 210, 120) : QColor(42, 122, 42);
}

QColor badColor(const QPalette& palette)
{
    return isDark(palette) ? QColor(255, 120, 110) : QColor(178, 34, 34);
}

QPalette darkPalette()
{
    QPalette p;
    const QColor window(45, 47, 52), base(30, 31, 35), text(225, 227, 232), disabled(130, 132, 138);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(52, 55, 62));
    p.setColor(QPalette::ToolTipBase, window);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(160, 163, 170));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(255, 110, 100));
    p.setColor(QPalette::Light, QColor(70, 73, 80));
    p.setColor(QPalette::Midlight, QColor(60, 63, 70));
    p.setColor(QPalette::Mid, QColor(90, 93, 100));
    p.setColor(QPalette::Dark, QColor(25, 26, 29));
    p.setColor(QPalette::Shadow, QColor(10, 10, 12));
    p.setColor(QPalette::Highlight, QColor(66, 130, 218));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(110, 170, 255));
    for (const QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

void applyPalette(QCustomPlot* plot, const QPalette& palette)
{
    const QColor text = palette.color(QPalette::Text);
    QColor faint = text;
    faint.setAlpha(isDark(palette) ? 45 : 30);
    plot->setBackground(palette.color(QPalette::Base));
    for (QCPAxisRect* rect : plot->axisRects())
        for (QCPAxis* axis : rect->axes()) {
            axis->setBasePen(QPen(text, 1));
            axis->setTickPen(QPen(text, 1));
            axis->setSubTickPen(QPen(text, 1));
            axis->setTickLabelColor(text);
            axis->setLabelColor(text);
            axis->grid()->setPen(QPen(faint, 1, Qt::DotLine));
            axis->grid()->setSubGridPen(Qt::NoPen);
            axis->grid()->setZeroLinePen(QPen(faint, 1));
        }
    plot->legend->setTextColor(text);
    for (int i = 0; i < plot->legend->itemCount(); ++i)
        if (QCPAbstractLegendItem* item = plot->legend->item(i))
            item->setTextColor(text);
}

} // namespace lx::ui
