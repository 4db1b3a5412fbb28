#pragma once

#include <QStringList>

// The headless commands (train, eval, embed, decode, inspect). Returns the process's exit
// code: 0 on success, 1 when the work failed, 2 for a usage error.
bool isCliCommand(const QString& word);
int runCli(const QStringList& arguments);

// What main returns: `code`, or, while a call into an imported model is still running (it did
// not answer and cannot be stopped), the process ends here with std::_Exit(code), output
// flushed: static destructors would tear LibTorch down under the running interpreter.
int endProcess(int code);
