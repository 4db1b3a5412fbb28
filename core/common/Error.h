#pragma once

#include <stdexcept>
#include <string>

namespace lx {

// Every refusal core makes (bad file, wrong model, bad argument) is an lx::Error whose
// message is one sentence a user can act on. Callers show it as is.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Work given up because the caller asked (a cancel flag was set): not a failure to report.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

} // namespace lx
