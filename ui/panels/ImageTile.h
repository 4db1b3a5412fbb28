#pragma once

#include <QImage>
#include <QWidget>

namespace lx::ui {

// An image shown with square, unsmoothed pixels (a 28×28 digit stays crisp, every pixel the
// same size) where the tile has room for twice its size, smoothed at full room below that,
// with a caption underneath (unless made without one); it grows with its panel. Empty tiles
// show a dashed frame of the size an image would take.
class ImageTile : public QWidget {
    Q_OBJECT
public:
    explicit ImageTile(const QString& caption = {}, int side = 112, QWidget* parent = nullptr);

    void setImage(const QImage& image);
    // `shorter` is drawn instead when the caption does not fit (the decode's "(8.95, -0.12)"
    // for "z = (8.95, -0.12)" in the compact Decoder at 800×600), before anything is elided.
    void setCaption(const QString& caption, const QString& shorter = {});
    const QImage& image() const { return image_; }
    QString caption() const { return caption_; }
    QString shownCaption() const; // the caption, or its shorter form where only that fits
    // Whether the shown caption is drawn whole (in a type down to three quarters of the panel's).
    bool captionFits() const;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    int imageSide() const; // the image's side as painted now

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    int captionHeight() const;
    // The type `text` is drawn in: the tile's own, or smaller (down to three quarters) where
    // that is too wide; and whether it then fits, measured in that type.
    QFont captionFont(const QString& text) const;
    bool fits(const QString& text) const;

    QImage image_;
    int imageWidth_ = 28; // the last image's (an empty tile is sized as if it held one: no jump)
    QString caption_;
    QString shorter_;
    int side_;
    // A tile made without a caption (Draw's nearest images) keeps no room for one: its image
    // takes that height.
    bool captioned_;
};

} // namespace lx::ui
