// libFuzzer target: the TOML node config loader (engine/config). Any input
// must either load (and then validate again cleanly) or throw ConfigError,
// whose message names the file and says how to fix it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/config/config.h"
#include "tests/fuzz/fuzz_check.h"

using raftlab::config::ConfigError;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        raftlab::config::NodeConfig c = raftlab::config::parse_node_config(text, "fuzz.toml");
        // A config that loaded is valid: validating it again must agree, and
        // deriving the core's settings from it must not trip on its values.
        raftlab::config::validate(c);
        (void)c.core_config();
        (void)c.bootstrap_membership();
        (void)c.join_seeds();
    } catch (const ConfigError& e) {
        const std::string_view what = e.what();
        raftlab::fuzz::require(what.find("fuzz.toml") != std::string_view::npos,
                               "a ConfigError that does not name the file: " + std::string(what));
    } catch (const std::exception& e) {
        raftlab::fuzz::finding(std::string("the config loader threw a non-ConfigError: ") +
                               e.what());
    }
    return 0;
}
