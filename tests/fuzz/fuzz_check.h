// What every fuzz target treats as a finding besides ASan/UBSan reports: an
// exception of a type the code under test does not promise (a person would
// see "terminate called..." instead of a message naming the problem), or a
// broken property. Both abort, so libFuzzer saves the input as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace raftlab::fuzz {

[[noreturn]] inline void finding(const std::string& what) {
    std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
    std::abort();
}

inline void require(bool ok, const std::string& what) {
    if (!ok) finding(what);
}

}  // namespace raftlab::fuzz
