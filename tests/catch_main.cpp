// Catch2's main for the core and CLI tests.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "model/RunawayCalls.h"

#include <cstdio>
#include <cstdlib>

int main(int argc, char* argv[])
{
    ::setenv("LX_CACHE_DIR", LX_TEST_CACHE_DIR, 0); // inflated datasets: in the build folder
    const int failed = Catch::Session().run(argc, argv);
    // A test that left an imported model's endless call running (it cannot be stopped) ends
    // the way the program does: without static destructors under the running interpreter.
    if (lx::runawayModelCalls() > 0) {
        std::fflush(stdout);
        std::_Exit(failed);
    }
    return failed;
}
