#pragma once

#include <QAbstractListModel>
#include <QImage>

#include <vector>

namespace lx {

// The pinned latent points: each a code and the decode it had when pinned. A real list model,
// so the Pins panel only shows it (icons with the code as tooltip) and sessions read it here.
class PinsModel : public QAbstractListModel {
    Q_OBJECT
public:
    static constexpr int kCodeRole = Qt::UserRole; // the code as a QVariantList of doubles
    static constexpr int kIconSide = 56;

    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;

    void add(const std::vector<float>& code, const QImage& image);
    void setImages(std::vector<QImage> images); // the same pins decoded again (new weights)
    void clear();
    const std::vector<std::vector<float>>& codes() const { return codes_; }
    QImage image(int row) const { return images_.at(size_t(row)); }

private:
    std::vector<std::vector<float>> codes_;
    std::vector<QImage> images_;
};

// "z = (0.12, −1.30, …)": a code in a line (the first four values); without its "z = " where
// room is short.
QString codeText(const std::vector<float>& z, bool named = true);

} // namespace lx
