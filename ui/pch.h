// Precompiled for the window's code (ui/ and the GUI tests): Qt Widgets and QCustomPlot. None
// of it uses LibTorch, and loading LibTorch's precompiled header (1.2 GB of compiler memory)
// cost each file ~10 s more than parsing these headers from scratch (19.3 against 9.0 s for
// HoverController.cpp); with this one it takes 2.9 s.
#pragma once
#include <QtWidgets>

#include "QCustomPlot.h"
