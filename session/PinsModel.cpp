#include "session/PinsModel.h"

#include <QIcon>
#include <QPixmap>
#include <QStringList>

namespace lx {

QString codeText(const std::vector<float>& z, bool named)
{
    QStringList parts;
    for (size_t i = 0; i < std::min<size_t>(z.size(), 4); ++i)
        parts << QString::number(z[i], 'f', 2);
    if (z.size() > 4)
        parts << QStringLiteral("…");
    const QString values = QStringLiteral("(%1)").arg(parts.join(", "));
    return named ? QStringLiteral("z = ") + values : values;
}

int PinsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(codes_.size());
}

QVariant PinsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const size_t row = size_t(index.row());
    switch (role) {
    case Qt::DecorationRole:
        // Nearest-neighbour scaling: a 28×28 digit stays crisp at icon size.
        return QIcon(QPixmap::fromImage(images_[row].scaled(kIconSide, kIconSide)));
    case Qt::ToolTipRole:
        return codeText(codes_[row]);
    case kCodeRole: {
        QVariantList code;
        for (float v : codes_[row])
            code << double(v);
        return code;
    }
    default:
        return {};
    }
}

void PinsModel::add(const std::vector<float>& code, const QImage& image)
{
    const int row = rowCount();
    beginInsertRows({}, row, row);
    codes_.push_back(code);
    images_.push_back(image);
    endInsertRows();
}

void PinsModel::setImages(std::vector<QImage> images)
{
    if (images.size() != codes_.size() || images.empty())
        return;
    images_ = std::move(images);
    Q_EMIT dataChanged(index(0), index(rowCount() - 1), {Qt::DecorationRole});
}

void PinsModel::clear()
{
    if (codes_.empty())
        return;
    beginResetModel();
    codes_.clear();
    images_.clear();
    endResetModel();
}

} // namespace lx
