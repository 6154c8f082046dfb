// raftlab-node's configuration: the guide's TOML files ([cluster]) plus Raft
// Lab's own [raft], [limits] and [lab] sections, loaded, validated and turned
// into the core's Config. No IO beyond reading the file; no gRPC, no Qt.
//
// Bootstrap or join? (thesis §4.1, §4.2.1; the scale-out guide)
//   Only the node's OWN entry in initial_cluster decides what it does with an
//   empty data dir. The roles and statuses written for OTHER nodes are hints:
//   the cluster's committed membership is the truth, so a stale hint (the
//   guide's n3.toml lists node 2 as role = 1 "Candidate") must not matter.
//   - Own role 0..2 (a voter): the node is a member of the bootstrap
//     configuration. bootstrap_membership() holds every entry whose role is
//     0..2 as a voter, and every role-3 entry as a learner. All bootstrap
//     voters must list the same voters (as with etcd's initial-cluster).
//     The guide's n1.toml gives a 1-voter cluster {1}.
//   - Own role 3 (Learner): the node joins. bootstrap_membership() is empty;
//     it asks the nodes in join_seeds() for the leader and calls JoinCluster
//     with its id, address and status. n2.toml and n3.toml are this case.
//   Once the data dir holds Raft state, initial_cluster is ignored entirely:
//   the persisted membership wins (node 1 restarted with its one-node file
//   rejoins the 3-node cluster it belongs to).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/raft.h"
#include "engine/core/types.h"

namespace raftlab::config {

// A config problem a person can fix. what() reads
//   "<file>[:<line>]: <field> <problem>; <fix>"
// e.g. "n2.toml: cluster.initial_cluster[1].role = 7 is not a NodeRole; use
// 0=Follower, 1=Candidate, 2=Leader, 3=Learner or a name like \"learner\"".
class ConfigError : public std::runtime_error {
  public:
    ConfigError(std::string file, std::string field, std::string problem, std::string fix,
                int line = 0);

    const std::string& file() const { return file_; }
    const std::string& field() const { return field_; }  // "cluster.node_id", "" for syntax
    const std::string& problem() const { return problem_; }
    const std::string& fix() const { return fix_; }
    int line() const { return line_; }  // 1-based line in the file, 0 if unknown

  private:
    std::string file_, field_, problem_, fix_;
    int line_ = 0;
};

// One entry of [cluster].initial_cluster, as written in the file.
struct InitialMember {
    core::NodeId id = core::kNoNode;
    std::string address;                     // host:port as written (may be 0.0.0.0:9081)
    core::Role role = core::Role::Follower;  // 0..3 only (PreCandidate is refused)
    core::NodeStatus status = core::NodeStatus::Active;

    bool is_voter() const { return role != core::Role::Learner; }
};

struct ClusterSection {
    core::NodeId node_id = core::kNoNode;
    std::string listen_address;  // host:port to bind; 0.0.0.0 = every interface
    std::vector<InitialMember> initial_cluster;
    // Relative paths are resolved against the process's working directory
    // when the node opens its store (the guide runs every node from one dir
    // with db_root_dir = "./db").
    std::filesystem::path db_root_dir = "./db";
    std::string cluster_id = "raftlab";  // checked on every peer RPC and in the data dir
};

// Timing in milliseconds; the node ticks the core every tick_ms, so each value
// becomes value / tick_ms ticks. Defaults target failover p50 <= 600 ms and
// p99 <= 1 s: a follower notices a dead leader after 200..400 ms, PreVote +
// Vote take one round trip on loopback, and the new leader's no-op commits
// within one more. See docs/configuration.md for each trade-off.
struct RaftSection {
    int tick_ms = 10;
    int heartbeat_interval_ms = 50;     // < election_timeout_min_ms
    int election_timeout_min_ms = 200;  // randomized in [min, max) (§5.2)
    int election_timeout_max_ms = 400;
    int lease_ms = 150;                       // < election_timeout_min_ms (thesis §6.4.1)
    std::uint64_t snapshot_threshold = 1000;  // entries since last snapshot
    std::uint64_t learner_catchup_lag = 100;  // thesis §4.2.1
    bool auto_promote = true;
    bool pre_vote = true;                           // thesis §9.6
    bool check_quorum = true;                       // thesis §6.2
    std::uint64_t max_inflight_msgs = 64;           // per follower
    std::uint64_t max_inflight_bytes = 8u << 20;    // per follower
    std::uint64_t max_append_entries = 1024;        // per AppendEntries
    std::uint64_t max_append_bytes = 1u << 20;      // per AppendEntries (soft: >= 1 entry)
    std::uint64_t snapshot_chunk_bytes = 1u << 20;  // InstallSnapshot chunk payload
};

struct LimitsSection {
    std::uint64_t max_key_bytes = 4096;
    std::uint64_t max_value_bytes = 1u << 20;
    // gRPC max message size, both ways. Must hold one max-size entry plus
    // framing, and one AppendEntries of max_append_bytes.
    std::uint64_t max_rpc_bytes = 4u << 20;
};

struct LabSection {
    bool enabled = false;
    std::string address;  // loopback host:port for the lab service; required if enabled
};

// Optional TLS for the node's gRPC port (peer and client traffic), see
// docs/security.md. Off unless the file has a [tls] section. Paths are
// resolved like db_root_dir: relative ones against the working directory.
struct TlsSection {
    bool enabled = false;             // true once [tls] is present, unless it says enabled = false
    std::filesystem::path cert_file;  // this node's certificate (chain), PEM
    std::filesystem::path key_file;   // its private key, PEM
    std::filesystem::path ca_file;    // the CA(s) every node's and client's certificate chains to
    // mTLS: refuse a connection (peer or client) that does not present a
    // certificate signed by ca_file. With false, clients need only trust ca_file.
    bool require_client_cert = true;
};

struct NodeConfig {
    std::string source;  // file name the config came from ("<defaults>" for embedded)
    ClusterSection cluster;
    RaftSection raft;
    LimitsSection limits;
    LabSection lab;
    TlsSection tls;
    // Non-fatal findings, e.g. an even number of bootstrap voters. The node
    // logs each at start.
    std::vector<std::string> warnings;

