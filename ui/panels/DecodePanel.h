#pragma once

#include <QColor>
#include <QImage>
#include <QWidget>

class QGridLayout;
class QLabel;

namespace lx::ui {

class ImageTile;

// What the mouse is over on the map: the decoder's image of that latent point and, over a
// data point, the original image beside its reconstruction and the per-pixel error between
// them (where MSE's blur shows: strokes' edges and thin details).
class DecodePanel : public QWidget {
    Q_OBJECT
public:
    explicit DecodePanel(QWidget* parent = nullptr);

    // `shorter` is shown where the caption does not fit (the compact Decoder at 800×600).
    void showDecoded(const QImage& image, const QString& caption, const QString& shorter = {});
    void showDataPoint(const QImage& original, const QImage& reconstruction, const QString& label);
    void clearDataPoint();
    void clear(); // as at the start: nothing hovered yet

    ImageTile* decodedTile() const { return decoded_; }
    ImageTile* originalTile() const { return original_; }
    ImageTile* reconstructionTile() const { return reconstruction_; }
    ImageTile* errorTile() const { return error_; }
    bool compact() const { return compact_; } // the trio beside the decode, not under it
    QString dataPointText() const; // "Data point labelled 7 (validation)" over a data point, else 

    // |original − reconstruction| per pixel, from `ground` (none) to red (all): on a light
    // ground white → dark red, on a dark one the ground → bright red; the mean squared error
    // (pixels in [0, 1]) goes to `mse` if given.
    static QImage errorImage(const QImage& original, const QImage& reconstruction, double* mse = nullptr,
                             const QColor& ground = Qt::white);

protected:
    void changeEvent(QEvent* event) override; // another palette: the error map follows
    void resizeEvent(QResizeEvent* event) override; // compact when wider than tall

private:
    void arrange(bool compact);

    QImage shownOriginal_, shownReconstruction_; // of the error map shown, to redraw it
    ImageTile* decoded_;
    ImageTile* original_;
    ImageTile* reconstruction_;
    ImageTile* error_;
    QLabel* point_;
    QGridLayout* grid_;
    bool compact_ = false;
};

} // namespace lx::ui
