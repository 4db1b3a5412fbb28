#include "panels/Export.h"

#include "QCustomPlot.h"

#include <QDir>
#include <QFileInfo>
#include <QPainter>
#include <QSaveFile>
#include <QTemporaryFile>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace lx::ui {

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
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return file.errorString();
    if (!image.save(&file, "PNG")) {
        file.cancelWriting();
        return QObject::tr("could not encode the PNG");
    }
    if (!file.commit())
        return file.errorString();
    return {};
}

QString savePlotAtomically(QCustomPlot* plot, const QString& path)
{
    const bool pdf = QFileInfo(path).suffix().compare("pdf", Qt::CaseInsensitive) == 0;
    if (!pdf) {
        const QPixmap pixmap = plot->toPixmap(plot->width(), plot->height(), 2.0);
        return saveImageAtomically(pixmap.toImage(), path);
    }
    // QCustomPlot writes PDFs by file name: write beside the target, then rename over it.
    QTemporaryFile temp(QFileInfo(path).absoluteDir().filePath(".export-XXXXXX.pdf"));
    if (!temp.open())
        return temp.errorString();
    temp.close();
    if (!plot->savePdf(temp.fileName(), plot->width(), plot->height()))
        return QObject::tr("could not write the PDF");
    if (std::rename(QFile::encodeName(temp.fileName()).constData(), QFile::encodeName(path).constData()) != 0)
        return QString::fromLocal8Bit(std::strerror(errno));
    temp.setAutoRemove(false);
    return {};
}

} // namespace lx::ui
