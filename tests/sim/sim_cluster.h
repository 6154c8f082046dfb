// A discrete-event Raft cluster in virtual time: 3..7 core::Raft instances, a
// seeded faulty network, a simulated disk, crashes and restarts. The cluster
// drives each core exactly as a real node does (see the loop in raft.h) and
// calls the Checker the moment any state it watches changes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/core/raft.h"
#include "scenarios/lincheck/history.h"
#include "tests/sim/sim_checker.h"
#include "tests/sim/sim_kv.h"
#include "tests/sim/sim_trace.h"

namespace raftlab::sim {

struct NetworkOptions {
    int min_delay_ms = 1;  // one-way delay is uniform in [min, max]: reordering comes free
    int max_delay_ms = 10;
    double drop = 0.0;       // probability a message is lost
    double duplicate = 0.0;  // probability a message is delivered twice
};

// A node's log as written before the simulation starts (Figure 7 and 8 tests).
struct PresetLog {
    core::HardState hard_state;
    std::vector<core::Entry> entries;  // from index 1, contiguous
};

struct ClusterOptions {
    std::uint64_t seed = 1;
    int voters = 3;  // nodes 1..voters form the bootstrap configuration
    int spares = 0;  // nodes voters+1..voters+spares may join later as learners
    int tick_ms = 10;
    int disk_min_ms = 0;  // a Ready's fsync takes [min, max] ms of virtual time
    int disk_max_ms = 2;
    // Compact when applied - snapshot index reaches this; small so snapshots
    // and InstallSnapshot happen often. 0 disables compaction.
    core::Index snapshot_threshold = 16;
    // A node whose removal the leader has applied is shut down this much later.
    int retire_removed_after_ms = 300;
    NetworkOptions net;
    core::Config config;  // template for every node: timing, pre_vote, bugs, ...
    std::map<NodeId, PresetLog> preset;
    // Keep every client operation as a lincheck::History, so a whole run can
    // be judged by the full linearizability checker afterwards.
    bool record_history = false;
};

// What survives a crash: hard state, log and snapshot (image included).
struct DurableStore {
    core::HardState hard_state;
    std::optional<core::Snapshot> snapshot;
    std::vector<core::Entry> log;  // entries after the snapshot, contiguous

    Index snapshot_index() const { return snapshot ? snapshot->meta.index : 0; }
    Index last_index() const { return log.empty() ? snapshot_index() : log.back().index; }
    std::optional<Term> term_at(Index i) const;
};

struct PendingWrite {
    std::uint64_t op_id = 0;  // also 1 + its position in the recorded history
    std::string key;
    std::string value;
    Index index = 0;
    Term term = 0;
};

struct PendingRead {
    std::uint64_t context = 0;  // also the op_id in the trace
    std::string key;
    ReadBaseline base;
    bool has_index = false;
    Index read_index = 0;
};

struct CompletedRead {
    NodeId node = core::kNoNode;
    std::string key;
    std::optional<std::string> value;
    Index read_index = 0;
    std::int64_t t_ms = 0;
};

struct SimNode {
    NodeId id = core::kNoNode;
    bool started = false;  // has ever run
    bool up = false;
    bool retired = false;  // removed from the cluster and shut down for good
    std::uint64_t incarnation = 0;
    int tick_phase_ms = 0;
    core::Membership bootstrap;
    DurableStore store;
    // Volatile: lost on crash.
    std::unique_ptr<core::Raft> raft;
    KvStateMachine kv;
    Index applied = 0;
    core::Membership applied_membership;  // configuration as of `applied`, for snapshots
    std::optional<core::Ready> inflight;  // handed out, not yet durable
    std::vector<PendingWrite> writes;
    std::vector<PendingRead> reads;
    Term leader_seen_term = 0;
    bool leader_at_last_ready = false;
    Term term_at_last_ready = 0;
};

struct SimStats {
    std::uint64_t events = 0;
    std::uint64_t messages_sent = 0;
    std::uint64_t messages_dropped = 0;
    std::uint64_t messages_by_type[16] = {};
    std::uint64_t leaders = 0;
    std::uint64_t writes_proposed = 0;
    std::uint64_t writes_acked = 0;
    std::uint64_t reads_invoked = 0;
    std::uint64_t reads_served = 0;
    std::uint64_t reads_failed = 0;
    std::uint64_t snapshots_taken = 0;
    std::uint64_t snapshots_installed = 0;
    std::uint64_t crashes = 0;
    std::uint64_t config_changes = 0;
    std::uint64_t transfers = 0;
    // A leader moved its commit index onto an entry of an older term: the
    // Figure 8 situation. A correct core never does this; with the
    // commit_old_term switch it shows how often the run reached that state.
    std::uint64_t old_term_commits = 0;
};

class Cluster {
  public:
    explicit Cluster(const ClusterOptions& options, std::ostream* trace_out = nullptr);
    ~Cluster();
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    // Virtual time, in milliseconds.
    std::int64_t now() const { return now_; }
    void run_for(std::int64_t ms);
    void run_until_time(std::int64_t t);
    // Runs event by event until `done` holds (checked after every event) or
    // `timeout_ms` of virtual time has passed. Returns whether `done` held.
    bool run_until(const std::function<bool()>& done, std::int64_t timeout_ms);

