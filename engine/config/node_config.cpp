// NodeConfig's derived views: data dir, bootstrap-or-join, core::Config.
#include <algorithm>

#include "engine/config/config.h"

namespace raftlab::config {

ConfigError::ConfigError(std::string file, std::string field, std::string problem, std::string fix,
                         int line)
    : std::runtime_error(file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " +
                         (field.empty() ? problem : field + " " + problem) +
                         (fix.empty() ? std::string() : "; " + fix)),
      file_(std::move(file)),
      field_(std::move(field)),
      problem_(std::move(problem)),
      fix_(std::move(fix)),
      line_(line) {}

std::filesystem::path NodeConfig::data_dir() const {
    std::filesystem::path root = cluster.db_root_dir;
    if (root.is_relative()) root = std::filesystem::current_path() / root;
    return (root / ("node" + std::to_string(cluster.node_id))).lexically_normal();
}

const InitialMember& NodeConfig::self() const {
    for (const auto& m : cluster.initial_cluster) {
        if (m.id == cluster.node_id) return m;
    }
    throw ConfigError(source, "cluster.initial_cluster",
                      "has no entry for node_id " + std::to_string(cluster.node_id),
                      "add { id = " + std::to_string(cluster.node_id) +
                          ", address = \"host:port\", role = 3, status = 0 } to join, or "
                          "role = 2, status = 2 to bootstrap");
}

bool NodeConfig::joins_as_learner() const {
    return self().role == core::Role::Learner;
}

std::vector<std::string> NodeConfig::join_seeds() const {
    // Hinted leader first: it is the likeliest to answer JoinCluster without a
    // redirect. The hints may be stale; every listed node is tried.
    auto rank = [](const InitialMember& m) {
        if (m.role == core::Role::Leader) return 0;
        return m.is_voter() ? 1 : 2;
    };
    std::vector<const InitialMember*> others;
    for (const auto& m : cluster.initial_cluster) {
        if (m.id != cluster.node_id) others.push_back(&m);
    }
    std::stable_sort(others.begin(), others.end(),
                     [&](const auto* a, const auto* b) { return rank(*a) < rank(*b); });
    std::vector<std::string> seeds;
    for (const auto* m : others)
        seeds.push_back(dial_address(m->address));
    return seeds;
}

core::Membership NodeConfig::bootstrap_membership() const {
    core::Membership membership;
    // A joining learner starts with no configuration at all: it learns the
    // cluster's committed membership from the leader (snapshot or log).
    if (joins_as_learner()) return membership;
    for (const auto& m : cluster.initial_cluster) {
        core::Member member;
        member.id = m.id;
        member.address = m.address;
        member.voter = m.is_voter();
        if (member.voter) {
            member.status = core::NodeStatus::Active;
        } else {
            member.status = m.status == core::NodeStatus::ReadOnly ? core::NodeStatus::ReadOnly
                                                                   : core::NodeStatus::Promotable;
        }
        membership.members[m.id] = member;
    }
    return membership;
}

namespace {
// ms -> ticks, rounded up so a timeout is never shorter than configured.
int to_ticks(int ms, int tick_ms) {
    return std::max(1, (ms + tick_ms - 1) / tick_ms);
}
}  // namespace

core::Config NodeConfig::core_config() const {
    core::Config c;
    c.id = cluster.node_id;
    c.heartbeat_ticks = to_ticks(raft.heartbeat_interval_ms, raft.tick_ms);
    c.election_ticks_min = to_ticks(raft.election_timeout_min_ms, raft.tick_ms);
    c.election_ticks_max = to_ticks(raft.election_timeout_max_ms, raft.tick_ms);
    c.lease_ticks = to_ticks(raft.lease_ms, raft.tick_ms);
    c.pre_vote = raft.pre_vote;
    c.check_quorum = raft.check_quorum;
    c.max_inflight_msgs = raft.max_inflight_msgs;
    c.max_inflight_bytes = raft.max_inflight_bytes;
    c.max_entries_per_msg = raft.max_append_entries;
    c.max_bytes_per_msg = raft.max_append_bytes;
    c.auto_promote = raft.auto_promote;
    c.learner_catchup_lag = raft.learner_catchup_lag;
    // Distinct per node so that two nodes never share a timeout sequence;
    // the driver may mix in real randomness.
    c.seed = 0x9E3779B97F4A7C15ull ^ (cluster.node_id * 0xBF58476D1CE4E5B9ull);
    return c;
}

NodeConfig default_single_node(const std::filesystem::path& data_dir) {
    NodeConfig config;
    config.source = "<defaults>";
    config.cluster.node_id = 1;
    config.cluster.listen_address = "127.0.0.1:0";
    config.cluster.db_root_dir = data_dir;
    config.cluster.initial_cluster.push_back(
        {1, "127.0.0.1:0", core::Role::Leader, core::NodeStatus::Active});
    validate(config);
    return config;
}

}  // namespace raftlab::config
