// Internals of Node, shared by its source files (one concern each):
//   node.cpp       start-up, wiring and shutdown
//   raft_loop.cpp  the raft-loop thread: inputs, ticks, Ready handling
//   apply_loop.cpp the apply thread: state machine, client completion, snapshots
//   client_ops.cpp client calls turned into loop inputs
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "engine/core/raft.h"
#include "engine/lab/lab_plane.h"
#include "engine/net/peer_gate.h"
#include "engine/net/peer_service.h"
#include "engine/net/tls.h"
#include "engine/net/transport.h"
#include "engine/server/joiner.h"
#include "engine/server/node.h"
#include "engine/storage/storage.h"

namespace raftlab::server {

using Clock = std::chrono::steady_clock;

// Completes a read once the state machine may serve it: called with an error,
// or with Ok once applied >= the read index (it then reads storage itself).
using ReadServe = std::function<void(const OpError&)>;

// Inputs to the raft loop. Everything that touches the core goes through here.
struct ProposeIn {
    std::string data;
    WriteCallback done;
};
struct ReadIndexIn {
    ReadServe serve;
    bool lease = false;  // try a lease read first (thesis §6.4.1)
};
struct ChangeIn {
    enum class Kind { AddLearner, Promote, Remove, Transfer } kind;
    core::NodeId id = core::kNoNode;
    std::string address;
    core::NodeStatus status = core::NodeStatus::Promotable;
    ChangeCallback done;
};
struct CompactIn {
    core::Index index = 0;
};
using Input = std::variant<core::Message, ProposeIn, ReadIndexIn, ChangeIn, CompactIn>;

// Completes an input's callback with an error (the input never reached the core).
void fail_input(Input& in, const OpError& error);

// A proposal waiting for its entry to be applied.
struct PendingWrite {
    core::Term term = 0;
    WriteCallback write;    // client command
    ChangeCallback change;  // membership change
    Clock::time_point deadline;
};

// Linearizable reads waiting for one ReadIndex answer. Every read that
// reaches the raft loop in the same turn shares one context: one quorum
// round confirms leadership for all of them (§6.4), and a follower forwards
// one ReadIndex message to the leader per turn instead of one per read.
struct PendingRead {
    std::vector<ReadServe> serves;
    Clock::time_point deadline;
};

// Work for the apply thread.
struct ApplyTask {
    std::vector<core::Entry> entries;
    std::vector<std::pair<core::Index, ReadServe>> reads;  // serve once applied >= index
    std::optional<core::SnapshotMeta> installed;           // a snapshot replaced the state
};

struct Node::Impl {
    NodeOptions options;
    const config::NodeConfig& cfg() const { return options.config; }
    core::NodeId self = core::kNoNode;
    std::string listen_address;

    std::unique_ptr<storage::Storage> store;
    // Lab time (design.md "Time"): ticks, netem delays and client deadlines
    // all run on it. Without --lab nobody changes its rate, so it is plain
    // CLOCK_MONOTONIC. Declared before transport, which may hold netem on it.
    netem::LabClock lab_clock;
    Clock::time_point lab_now() const {
        return Clock::time_point(std::chrono::nanoseconds(lab_clock.now()));
    }
    std::unique_ptr<lab::LabPlane> lab;  // only with --lab
    bool clock_changed = false;          // guarded by in_mu: wakes the raft loop to re-plan
    std::unique_ptr<core::Raft> raft;    // raft-loop thread only (after start)
    std::unique_ptr<net::PeerGate> gate;
    std::unique_ptr<net::Transport> transport;  // raft-loop thread only
    std::unique_ptr<net::PeerService> peer_service;
    std::optional<net::TlsMaterial> tls;  // [tls] PEM; nullopt: plaintext
    std::vector<std::unique_ptr<grpc::Service>> services;
    std::unique_ptr<grpc::Server> server;
    // --lab with a lab address of its own: a second server on loopback (Lab,
    // KV, Cluster; engine/server/lab_listener.h).
    std::vector<std::unique_ptr<grpc::Service>> lab_services;
    std::unique_ptr<grpc::Server> lab_server;
    std::string lab_address;  // as bound; empty without one

    // Raft-loop inbox.
    std::mutex in_mu;
    std::condition_variable in_cv;
    std::vector<Input> inbox;
    bool stopping = false;
    std::thread loop_thread;

    // Waiting calls (raft loop registers, apply thread and reaper complete).
    std::mutex wait_mu;
    std::map<core::Index, PendingWrite> pending;
    std::map<std::uint64_t, PendingRead> reads;  // by ReadIndex context
    std::uint64_t next_read_ctx = 1;
    std::vector<ReadServe> read_batch;  // raft loop: this turn's reads, not yet asked for

    // Apply thread.
    std::mutex apply_q_mu;
    std::condition_variable apply_cv;
    std::deque<ApplyTask> apply_q;
    bool apply_stopping = false;
    // A thread is applying (the apply thread, or the raft loop applying a
    // small batch itself while the apply thread is idle): guarded by apply_q_mu.
    bool apply_busy = false;
    std::thread apply_thread;
    // Held while applying, and by the raft loop while installing a snapshot,
    // so the two never write the state machine at once.
    std::mutex apply_mu;

    // A snapshot received over InstallSnapshot, staged until the raft loop
    // persists the Ready that installs it.
    std::mutex staged_mu;
    std::unique_ptr<storage::SnapshotWriter> staged;
    // Raft loop only: the staging handle of the Snapshot message stepped in
    // this turn, until the Ready shows whether the core installs it.
    std::string offered_snapshot;

    // Published by the raft loop for other threads.
    mutable std::mutex status_mu;
    core::Status status;
    std::atomic<bool> leader_flag{false};
    std::atomic<core::NodeId> leader_id{core::kNoNode};
    std::vector<LeaderObserver> observers;  // guarded by status_mu

    // Raft-loop thread state.
    Clock::time_point last_tick;
    Clock::time_point next_reap;
    core::Membership last_membership;
    core::HardState persisted_hard_state;  // as last written to disk
    core::NodeId last_leader = core::kNoNode;
    core::Term last_term = 0;

    // Apply-thread state.
    core::Index snapshot_index = 0;
    core::Term applied_term = 0;
    core::Membership applied_membership;
    std::multimap<core::Index, ReadServe> waiting_reads;

    // Issue 4: asks the cluster to add this node while it is not a member yet.
    std::unique_ptr<Joiner> joiner;

    std::atomic<bool> stopped{false};

    // node.cpp
    void start_server();
    void start_threads();
    void start_lab();
    void shutdown();
    void push(Input input);
    OpError not_leader_error(core::NodeId leader) const;

    // raft_loop.cpp
    void run_loop();
    void catch_up_ticks();
    void handle(Input& input);
    void handle_propose(ProposeIn& in);
    void handle_read(ReadIndexIn& in);
    void flush_read_batch();
    void handle_change(ChangeIn& in);
    void process_ready();
    void send(std::vector<core::Message>& msgs);
    void hand_to_apply(core::Ready& rd);  // committed entries and read states  // to the transport,
                                          // past the test hook
    void publish_status();
    void reap_expired(bool all, Code code);
    void on_membership(const core::Membership& membership);

    // apply_loop.cpp
    void run_apply();
    void run_task(ApplyTask& task);
    void apply_entries(const std::vector<core::Entry>& entries);
    bool snapshot_is_due() const;
    void serve_ready_reads();
    void maybe_snapshot();
    void post_apply(ApplyTask task);
    void init_apply_state(const core::Restored& restored);
};

}  // namespace raftlab::server
