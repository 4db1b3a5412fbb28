#include "ScreenshotMode.h"

#include "MainWindow.h"
#include "controllers/DecodedGridController.h"
#include "controllers/ModelController.h"
#include "controllers/SamplesController.h"
#include "controllers/NeighbourMapController.h"
#include "map/LatentMapView.h"
#include "panels/Export.h"
#include "session/TrainingSession.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QImageWriter>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <cstdio>
#include <functional>

int runScreenshotMode(QApplication& app, lx::ui::MainWindow& window, const ScreenshotOptions& options)
{
    const QString& png = options.png;
    using lx::TrainingSession;
    window.resize(options.size);
    window.show();
    int exitCode = 0;
    TrainingSession* session = window.session();
    QObject::connect(session, &TrainingSession::failed, &app, [&](const QString& message) {
        std::fprintf(stderr, "latent-explorer: error: %s\n", qPrintable(message));
        exitCode = 1;
        app.quit();
    });
    bool compared = options.compare.isEmpty();
    bool mapped = !options.tsne;
    // Background work of the window's own: when `busy` turns false, come back to the idle
    // handler below for the next step.
    auto idleAgainWhenDone = [&](std::function<bool()> busy) {
        QTimer* poll = new QTimer(&app);
        QObject::connect(poll, &QTimer::timeout, &app, [session, poll, busy] {
            if (!busy()) {
                poll->stop();
                Q_EMIT session->idle();
            }
        });
        poll->start(50);
    };
    QObject::connect(session, &TrainingSession::idle, &app, [&] {
        if (session->isBusy() || exitCode != 0)
            return;
        if (!compared) { // once the model is there: the comparison, then the picture
            compared = true;
            window.samples()->compareWith(options.compare);
            idleAgainWhenDone([&window] { return window.samples()->isComparing(); });
            return;
        }
        if (!mapped) { // then the t-SNE map, if asked for
            mapped = true;
            window.neighbourMaps()->compute(30, 1);
            idleAgainWhenDone([&window] { return window.neighbourMaps()->isRunning(); });
            return;
        }
        // Hover a data point, as a user would: the one in the middle of the dataset.
        lx::ui::LatentMapView* map = window.map();
        map->resetView();
        map->replot();
        if (const auto cloud = map->cloud(); cloud && cloud->count() > 0) {
            const int64_t i = cloud->count() / 2;
            const QPoint p = map->positionOf(QPointF(cloud->xy[size_t(2 * i)], cloud->xy[size_t(2 * i + 1)]));
            Q_EMIT map->hovered(map->planeAt(p), map->pointAt(p));
        }
        QTimer::singleShot(options.grid ? 600 : 300, &app, [&] {
            const QImage picture = window.grab().toImage();
            if (const QString error = lx::ui::saveImageAtomically(picture, png); !error.isEmpty()) {
                std::fprintf(stderr, "latent-explorer: error: %s\n", qPrintable(error));
                exitCode = 1;
            } else {
                // What was drawn, as the commands report: a script can check it.
                const auto model = window.session()->snapshot();
                const QJsonObject said{{"file", png},
                                       {"width", picture.width()},
                                       {"height", picture.height()},
                                       {"model", model ? model->description() : QString()},
                                       {"dataset", window.session()->datasetName()},
                                       {"points", double(window.map()->visiblePointCount())}};
                std::printf("%s\n", QJsonDocument(said).toJson(QJsonDocument::Compact).constData());
            }
            app.quit();
        });
    });
    if (!options.panel.isEmpty()) {
        bool found = false;
        for (QDockWidget* dock : window.findChildren<QDockWidget*>())
            if (dock->windowTitle().compare(options.panel, Qt::CaseInsensitive) == 0) {
                dock->show();
                dock->raise();
                found = true;
            }
        if (!found) {
            std::fprintf(stderr, "latent-explorer: error: no panel named '%s'\n", qPrintable(options.panel));
            return 2;
        }
    }
    window.decodedGrid()->action()->setChecked(options.grid);
    if (!options.model.isEmpty() && options.datasetGiven) { // this model, on this dataset
        window.models()->openDataset(options.dataset);
        window.models()->openModel(options.model, TrainingSession::DatasetChoice::KeepCurrent);
    } else if (!options.model.isEmpty()) {
        window.models()->openModel(options.model);
    } else {
        window.models()->startDefaultTraining(options.dataset, std::max(1, options.epochs));
    }
    app.exec();
    return exitCode;
}
