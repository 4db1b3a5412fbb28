#pragma once

// Torch-free, so that a program's main (and the tests') can ask without parsing LibTorch.
namespace lx {

// How many calls into imported models were left running because they did not answer (their
// threads cannot be stopped). A program with any must end with std::_Exit, not by returning
// from main: static destructors would pull LibTorch from under the running interpreter.
int runawayModelCalls();

} // namespace lx