    // Nodes.
    SimNode& node(NodeId id);
    const SimNode& node(NodeId id) const;
    std::vector<NodeId> ids() const;  // every slot, started or not
    std::vector<NodeId> up_ids() const;
    core::Raft& raft(NodeId id) { return *node(id).raft; }
    void start(NodeId id);  // first start (a spare starts with an empty config)
    void crash(NodeId id);  // drops everything not yet durable
    void restart(NodeId id);
    void retire(NodeId id);  // shut down for good (removed from the cluster)
    // The up node that believes it leads in the highest term, or kNoNode.
    NodeId leader() const;

    // Network faults; partitions act at send time and at delivery time.
    void block(NodeId from, NodeId to);  // one-way
    void isolate(NodeId id);
    void rejoin(NodeId id);                           // lifts every block to and from `id`
    void partition(const std::vector<NodeId>& side);  // side vs. everyone else
    void heal();
    bool blocked(NodeId from, NodeId to) const { return blocked_.count({from, to}) != 0; }
    NetworkOptions& net() { return options_.net; }
    // Tests may drop chosen messages: return false to drop.
    void set_message_filter(std::function<bool(const core::Message&)> f) { filter_ = std::move(f); }
    // Delivers a copy of a message that was sent earlier, `delay_ms` from now:
    // the late duplicate a real network may produce (tests/fuzz replays the
    // messages its filter saw). Partitions and down nodes still apply.
    void inject(const core::Message& m, std::int64_t delay_ms);

    // Client operations, traced and checked.
    bool put(NodeId at, const std::string& key);  // false if not accepted (not leader...)
    std::string put_value(NodeId at, const std::string& key, bool* accepted);
    void read(NodeId at, const std::string& key);  // ReadIndex read

    // Membership and leader transfer, called on `at` (normally the leader).
    bool add_learner(NodeId at, NodeId id, core::NodeStatus status = core::NodeStatus::Promotable);
    bool promote(NodeId at, NodeId id);
    bool remove(NodeId at, NodeId id);
    bool transfer(NodeId at, NodeId target);

    // The most recent ReadIndex read served, for tests.
    const std::optional<CompletedRead>& last_read() const { return last_read_; }
    // Every client operation so far (if options().record_history); operations
    // pending when their node crashed stay Unknown.
    const lincheck::History& history() const { return history_; }

    Checker& checker() { return checker_; }
    Trace& trace() { return trace_; }
    SimStats& stats() { return stats_; }
    const ClusterOptions& options() const { return options_; }
    std::mt19937_64& rng() { return rng_; }

    // Writes a free-form trace line (faults from the driver, notes).
    void note(NodeId node, const std::string& kind, const std::string& what,
              const std::string& detail = {});

  private:
    struct Event;
    struct EventOrder {
        bool operator()(const Event& a, const Event& b) const;
    };

    void schedule(Event ev);
    void dispatch(Event& ev);
    void after_input(SimNode& n);
    void observe(SimNode& n);
    void pump(SimNode& n);
    void begin_ready(SimNode& n);
    void finish_ready(SimNode& n);
    void persist(SimNode& n, const core::Ready& rd);
    void apply(SimNode& n, const core::Ready& rd);
    void serve_reads(SimNode& n);
    void maybe_compact(SimNode& n);
    void send(SimNode& n, const core::Message& m);
    void deliver(core::Message& m);
    void drop(const core::Message& m, const char* reason);
    void schedule_tick(SimNode& n);
    core::Config config_for(const SimNode& n) const;
    std::int64_t disk_delay();

    ClusterOptions options_;
    std::mt19937_64 rng_;
    std::int64_t now_ = 0;
    std::uint64_t seq_ = 0;
    std::vector<Event> queue_;  // a binary heap ordered by (time, seq)
    std::map<NodeId, SimNode> nodes_;
    std::set<std::pair<NodeId, NodeId>> blocked_;
    std::function<bool(const core::Message&)> filter_;
    void record(std::uint64_t op_id, lincheck::Operation op);
    void complete(std::uint64_t op_id, lincheck::Outcome outcome,
                  std::optional<std::string> value = std::nullopt);

    std::optional<CompletedRead> last_read_;
    lincheck::History history_;
    std::uint64_t next_op_ = 1;  // op_id of client operations; reads use it as ReadIndex context
    std::uint64_t next_value_ = 1;
    Checker checker_;
    Trace trace_;
    SimStats stats_;
};

}  // namespace raftlab::sim
