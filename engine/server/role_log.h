// Log lines in the guide's form, so a person following the scale-out guide
// sees what it promises:
//   [Node 1] Follower → Candidate (term 1) — election timeout
//   🎊 NODE 2 PROMOTED TO VOTER!
#pragma once

#include <string>

#include "engine/core/raft.h"

namespace raftlab::server {

const char* role_name(core::Role role);
void log_role_change(core::NodeId self, const core::RoleChange& change);
void log_note(core::NodeId self, const core::Note& note, const core::Membership& membership);
// One line for a configuration, e.g. "voters {1, 2, 3}, learners {4 (promotable)}".
std::string describe(const core::Membership& membership);

}  // namespace raftlab::server
