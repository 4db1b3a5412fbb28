#include "controllers/ExportController.h"

#include "controllers/DecodedGridController.h"
#include "common/Error.h"
#include "data/Dataset.h"
#include "io/AtomicFile.h"
#include "io/EmbeddingsCsv.h"
#include "map/LatentMapView.h"
#include "panels/CurvesPanel.h"
#include "panels/Export.h"
#include "panels/InterpolationPanel.h"
#include "panels/SamplesPanel.h"
#include "session/BackgroundJob.h"
#include "session/ExplorerState.h"
#include "session/Projector.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QProgressDialog>
#include <QMenu>
#include <QSettings>
#include <QStandardPaths>

namespace lx::ui {
namespace {

// Why the exports cannot write the codes yet, or empty: every image's code is needed (a model
// just opened shows a first map of part of them while it encodes the rest).
QString missingCodes(const CloudPtr& cloud, const DatasetPtr& data)
{
    if (cloud && data && cloud->count() < data->totalCount())
        return ExportController::tr("the map's codes are still being computed (%L1 of %L2 images so far); try again in a moment")
            .arg(cloud->count())
            .arg(data->totalCount());
    if (!cloud || !data || cloud->count() != data->totalCount())
        return ExportController::tr("there are no embeddings yet: open a model and a dataset");
    return {};
}

} // namespace

ExportController::ExportController(ExplorerState* state, const Sources& sources, QWidget* dialogParent, QObject* parent)
    : QObject(parent), state_(state), projectorJob_(new BackgroundJob(tr("Projector export"), this)), sources_(sources),
      dialogParent_(dialogParent)
{
    connect(projectorJob_, &BackgroundJob::failed, this, [this](const QString& message) {
        QMessageBox::warning(dialogParent_, tr("Export for the Embedding Projector"), message);
    });
}

void ExportController::fillMenu(QMenu* menu)
{
    using Write = QString (*)(ExportController*, const QString&);
    const struct {
        const char* menu;
        const char* title;
        const char* filter;
        const char* file;
        Write write;
    } kExports[] = {
        {QT_TR_NOOP("Embeddings as CSV…"), QT_TR_NOOP("Export Embeddings"), QT_TR_NOOP("CSV (*.csv)"),
         "embeddings.csv", [](ExportController* c, const QString& p) { return c->embeddings(p); }},
        {QT_TR_NOOP("Map as PNG or PDF…"), QT_TR_NOOP("Export Map"), QT_TR_NOOP("PNG image (*.png);;PDF document (*.pdf)"),
         "latent-map.png", [](ExportController* c, const QString& p) { return c->map(p); }},
        {QT_TR_NOOP("Training Curves as PNG or PDF…"), QT_TR_NOOP("Export Training Curves"),
         QT_TR_NOOP("PNG image (*.png);;PDF document (*.pdf)"), "curves.png", [](ExportController* c, const QString& p) { return c->curves(p); }},
        {QT_TR_NOOP("Interpolation Strip as PNG…"), QT_TR_NOOP("Export Interpolation"), QT_TR_NOOP("PNG image (*.png)"),
         "interpolation.png", [](ExportController* c, const QString& p) { return c->interpolation(p); }},
        {QT_TR_NOOP("Decoded Grid as PNG…"), QT_TR_NOOP("Export Decoded Grid"), QT_TR_NOOP("PNG image (*.png)"),
         "decoded-grid.png", [](ExportController* c, const QString& p) { return c->decodedGrid(p); }},
        {QT_TR_NOOP("Samples as PNG…"), QT_TR_NOOP("Export Samples"), QT_TR_NOOP("PNG image (*.png)"), "samples.png",
         [](ExportController* c, const QString& p) { return c->samples(p); }},
    };
    for (const auto& e : kExports)
        menu->addAction(tr(e.menu), this, [this, e] {
            writeWithDialog(tr(e.title), tr(e.filter), QString::fromLatin1(e.file), [this, e](const QString& p) {
                return e.write(this, p);
            });
        });
    menu->addAction(tr("For TensorBoard's Embedding &Projector…"), this, &ExportController::projectorWithDialog)
        ->setToolTip(tr("vectors.tsv, metadata.tsv, sprite.png and projector_config.pbtxt in a folder"));
}

void ExportController::projectorWithDialog()
{
    // A name for the folder to write (made if it is not there): a folder dialog only picks
    // folders that exist, and typing a new one there said "Directory not found".
    const QString dir = QFileDialog::getSaveFileName(dialogParent_, tr("Export for the Embedding Projector: the folder to write"),
                                                     QDir(startFolder()).filePath("projector"), QString(), nullptr,
                                                     QFileDialog::ShowDirsOnly | QFileDialog::DontConfirmOverwrite);
    if (dir.isEmpty())
        return;
    rememberFolder(dir);
    if (const QString why = projector(dir); !why.isEmpty())
        QMessageBox::warning(dialogParent_, tr("Export for the Embedding Projector"),
                             tr("Could not write into %1:\n%2").arg(QDir::toNativeSeparators(dir), why));
}

QString ExportController::projector(const QString& dir)
{
    const CloudPtr cloud = state_->exactCloud();
    const DatasetPtr data = state_->dataset();
    if (const QString missing = missingCodes(cloud, data); !missing.isEmpty())
        return missing;
    if (const std::string problem = projectorProblem(*data); !problem.empty())
        return QString::fromStdString(problem);
    if (projectorJob_->isRunning())
        return tr("an export is already being written");
    auto* dialog = new QProgressDialog(tr("Writing the codes, labels and a sprite of %L1 images…").arg(data->totalCount()),
                                       tr("Cancel"), 0, 100, dialogParent_);
    dialog->setObjectName("projectorProgress");
    dialog->setWindowTitle(tr("Export for the Embedding Projector"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setMinimumDuration(500);
    connect(projectorJob_, &BackgroundJob::progressed, dialog, [dialog](double f) { dialog->setValue(int(100 * f)); });
    connect(projectorJob_, &BackgroundJob::finished, dialog, &QProgressDialog::close);
    connect(dialog, &QProgressDialog::canceled, projectorJob_, &BackgroundJob::cancel);
    const std::string path = QFile::encodeName(dir).toStdString();
    projectorJob_->start([this, data, cloud, path, dir](BackgroundJob::Context& context) {
        const ProjectorExport written = writeProjector(path, *data, cloud->codes, cloud->dim,
                                                       [&context](double f) {
                                                           if (context.isCancelled()) // between files: each is whole
                                                               throw Cancelled();
                                                           context.progress(f);
                                                       });
        context.deliver([this, dir, written] {
            Q_EMIT status(tr("Wrote %L1 codes for the Embedding Projector into %2")
                              .arg(written.points)
                              .arg(QDir::toNativeSeparators(dir)));
        });
    });
    return {};
}

void ExportController::writeWithDialog(const QString& title, const QString& filter, const QString& fileName,
                                       const std::function<QString(const QString&)>& write)
{
    QString selected;
    QString path = QFileDialog::getSaveFileName(dialogParent_, title, QDir(startFolder()).filePath(fileName), filter, &selected);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += selected.contains("*.pdf")         ? ".pdf"
                : selected.contains("*.csv")       ? ".csv"
                : selected.contains("*.lxsession") ? ".lxsession"
                                                   : ".png";
    rememberFolder(path);
    const QString error = write(path);
    if (!error.isEmpty())
        QMessageBox::warning(dialogParent_, title,
                             tr("Could not write %1:\n%2").arg(QDir::toNativeSeparators(path), error));
    else
        Q_EMIT status(tr("Wrote %1").arg(QDir::toNativeSeparators(path)));
}

QString ExportController::embeddings(const QString& csvPath)
{
    const CloudPtr cloud = state_->exactCloud();
    const DatasetPtr data = state_->dataset();
    if (const QString missing = missingCodes(cloud, data); !missing.isEmpty())
        return missing;
    try {
        const std::string csv = embeddingsCsv(*data, cloud->codes, cloud->dim);
        writeFileAtomically(QFile::encodeName(csvPath).toStdString(), csv.data(), csv.size());
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

QString ExportController::map(const QString& path)
{
    if (!sources_.map->cloud())
        return tr("the map is empty");
    return savePlotAtomically(sources_.map, path);
}

QString ExportController::curves(const QString& path)
{
    return savePlotAtomically(sources_.curves->plot(), path);
}

QString ExportController::interpolation(const QString& pngPath)
{
    const std::vector<QImage>& strip = sources_.interpolation->strip();
    if (strip.empty())
        return tr("choose the two ends first (right-click the map twice)");
    return saveImageAtomically(mosaic(strip, int(strip.size()), 4), pngPath);
}

QString ExportController::decodedGrid(const QString& pngPath, int cols, int rows)
{
    const ExplorerState::Current now = state_->current();
    if (!now)
        return tr("there is no model to decode with");
    // The visible area of the map, the same cell centres the map's grid uses.
    const QRectF plane = sources_.map->view();
    return saveImageAtomically(
        mosaic(now.model->decodeMany(DecodedGridController::gridCodes(*now.cloud, plane, cols, rows)), cols, 2),
        pngPath);
}

QString ExportController::samples(const QString& pngPath)
{
    if (sources_.samples->images().empty())
        return tr("there are no samples yet");
    return saveImageAtomically(mosaic(sources_.samples->images(), 4, 4), pngPath);
}

} // namespace lx::ui
