// NodeRole / NodeStatus names and numbers, as the scale-out guide numbers them.
#include <algorithm>
#include <cctype>

#include "engine/config/config.h"

namespace raftlab::config {
namespace {
std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}
}  // namespace

std::optional<core::Role> parse_role(std::string_view text) {
    const std::string t = lower(text);
    // PreCandidate (4) is a transient state of the core, never configured.
    if (t == "0" || t == "follower") return core::Role::Follower;
    if (t == "1" || t == "candidate") return core::Role::Candidate;
    if (t == "2" || t == "leader") return core::Role::Leader;
    if (t == "3" || t == "learner") return core::Role::Learner;
    return std::nullopt;
}

std::optional<core::NodeStatus> parse_status(std::string_view text) {
    const std::string t = lower(text);
    if (t == "0" || t == "promotable") return core::NodeStatus::Promotable;
    if (t == "1" || t == "read_only" || t == "readonly") return core::NodeStatus::ReadOnly;
    if (t == "2" || t == "active") return core::NodeStatus::Active;
    return std::nullopt;
}

}  // namespace raftlab::config
