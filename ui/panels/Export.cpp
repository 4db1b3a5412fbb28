#include "panels/Export.h"

#include "io/AtomicFile.h"

#include "QCustomPlot.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSettings>
#include <QStandardPaths>

#include <stdexcept>

namespace lx::ui {
namespace {

// One way to write a file in this project: core's (write beside, flush, rename).
QString writeAtomically(const QByteArray& bytes, const QString& path)
{
    try {
        writeFileAtomically(QFile::encodeName(path).toStdString(), bytes.constData(), size_t(bytes.size()));
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

QImage mosaic(const std::vector<QImage>& tiles, int cols, int scale)
{
    if (tiles.empty() || cols <= 0 || scale <= 0)
        return {};
    const int rows = (int(tiles.size()) + cols - 1) / cols;
    const int w = tiles.front().width() * scale, h = tiles.front().height() * scale;
    const int gap = std::max(1, scale / 2);
    QImage out(cols * w + (cols - 1) * gap, rows * h + (rows - 1) * gap, QImage::Format_RGB32);
    out.fill(QColor(128, 128, 128));
    QPainter p(&out);
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    for (size_t i = 0; i < tiles.size(); ++i) {
        const int c = int(i) % cols, r = int(i) / cols;
        p.drawImage(QRect(c * (w + gap), r * (h + gap), w, h), tiles[i]);
    }
    return out;
}

QString saveImageAtomically(const QImage& image, const QString& path)
{
    if (image.isNull())
        return QObject::tr("there is nothing to export yet");
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    if (!image.save(&buffer, "PNG"))
        return QObject::tr("could not encode the PNG");
    return writeAtomically(png, path);
}

QString savePlotAtomically(QCustomPlot* plot, const QString& path)
{
    const bool pdf = QFileInfo(path).suffix().compare("pdf", Qt::CaseInsensitive) == 0;
    if (!pdf)
        return saveImageAtomically(plot->toPixmap(plot->width(), plot->height(), 2.0).toImage(), path);
    // A page the plot's size in points, drawn with vectors, into memory.
    const int w = plot->width(), h = plot->height();
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    {
        QPdfWriter writer(&buffer);
        writer.setCreator(QStringLiteral("Latent Explorer"));
        writer.setPageLayout(QPageLayout(QPageSize(QSizeF(w, h), QPageSize::Point, QString(), QPageSize::ExactMatch),
                                         QPageLayout::Portrait, QMarginsF(0, 0, 0, 0)));
        QCPPainter painter;
        if (!painter.begin(&writer))
            return QObject::tr("could not write the PDF");
        painter.setMode(QCPPainter::pmVectorized);
        painter.setMode(QCPPainter::pmNoCaching);
        painter.setWindow(0, 0, w, h);
        plot->toPainter(&painter, w, h);
        painter.end();
    }
    return writeAtomically(bytes, path);
}

QString startFolder()
{
    const QString last = QSettings().value("export/dir").toString();
    if (!last.isEmpty() && QFileInfo(last).isDir())
        return last;
    const QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    return QFileInfo(documents).isDir() ? documents : QDir::homePath();
}

void rememberFolder(const QString& file)
{
    QSettings().setValue("export/dir", QFileInfo(file).absolutePath());
}

} // namespace lx::ui
