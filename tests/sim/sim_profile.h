// Fault profiles of the seeded random run: each seed picks one, and it sets
// the network, the disk, the timing and how often each kind of fault, client
// operation and membership change happens. Probabilities are per step (10 ms
// of virtual time).
#pragma once

#include <algorithm>
#include <cstddef>
#include <random>

#include "engine/core/types.h"

namespace raftlab::sim {

struct Profile {
    const char* name = "";
    // Network and disk.
    double drop = 0, duplicate = 0;
    int max_delay_ms = 10;
    int disk_max_ms = 2;
    // Per-step chances.
    double propose = 0.3, read = 0.1, crash = 0.003, restart = 0.03;
    double partition = 0.003, heal = 0.03, member = 0.004, transfer = 0.003;
    // Timing, in ticks.
    int election_min = 15, election_max = 30;
    double leader_bias = 0.5;       // share of crashes that hit the leader
    std::size_t max_entries = 0;    // per AppendEntries; 0 lets the seed choose 1..16
    double crash_new_leader = 0.0;  // chance a fresh leader dies or is cut off within 0..120 ms
    core::Index max_backlog = 64;   // clients hold back while a leader has this many uncommitted
    int tick_ms = 10;               // a shorter tick packs more leader turnovers into a run
    bool classic = false;           // PreVote and CheckQuorum off: Figure 8's plain Raft
};

// "split-votes" narrows the randomized election timeout so candidates collide
// (what double_vote needs); "partitions" and "crashes" build divergent logs;
// "membership" puts the leader and its learners apart from the other voters
// (what learner_in_quorum needs); "figure8" is described below.
inline constexpr Profile kProfiles[] = {
    {.name = "calm",
     .max_delay_ms = 5,
     .disk_max_ms = 1,
     .propose = 0.40,
     .read = 0.15,
     .crash = 0.002,
     .restart = 0.05,
     .partition = 0.002,
     .heal = 0.05},
    {.name = "lossy", .drop = 0.08, .duplicate = 0.05, .max_delay_ms = 20},
    {.name = "partitions",
     .drop = 0.01,
     .duplicate = 0.01,
     .crash = 0.002,
     .partition = 0.015,
     .heal = 0.02},
    {.name = "crashes",
     .drop = 0.01,
     .duplicate = 0.01,
     .disk_max_ms = 4,
     .propose = 0.35,
     .crash = 0.012,
     .restart = 0.04,
     .partition = 0.004},
    {.name = "split-votes",
     .drop = 0.02,
     .duplicate = 0.02,
     .max_delay_ms = 15,
     .disk_max_ms = 3,
     .crash = 0.006,
     .restart = 0.04,
     .partition = 0.008,
     .member = 0.002,
     .transfer = 0.004,
     .election_min = 10,
     .election_max = 13},
    {.name = "membership",
     .drop = 0.01,
     .duplicate = 0.01,
     .crash = 0.004,
     .restart = 0.04,
     .partition = 0.006,
     .member = 0.030,
     .transfer = 0.006},
    {.name = "chaos",
     .drop = 0.05,
     .duplicate = 0.05,
     .max_delay_ms = 40,
     .disk_max_ms = 5,
     .crash = 0.010,
     .restart = 0.04,
     .partition = 0.012,
     .heal = 0.02,
     .member = 0.010,
     .transfer = 0.006,
     .election_min = 12,
     .election_max = 20},
    // Figure 8 needs a leader to replicate an old-term entry one message at a
    // time, with a long backlog ahead of its own entry, and die before that
    // entry lands; and the node holding a newer conflicting entry to win next.
    // Slow links, short ticks and doomed fresh leaders make that common.
    {.name = "figure8",
     .drop = 0.02,
     .duplicate = 0.02,
     .max_delay_ms = 60,
     .disk_max_ms = 5,
     .propose = 0.70,
     .read = 0.05,
     .crash = 0.020,
     .restart = 0.20,
     .partition = 0.010,
     .heal = 0.10,
     .member = 0.0,
     .transfer = 0.002,
     .election_min = 10,
     .election_max = 20,
     .leader_bias = 0.9,
     .max_entries = 1,
     .crash_new_leader = 0.8,
     .max_backlog = 400,
     .tick_ms = 5,
     .classic = true},
};
inline constexpr int kProfileCount = sizeof(kProfiles) / sizeof(kProfiles[0]);

// Seeds pick profiles by weight; Figure 8's rare interleavings get a double share.
inline const Profile& pick_profile(std::mt19937_64& r) {
    const int slot = static_cast<int>(r() % (kProfileCount + 1));
    return kProfiles[std::min(slot, kProfileCount - 1)];
}

}  // namespace raftlab::sim
