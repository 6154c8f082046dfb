// The cluster's event loop, node lifecycle (start, crash, restart, retire)
// and bookkeeping. The network, the Ready loop and client operations live in
// sim_network.cpp, sim_ready.cpp and sim_client.cpp.
#include "tests/sim/sim_cluster.h"

#include <algorithm>

#include "tests/sim/sim_event.h"

namespace raftlab::sim {

using core::Message;
using core::MessageType;
using core::Ready;
using core::Role;

// std::*_heap build a max-heap; invert so the earliest (then oldest) is on top.
bool Cluster::EventOrder::operator()(const Event& a, const Event& b) const {
    if (a.t != b.t) return a.t > b.t;
    return a.seq > b.seq;
}

std::optional<Term> DurableStore::term_at(Index i) const {
    if (snapshot && i == snapshot->meta.index) return snapshot->meta.term;
    if (log.empty() || i < log.front().index || i > log.back().index) return std::nullopt;
    return log[i - log.front().index].term;
}

Cluster::Cluster(const ClusterOptions& options, std::ostream* trace_out)
    : options_(options), rng_(options.seed) {
    trace_.enable(trace_out);
    core::Membership boot;
    for (int i = 1; i <= options_.voters; ++i) {
        core::Member m;
        m.id = static_cast<NodeId>(i);
        m.address = "sim://" + std::to_string(i);
        m.voter = true;
        m.status = core::NodeStatus::Active;
        boot.members.emplace(m.id, m);
    }
    for (int i = 1; i <= options_.voters + options_.spares; ++i) {
        SimNode& n = nodes_[static_cast<NodeId>(i)];
        n.id = static_cast<NodeId>(i);
        n.tick_phase_ms = static_cast<int>(rng_() % options_.tick_ms);
        if (i <= options_.voters) n.bootstrap = boot;
        auto pre = options_.preset.find(n.id);
        if (pre != options_.preset.end()) {
            n.store.hard_state = pre->second.hard_state;
            n.store.log = pre->second.entries;
            checker_.on_persist_entries(0, n.id, n.store.log);
        }
    }
    for (int i = 1; i <= options_.voters; ++i)
        start(static_cast<NodeId>(i));
}

Cluster::~Cluster() = default;

SimNode& Cluster::node(NodeId id) {
    return nodes_.at(id);
}
const SimNode& Cluster::node(NodeId id) const {
    return nodes_.at(id);
}

std::vector<NodeId> Cluster::ids() const {
    std::vector<NodeId> out;
    for (const auto& [id, n] : nodes_)
        out.push_back(id);
    return out;
}

std::vector<NodeId> Cluster::up_ids() const {
    std::vector<NodeId> out;
    for (const auto& [id, n] : nodes_) {
        if (n.up) out.push_back(id);
    }
    return out;
}

NodeId Cluster::leader() const {
    NodeId best = core::kNoNode;
    Term best_term = 0;
    for (const auto& [id, n] : nodes_) {
        if (n.up && n.raft->role() == Role::Leader && n.raft->term() >= best_term) {
            best = id;
            best_term = n.raft->term();
        }
    }
    return best;
}

core::Config Cluster::config_for(const SimNode& n) const {
    core::Config c = options_.config;
    c.id = n.id;
    // Every node and incarnation draws its own timeouts, all from the one seed.
    c.seed = options_.seed * 1000003ull + n.id * 7919ull + n.incarnation * 104729ull;
    return c;
}

std::int64_t Cluster::disk_delay() {
    const int span = options_.disk_max_ms - options_.disk_min_ms;
    return options_.disk_min_ms + (span > 0 ? static_cast<int>(rng_() % (span + 1)) : 0);
}

void Cluster::schedule(Event ev) {
    ev.seq = seq_++;
    queue_.push_back(std::move(ev));
    std::push_heap(queue_.begin(), queue_.end(), EventOrder{});
}

void Cluster::schedule_tick(SimNode& n) {
    Event ev;
    const std::int64_t tick = options_.tick_ms;
    // Ticks fall on each node's own phase, so nodes do not tick in lockstep.
    ev.t = ((now_ - n.tick_phase_ms) / tick + 1) * tick + n.tick_phase_ms;
    if (ev.t <= now_) ev.t += tick;
    ev.kind = Event::Kind::Tick;
    ev.node = n.id;
    ev.incarnation = n.incarnation;
    schedule(std::move(ev));
}

void Cluster::note(NodeId node, const std::string& kind, const std::string& what,
                   const std::string& detail) {
    if (!trace_.enabled()) return;
    TraceLine line(now_, node, kind);
    line.str("what", what);
    if (!detail.empty()) line.str("detail", detail);
    trace_.write(line);
}

// ---- node lifecycle --------------------------------------------------------

void Cluster::start(NodeId id) {
    SimNode& n = node(id);
    if (n.started) return;
    n.started = true;
    restart(id);
}

void Cluster::restart(NodeId id) {
    SimNode& n = node(id);
    if (n.up || n.retired) return;
    n.started = true;
    n.up = true;
    ++n.incarnation;
    core::Restored r;
    r.hard_state = n.store.hard_state;
    if (n.store.snapshot) r.snapshot = n.store.snapshot->meta;
    r.entries = n.store.log;
    r.bootstrap = n.bootstrap;
    r.applied = n.store.snapshot_index();
    // The state machine is volatile: rebuild it from the snapshot image and
    // let the core hand the committed suffix out again.
    n.kv =
        n.store.snapshot ? KvStateMachine::deserialize(n.store.snapshot->data) : KvStateMachine{};
    n.applied = r.applied;
    n.applied_membership = n.store.snapshot ? n.store.snapshot->meta.membership : n.bootstrap;
    n.raft = std::make_unique<core::Raft>(config_for(n), r);
    n.leader_seen_term = 0;
    n.leader_at_last_ready = false;
    n.term_at_last_ready = 0;
    if (trace_.enabled()) {
        TraceLine line(now_, id, "fault");
        line.str("what", n.incarnation == 1 ? "start" : "restart")
            .unum("term", r.hard_state.term)
            .unum("vote", r.hard_state.vote)
            .unum("commit", r.hard_state.commit)
            .unum("snapshot_index", r.applied)
            .unum("last_index", n.store.last_index());
        trace_.write(line);
    }
    schedule_tick(n);
    after_input(n);
}

void Cluster::crash(NodeId id) {
    SimNode& n = node(id);
    if (!n.up) return;
    n.up = false;
    ++n.incarnation;  // in-flight disk writes and ticks of the old life are void
    n.raft.reset();
    n.inflight.reset();
    n.writes.clear();  // their outcome is unknown to the client: never acknowledged
    n.reads.clear();
    n.kv = KvStateMachine{};
    ++stats_.crashes;
    note(id, "fault", "crash");
}

void Cluster::retire(NodeId id) {
    SimNode& n = node(id);
    if (n.retired) return;
    crash(id);
    n.retired = true;
    note(id, "fault", "retire", "removed from the configuration; shut down for good");
}

// ---- the event loop ------------------------------------------------------------

void Cluster::dispatch(Event& ev) {
    ++stats_.events;
    switch (ev.kind) {
        case Event::Kind::Tick: {
            SimNode& n = node(ev.node);
            if (!n.up || n.incarnation != ev.incarnation) return;
            n.raft->tick();
            schedule_tick(n);
            after_input(n);
            return;
        }
        case Event::Kind::Deliver:
            deliver(ev.msg);
            return;
        case Event::Kind::Persisted: {
            SimNode& n = node(ev.node);
            if (!n.up || n.incarnation != ev.incarnation || !n.inflight) return;
            finish_ready(n);
            after_input(n);
            return;
        }
        case Event::Kind::Retire:
            retire(ev.node);
            return;
    }
}

void Cluster::run_until_time(std::int64_t t) {
    // Time stops at the first violation, so a trace ends where it went wrong.
    while (!queue_.empty() && queue_.front().t <= t && !checker_.failed()) {
        std::pop_heap(queue_.begin(), queue_.end(), EventOrder{});
        Event ev = std::move(queue_.back());
        queue_.pop_back();
        now_ = ev.t;
        dispatch(ev);
    }
    if (t > now_ && !checker_.failed()) now_ = t;
}

void Cluster::run_for(std::int64_t ms) {
    run_until_time(now_ + ms);
}

bool Cluster::run_until(const std::function<bool()>& done, std::int64_t timeout_ms) {
    const std::int64_t deadline = now_ + timeout_ms;
    if (done()) return true;
    while (!queue_.empty() && queue_.front().t <= deadline && !checker_.failed()) {
        std::pop_heap(queue_.begin(), queue_.end(), EventOrder{});
        Event ev = std::move(queue_.back());
        queue_.pop_back();
        now_ = ev.t;
        dispatch(ev);
        if (done()) return true;
    }
    if (!checker_.failed()) now_ = std::max(now_, deadline);
    return done();
}

}  // namespace raftlab::sim
