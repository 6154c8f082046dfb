// The random driver: per step, it decides which faults, client operations,
// membership changes and transfers happen, all from its own seeded generator.
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "tests/sim/sim_cluster.h"
#include "tests/sim/sim_profile.h"

namespace raftlab::sim {

class RandomDriver {
  public:
    RandomDriver(Cluster& c, const Profile& p, std::uint64_t seed);
    void step();  // one step's worth of decisions; the caller runs the cluster

  private:
    std::string key();
    NodeId client_target();
    void doom_new_leader();
    void propose();
    void read();
    void crash();
    void restart();
    void partition();
    void membership();
    void transfer();

    Cluster& c_;
    const Profile& p_;
    std::mt19937_64 r_;
    int step_ = 0;
    Term newest_term_ = 0;
    NodeId doomed_ = core::kNoNode;
    int doom_step_ = 0;
    std::vector<std::pair<NodeId, int>> exiles_;  // isolated node, step it rejoins
};

}  // namespace raftlab::sim
