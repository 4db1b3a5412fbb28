#include "DockLayout.h"

#include <QDockWidget>
#include <QEvent>
#include <QMainWindow>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QTabBar>
#include <QTimer>

#include <algorithm>
#include <cstdlib>

namespace lx::ui {
namespace {

// Bumped whenever the docks change, so that a layout saved by an older version is not
// restored over panels it does not know.
constexpr int kLayoutVersion = 4;

} // namespace

DockLayout::DockLayout(QMainWindow* window, QDockWidget* training, QDockWidget* architecture, QDockWidget* columnTop,
                       QList<QDockWidget*> columnTabs)
    : QObject(window), window_(window), training_(training), architecture_(architecture), columnTop_(columnTop),
      columnTabs_(std::move(columnTabs))
{
}

void DockLayout::restore()
{
    QSettings settings;
    arranging_ = true;
    if (!window_->restoreGeometry(settings.value("window/geometry").toByteArray())) {
        // A first start: the size the window asks for, but never more than the screen has
        // (at 800×600 a 1280×800 window put the panels off the screen).
        // Less the frame and title bar the window manager adds (not known before it is shown).
        if (const QScreen* screen = window_->screen())
            window_->resize(window_->size().boundedTo(screen->availableGeometry().size() - QSize(16, 48)));
    }
    window_->restoreState(settings.value("window/state").toByteArray(), kLayoutVersion);
    arranging_ = false;
    keepTabTitlesWhole();
    for (QDockWidget* dock : window_->findChildren<QDockWidget*>())
        connect(dock, &QDockWidget::dockLocationChanged, this, &DockLayout::keepTabTitlesWhole);
    // Once the user moves Training or Architecture elsewhere, the window stops arranging them.
    for (QDockWidget* dock : {training_, architecture_}) {
        connect(dock, &QDockWidget::dockLocationChanged, this, [this] { movedByUser_ |= !arranging_; });
        connect(dock, &QDockWidget::topLevelChanged, this, [this] { movedByUser_ |= !arranging_; });
    }
    window_->installEventFilter(this);
}

void DockLayout::save() const
{
    QSettings settings;
    settings.setValue("window/geometry", window_->saveGeometry());
    settings.setValue("window/state", window_->saveState(kLayoutVersion));
}

bool DockLayout::eventFilter(QObject* watched, QEvent* event)
{
    // After the resize: docks are not moved while the window's layout is being applied.
    if (watched == window_ && event->type() == QEvent::Resize && !pending_) {
        pending_ = true;
        QTimer::singleShot(0, this, [this] {
            pending_ = false;
            arrangeBottomDocks();
            showColumnTabs();
        });
    }
    return QObject::eventFilter(watched, event);
}

bool DockLayout::dockedIn(QDockWidget* dock, Qt::DockWidgetArea area) const
{
    return window_->dockWidgetArea(dock) == area && !dock->isFloating() && !dock->isHidden();
}

void DockLayout::arrangeBottomDocks()
{
    const auto inPlace = [this](QDockWidget* dock) { return dockedIn(dock, Qt::BottomDockWidgetArea); };
    if (movedByUser_ || !inPlace(training_) || !inPlace(architecture_))
        return;
    const int width = window_->width();
    // Their height grows with the window's (a loss plot 45 px high at 1600×1000 said little).
    const int wanted = std::clamp(window_->height() * 28 / 100, 180, 380);
    arranging_ = true;
    if (std::abs(training_->height() - wanted) > 8)
        window_->resizeDocks({training_}, {wanted}, Qt::Vertical);
    const bool wide = width >= 1100; // each half then has room for its plot or its two tables
    const bool tabbed = window_->tabifiedDockWidgets(training_).contains(architecture_);
    if (wide && tabbed) {
        window_->removeDockWidget(architecture_); // a tabbed dock would be split into its own tab group
        window_->addDockWidget(Qt::BottomDockWidgetArea, architecture_);
        window_->splitDockWidget(training_, architecture_, Qt::Horizontal);
        architecture_->show();
        window_->resizeDocks({training_, architecture_}, {width / 2, width / 2}, Qt::Horizontal);
    } else if (!wide && !tabbed) {
        window_->tabifyDockWidget(training_, architecture_);
        training_->raise();
    }
    arranging_ = false;
}

void DockLayout::showColumnTabs(int attempt)
{
    // The tab bar of the group under the top dock, where both are still in the right column.
    const auto inColumn = [this](QDockWidget* dock) { return dockedIn(dock, Qt::RightDockWidgetArea); };
    if (!inColumn(columnTop_) || window_->tabifiedDockWidgets(columnTop_).size() > 0)
        return;
    // Any of them still there (the user may have closed or moved some).
    QStringList titles;
    for (QDockWidget* dock : columnTabs_)
        if (inColumn(dock))
            titles << dock->windowTitle();
    QTabBar* tabs = nullptr;
    for (QTabBar* bar : window_->findChildren<QTabBar*>())
        for (int t = 0; t < bar->count() && !tabs; ++t)
            if (bar->isVisible() && titles.contains(bar->tabText(t)))
                tabs = bar;
    if (!tabs)
        return;
    const bool vertical = tabs->shape() == QTabBar::RoundedEast || tabs->shape() == QTabBar::RoundedWest
                          || tabs->shape() == QTabBar::TriangularEast || tabs->shape() == QTabBar::TriangularWest;
    if (!vertical)
        return;
    const int missing = tabs->sizeHint().height() - tabs->height();
    // Qt gives a few px less or more than asked at first (the panel changes its layout under
    // it, and its minimum with it): once more when that is done, five times at most.
    const auto again = [this, attempt] {
        if (attempt < 5)
            QTimer::singleShot(0, this, [this, attempt] { showColumnTabs(attempt + 1); });
    };
    if (columnTopBefore_ <= columnTop_->height() + 2)
        columnTopBefore_ = 0; // given back (or the user made it as tall again)
    if (missing < -2 && columnTopBefore_ > 0) {
        // A taller window again: the top dock gets back what it gave, as far as the tabs allow.
        const int top = std::min(columnTopBefore_, columnTop_->height() - missing - 2);
        arranging_ = true;
        window_->resizeDocks({columnTop_}, {top}, Qt::Vertical);
        arranging_ = false;
        again();
        return;
    }
    if (missing <= 0) {
        if (columnTopBefore_ == 0)
            columnTopNatural_ = columnTop_->height(); // as Qt or the user made it, with room for the tabs
        return;
    }
    // The top dock keeps its title and 92 px for its panel (a Decoder laid out compactly: its
    // decode 56 px, the trio 40; at 800×600 less a title bar, ~10 px short of this otherwise).
    int chrome = 0;
    if (const auto* scroll = qobject_cast<QScrollArea*>(columnTop_->widget()))
        chrome = columnTop_->height() - scroll->viewport()->height();
    const int least = chrome + 92;
    const int top = std::max(least, columnTop_->height() - missing - 2);
    if (top < columnTop_->height()) {
        // What to give back later: its height when the tabs last had room (Qt has already
        // shrunk it with the window by the time this runs).
        if (attempt == 0)
            columnTopBefore_ = std::max({columnTopBefore_, columnTopNatural_, columnTop_->height()});
        arranging_ = true;
        window_->resizeDocks({columnTop_}, {top}, Qt::Vertical);
        arranging_ = false;
        again();
    }
}

void DockLayout::keepTabTitlesWhole()
{
    // The docks' tab bars are Qt's own, made as docks are tabbed together: their titles read
    // whole ("Interpolate", not "Int…"), and the bar scrolls when the column is short.
    for (QTabBar* bar : window_->findChildren<QTabBar*>()) {
        bar->setElideMode(Qt::ElideNone);
        bar->setUsesScrollButtons(true);
    }
}

} // namespace lx::ui
