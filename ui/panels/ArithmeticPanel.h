#pragma once

#include <QImage>
#include <QWidget>

#include <vector>

class QComboBox;
class QLabel;
class QSlider;

namespace lx::ui {

class ImageTile;

// Latent arithmetic: a start code (the Interpolate panel's A) moved along the direction from
// one class's mean code to another's ("from 1 towards 8"), with a strength slider, decoded as
// it moves, plus a strip of strengths 0, ¼, …, 1½. A view: the arithmetic controller
// computes, the explorer state holds the choices.
class ArithmeticPanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kStripLength = 7;

    explicit ArithmeticPanel(QWidget* parent = nullptr);

    void setClassNames(const std::vector<QString>& names);
    int fromClass() const;
    int toClass() const;
    void setClasses(int from, int to);
    double strength() const; // −1 … 2
    void setStrength(double strength);
    // The choices as the explorer state holds them (no `changed` back).
    void setChoices(int from, int to, double strength);
    static double stripStrength(int i) { return 0.25 * i; }

    void showStart(const QImage& image);
    void showResult(const QImage& current, const std::vector<QImage>& strip, const QString& caption);
    void showHint(const QString& text);
    QImage current() const;
    const std::vector<QImage>& strip() const { return strip_; }
    QSlider* slider() const { return slider_; }

Q_SIGNALS:
    void changed();

private:
    QComboBox* from_;
    QComboBox* to_;
    QSlider* slider_;
    QLabel* hint_;
    ImageTile* start_;
    ImageTile* current_;
    std::vector<ImageTile*> stripTiles_;
    std::vector<QImage> strip_;
};

} // namespace lx::ui
