// libFuzzer target: the scenario file parser (scenarios/runner). Any input
// must either parse or throw ScenarioError naming the file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "scenarios/runner/scenario.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const auto s = raftlab::scenario::parse_scenario_text(text, "fuzz.toml");
        // The parser promises cluster.nodes in 1..9 (bootstrap voters).
        raftlab::fuzz::require(
            s.cluster.nodes >= 1 && s.cluster.nodes <= 9,
            "parsed a scenario with " + std::to_string(s.cluster.nodes) + " nodes");
    } catch (const raftlab::scenario::ScenarioError& e) {
        const std::string what = e.what();
        raftlab::fuzz::require(what.find("fuzz.toml") != std::string::npos,
                               "a ScenarioError that does not name the file: " + what);
    } catch (const std::exception& e) {
        raftlab::fuzz::finding(std::string("the scenario parser threw a non-ScenarioError: ") +
                               e.what());
    }
    return 0;
}
