#pragma once

#include <QImage>
#include <QWidget>

#include <vector>

class QComboBox;
class QLabel;
class QPushButton;

namespace lx::ui {

// Random latent points and their decodes: why a plain autoencoder's random points are often
// not digits. Tiles whose point lies far from every training code are framed in red. A view:
// the samples controller draws the points and decodes them.
class SamplesPanel : public QWidget {
    Q_OBJECT
public:
    enum class Source { Prior, DataBox };
    static constexpr int kCount = 16;

    explicit SamplesPanel(QWidget* parent = nullptr);

    Source source() const;
    void setSource(Source source);
    QPushButton* sampleButton() const { return sample_; }

    void showSamples(const std::vector<QImage>& images, const std::vector<bool>& far, const QString& summary);
    const std::vector<QImage>& images() const { return images_; }
    const std::vector<bool>& offData() const { return far_; }
    QString summary() const;

    // Another model's samples beside these (say an AE's box samples beside a VAE's prior
    // samples, on the same data): the lecture's point about random points, in one view.
    void showComparison(const QString& title, const std::vector<QImage>& images, const std::vector<bool>& far);
    void clearComparison();
    const std::vector<QImage>& comparisonImages() const { return compareImages_; }
    QPushButton* compareButton() const { return compare_; }

Q_SIGNALS:
    void newSamplesRequested(); // "New samples"
    void sourceChanged();
    void compareRequested(); // "Compare with…"


private:
    QComboBox* source_;
    QPushButton* sample_;
    QLabel* summary_;
    QWidget* tiles_;
    QPushButton* compare_;
    QLabel* mainTitle_;
    QLabel* compareTitle_;
    QWidget* compareTiles_;
    std::vector<QImage> compareImages_;
    std::vector<bool> compareFar_;
    std::vector<QImage> images_;
    std::vector<bool> far_;
};

} // namespace lx::ui
