#pragma once

#include <QImage>
#include <QWidget>

namespace lx::ui {

// A small image shown with square, unsmoothed pixels (a 28×28 digit stays crisp), with a
// caption underneath. Empty tiles show a dashed frame.
class ImageTile : public QWidget {
    Q_OBJECT
public:
    explicit ImageTile(const QString& caption = {}, int side = 112, QWidget* parent = nullptr);

    void setImage(const QImage& image);
    void setCaption(const QString& caption);
    const QImage& image() const { return image_; }
    QString caption() const { return caption_; }
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QImage image_;
    QString caption_;
    int side_;
};

} // namespace lx::ui
