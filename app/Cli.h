#pragma once

#include <QStringList>

// The headless commands (train, eval, embed, decode, inspect). Returns the process's exit
// code: 0 on success, 1 when the work failed, 2 for a usage error.
bool isCliCommand(const QString& word);
int runCli(const QStringList& arguments);
