#pragma once
// QCustomPlot's header is written with Qt's keywords (signals, slots, emit, foreach), which
// this project turns off (QT_NO_KEYWORDS: they clash with LibTorch's headers). Include
// QCustomPlot through this file only: it maps the keywords for that one header.
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