    // `<db_root_dir>/node<id>`; relative db_root_dir is resolved against the
    // current working directory at call time.
    std::filesystem::path data_dir() const;

    // This node's own initial_cluster entry (validation guarantees it exists
    // for loaded files).
    const InitialMember& self() const;

    // True if the node's own entry is a Learner: with an empty data dir it
    // joins an existing cluster instead of bootstrapping one.
    bool joins_as_learner() const;

    // Dialable addresses (see dial_address) of the OTHER initial_cluster
    // entries, the ones hinted as leader first, then voters, then learners.
    // A joining node asks these for the leader.
    std::vector<std::string> join_seeds() const;

    // The configuration an empty data dir starts from (see the top comment):
    // empty for a joining learner. Member addresses are as written.
    core::Membership bootstrap_membership() const;

    // The core's Config: ms values divided by tick_ms (rounded up, >= 1).
    core::Config core_config() const;
};

// Reads and validates a TOML file. Throws ConfigError (file, field, fix) on
// any problem, including syntax (with toml++'s line and column), unknown keys,
// bad values and inconsistent relations. Warnings go to NodeConfig::warnings.
NodeConfig load_node_config(const std::filesystem::path& path);

// Same, from text; `source_name` is used in messages as the file name.
NodeConfig parse_node_config(std::string_view toml_text, std::string_view source_name);

// Embedded mode from a bare data dir: a 1-voter cluster of node 1 with
// db_root_dir = data_dir (so data lives in data_dir/node1), listening on
// 127.0.0.1:0 (any free port), default [raft] and [limits].
NodeConfig default_single_node(const std::filesystem::path& data_dir);

// Re-runs every check on a config built in code; throws ConfigError.
void validate(NodeConfig& config);

// The [tls] files' checks (tls_files.cpp), run by validate() when TLS is on:
// each file exists, is readable and holds PEM of the right kind; the key
// belongs to the certificate; the certificate chains to ca_file and is valid
// now; and it names the host peers dial for this node (a subjectAltName IP or
// DNS entry), since peers verify that name. Throws ConfigError.
void check_tls_files(NodeConfig& config);

struct HostPort {
    std::string host;  // without brackets for IPv6
    std::uint16_t port = 0;
};

// Parses "host:port" or "[v6]:port". nullopt if malformed or port > 65535.
std::optional<HostPort> parse_host_port(std::string_view address);

// For connecting: a listen-style wildcard host (0.0.0.0, [::], empty) means
// "this host", so it maps to 127.0.0.1; other addresses are returned as is.
std::string dial_address(std::string_view address);

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

// "follower"/"0" ... and "promotable"/"0" ...: the parsers the loader uses,
// exposed for raftlab-ctl. nullopt if not a valid name or number.
std::optional<core::Role> parse_role(std::string_view text);
std::optional<core::NodeStatus> parse_status(std::string_view text);

}  // namespace raftlab::config
