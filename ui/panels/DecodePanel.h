#pragma once

#include <QWidget>

class QLabel;

namespace lx::ui {

class ImageTile;

// What the mouse is over on the map: the decoder's image of that latent point and, over a
// data point, the original image beside its reconstruction.
class DecodePanel : public QWidget {
    Q_OBJECT
public:
    explicit DecodePanel(QWidget* parent = nullptr);

    void showDecoded(const QImage& image, const QString& caption);
    void showDataPoint(const QImage& original, const QImage& reconstruction, const QString& label);
    void clearDataPoint();

    ImageTile* decodedTile() const { return decoded_; }
    ImageTile* originalTile() const { return original_; }
    ImageTile* reconstructionTile() const { return reconstruction_; }

private:
    ImageTile* decoded_;
    ImageTile* original_;
    ImageTile* reconstruction_;
};

} // namespace lx::ui
