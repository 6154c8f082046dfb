#include "tests/sim/sim_cluster.h"

#include <algorithm>

namespace raftlab::sim {

using core::Message;
using core::MessageType;
using core::Ready;
using core::Role;

struct Cluster::Event {
    enum class Kind : std::uint8_t { Tick, Deliver, Persisted, Retire };
    std::int64_t t = 0;
    std::uint64_t seq = 0;
    Kind kind = Kind::Tick;
    NodeId node = core::kNoNode;
    std::uint64_t incarnation = 0;
    Message msg;
};

// std::*_heap build a max-heap; invert so the earliest (then oldest) is on top.
bool Cluster::EventOrder::operator()(const Event& a, const Event& b) const {
    if (a.t != b.t) return a.t > b.t;
    return a.seq > b.seq;
}

namespace {

const char* note_name(core::NoteKind k) {
    switch (k) {
        case core::NoteKind::VoteGranted:
            return "VoteGranted";
        case core::NoteKind::VoteDenied:
            return "VoteDenied";
        case core::NoteKind::ConfigAppended:
            return "ConfigAppended";
        case core::NoteKind::ConfigCommitted:
            return "ConfigCommitted";
        case core::NoteKind::LearnerPromoted:
            return "LearnerPromoted";
        case core::NoteKind::EvenVoterCount:
            return "EvenVoterCount";
        case core::NoteKind::SnapshotSent:
            return "SnapshotSent";
        case core::NoteKind::SnapshotInstalled:
            return "SnapshotInstalled";
        case core::NoteKind::TransferStarted:
            return "TransferStarted";
        case core::NoteKind::TransferAborted:
            return "TransferAborted";
        case core::NoteKind::RemovedSelf:
            return "RemovedSelf";
    }
    return "Unknown";
}

const char* entry_type_name(core::EntryType t) {
    switch (t) {
        case core::EntryType::Normal:
            return "Normal";
        case core::EntryType::Noop:
            return "Noop";
        case core::EntryType::Config:
            return "Config";
    }
    return "Unknown";
}

}  // namespace

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

// ---- network -----------------------------------------------------------------

void Cluster::block(NodeId from, NodeId to) {
    blocked_.insert({from, to});
    if (trace_.enabled()) {
        TraceLine line(now_, from, "fault");
        line.str("what", "block").unum("to", to);
        trace_.write(line);
    }
}

void Cluster::isolate(NodeId id) {
    for (const auto& [other, n] : nodes_) {
        if (other == id) continue;
        blocked_.insert({id, other});
        blocked_.insert({other, id});
    }
    note(id, "fault", "isolate");
}

void Cluster::rejoin(NodeId id) {
    for (auto it = blocked_.begin(); it != blocked_.end();) {
        it = it->first == id || it->second == id ? blocked_.erase(it) : std::next(it);
    }
    note(id, "fault", "rejoin");
}

void Cluster::partition(const std::vector<NodeId>& side) {
    std::set<NodeId> a(side.begin(), side.end());
    std::string names;
    for (const auto& [x, nx] : nodes_) {
        for (const auto& [y, ny] : nodes_) {
            if (a.count(x) != a.count(y)) blocked_.insert({x, y});
        }
        if (a.count(x)) names += (names.empty() ? "" : ",") + std::to_string(x);
    }
    note(core::kNoNode, "fault", "partition", "{" + names + "} | rest");
}

void Cluster::heal() {
    blocked_.clear();
    note(core::kNoNode, "fault", "heal");
}

void Cluster::drop(const Message& m, const char* reason) {
    ++stats_.messages_dropped;
    if (!trace_.enabled()) return;
    TraceLine line(now_, m.to, "drop");
    line.str("type", core::to_string(m.type))
        .unum("from", m.from)
        .unum("to", m.to)
        .str("reason", reason);
    trace_.write(line);
}

void Cluster::send(SimNode& n, const Message& original) {
    Message m = original;
    ++stats_.messages_sent;
    ++stats_.messages_by_type[static_cast<int>(m.type) & 15];
    bool image_gone = false;
    if (m.type == MessageType::Snapshot && m.snapshot && m.snapshot->data.empty()) {
        // Like the real transport, stream the image from storage. If the node
        // compacted again since the core queued the message, that image is
        // gone and the send fails, as it would over gRPC; the core must retry.
        const Index want = m.snapshot->meta.index;
        if (n.store.snapshot && n.store.snapshot->meta.index == want) {
            m.snapshot->data = n.store.snapshot->data;
        } else if (want > n.store.snapshot_index()) {
            checker_.fail(now_, n.id, "Driver Contract",
                          "node " + std::to_string(n.id) + " sent a snapshot at index " +
                              std::to_string(want) + " but its store only holds one at " +
                              std::to_string(n.store.snapshot_index()));
        } else {
            image_gone = true;
        }
    }
    if (trace_.enabled()) {
        TraceLine line(now_, n.id, "send");
        line.str("type", core::to_string(m.type))
            .unum("to", m.to)
            .unum("term", m.term)
            .unum("index", m.index)
            .unum("log_term", m.log_term)
            .unum("entries", m.entries.size())
            .unum("commit", m.commit);
        if (m.reject) line.flag("reject", true);
        if (m.snapshot) line.unum("snapshot_index", m.snapshot->meta.index);
        trace_.write(line);
    }
    if (image_gone) return drop(m, "snapshot image replaced by a newer one");
    if (filter_ && !filter_(m)) return drop(m, "filter");
    if (blocked(m.from, m.to)) return drop(m, "partition");
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    if (options_.net.drop > 0 && coin(rng_) < options_.net.drop) return drop(m, "loss");
    const int copies = options_.net.duplicate > 0 && coin(rng_) < options_.net.duplicate ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
        Event ev;
        const int span = options_.net.max_delay_ms - options_.net.min_delay_ms;
        ev.t = now_ + options_.net.min_delay_ms +
               (span > 0 ? static_cast<int>(rng_() % (span + 1)) : 0);
        ev.kind = Event::Kind::Deliver;
        ev.node = m.to;
        ev.msg = m;
        schedule(std::move(ev));
    }
}

void Cluster::deliver(Message& m) {
    auto it = nodes_.find(m.to);
    if (it == nodes_.end() || !it->second.up) return drop(m, "node down");
    if (blocked(m.from, m.to)) return drop(m, "partition");
    if (trace_.enabled()) {
        TraceLine line(now_, m.to, "recv");
        line.str("type", core::to_string(m.type))
            .unum("from", m.from)
            .unum("term", m.term)
            .unum("index", m.index)
            .unum("log_term", m.log_term)
            .unum("entries", m.entries.size())
            .unum("commit", m.commit);
        if (m.reject) line.flag("reject", true);
        trace_.write(line);
    }
    it->second.raft->step(m);
    after_input(it->second);
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

void Cluster::after_input(SimNode& n) {
    if (!n.up) return;
    observe(n);
    pump(n);
}

// Sees a new leader the moment it exists, not when its Ready is handed out.
void Cluster::observe(SimNode& n) {
    if (n.raft->role() != Role::Leader || n.leader_seen_term == n.raft->term()) return;
    n.leader_seen_term = n.raft->term();
    ++stats_.leaders;
    checker_.on_leader(now_, n.id, n.leader_seen_term, *n.raft);
}

void Cluster::pump(SimNode& n) {
    while (n.up && !n.inflight && n.raft->has_ready()) {
        n.inflight = n.raft->ready();
        begin_ready(n);
        const std::int64_t d = disk_delay();
        if (d > 0) {
            Event ev;
            ev.t = now_ + d;
            ev.kind = Event::Kind::Persisted;
            ev.node = n.id;
            ev.incarnation = n.incarnation;
            schedule(std::move(ev));
            return;
        }
        finish_ready(n);
    }
}

void Cluster::begin_ready(SimNode& n) {
    const Ready& rd = *n.inflight;
    for (const auto& rc : rd.role_changes) {
        if (!trace_.enabled()) break;
        TraceLine line(now_, n.id, "role");
        line.str("from", core::to_string(rc.from))
            .str("to", core::to_string(rc.to))
            .unum("term", rc.term)
            .unum("leader", rc.leader)
            .str("reason", rc.reason);
        trace_.write(line);
    }
    for (const auto& note : rd.notes) {
        if (note.kind == core::NoteKind::SnapshotInstalled) ++stats_.snapshots_installed;
        if (!trace_.enabled()) continue;
        TraceLine line(now_, n.id, "note");
        line.str("note", note_name(note.kind))
            .unum("peer", note.peer)
            .unum("term", note.term)
            .unum("index", note.index)
            .str("text", note.text);
        trace_.write(line);
    }
    // Leader Append-Only (§5.3): a node that has led the same term since its
    // last Ready may only append after what it already wrote.
    const bool leader_now = n.raft->role() == Role::Leader;
    if (leader_now && n.leader_at_last_ready && n.term_at_last_ready == n.raft->term()) {
        if (!rd.entries.empty() && rd.entries.front().index <= n.store.last_index()) {
            checker_.on_leader_overwrite(now_, n.id, n.raft->term(), rd.entries.front().index,
                                         n.store.last_index());
        }
        if (rd.snapshot) {
            checker_.on_leader_overwrite(now_, n.id, n.raft->term(), rd.snapshot->meta.index,
                                         n.store.last_index());
        }
    }
    n.leader_at_last_ready = leader_now;
    n.term_at_last_ready = n.raft->term();
    // Leader replication goes out before the leader's own fsync (§10.2.1).
    for (const auto& m : rd.send_now)
        send(n, m);
}

void Cluster::persist(SimNode& n, const Ready& rd) {
    DurableStore& s = n.store;
    if (rd.snapshot) {
        const core::SnapshotMeta& meta = rd.snapshot->meta;
        // The driver contract (engine/core/README.md): a snapshot replaces the
        // whole stored log.
        s.log.clear();
        s.snapshot = rd.snapshot;
        checker_.on_persist_snapshot(now_, n.id, meta.index, meta.term);
        if (trace_.enabled()) {
            TraceLine line(now_, n.id, "persist");
            line.unum("snapshot_index", meta.index).unum("snapshot_term", meta.term);
            trace_.write(line);
        }
    }
    if (!rd.entries.empty()) {
        const Index first = rd.entries.front().index;
        while (!s.log.empty() && s.log.back().index >= first)
            s.log.pop_back();
        s.log.insert(s.log.end(), rd.entries.begin(), rd.entries.end());
        checker_.on_persist_entries(now_, n.id, rd.entries);
    }
    if (rd.hard_state) {
        if (rd.hard_state->commit > s.hard_state.commit && n.raft->role() == Role::Leader &&
            rd.hard_state->term == n.raft->term()) {
            const auto t = s.term_at(rd.hard_state->commit);
            if (t && *t != rd.hard_state->term) ++stats_.old_term_commits;
        }
        s.hard_state = *rd.hard_state;
    }
    if (trace_.enabled() && (rd.hard_state || !rd.entries.empty())) {
        TraceLine line(now_, n.id, "persist");
        line.unum("term", s.hard_state.term)
            .unum("vote", s.hard_state.vote)
            .unum("commit", s.hard_state.commit);
        if (!rd.entries.empty()) {
            line.unum("first", rd.entries.front().index).unum("last", rd.entries.back().index);
        }
        trace_.write(line);
    }
}

void Cluster::finish_ready(SimNode& n) {
    const Ready rd = std::move(*n.inflight);
    persist(n, rd);
    // Acks and votes are durable promises: only now may they leave.
    for (const auto& m : rd.send_after_persist)
        send(n, m);
    apply(n, rd);
    for (const auto& rs : rd.read_states) {
        for (auto& r : n.reads) {
            if (r.context == rs.context) {
                r.has_index = true;
                r.read_index = rs.index;
            }
        }
    }
    for (const auto& rf : rd.read_failures) {
        auto it = std::find_if(n.reads.begin(), n.reads.end(),
                               [&](const PendingRead& r) { return r.context == rf.context; });
        if (it == n.reads.end()) continue;
        ++stats_.reads_failed;
        complete(it->context, lincheck::Outcome::Failed);
        if (trace_.enabled()) {
            TraceLine line(now_, n.id, "op_complete");
            line.unum("op_id", it->context).str("outcome", "failed").str("error", rf.reason);
            trace_.write(line);
        }
        n.reads.erase(it);
    }
    n.raft->advance(rd);
    n.inflight.reset();
    serve_reads(n);
    maybe_compact(n);
}

void Cluster::apply(SimNode& n, const Ready& rd) {
    if (rd.snapshot && rd.snapshot->meta.index > n.applied) {
        n.kv = KvStateMachine::deserialize(rd.snapshot->data);
        n.applied = rd.snapshot->meta.index;
        n.applied_membership = rd.snapshot->meta.membership;
        if (trace_.enabled()) {
            TraceLine line(now_, n.id, "apply");
            line.str("what", "snapshot").unum("index", n.applied);
            trace_.write(line);
        }
    }
    std::vector<NodeId> removed;
    for (const auto& e : rd.committed_entries) {
        if (e.index <= n.applied) continue;
        if (e.index != n.applied + 1) {
            checker_.fail(now_, n.id, "Driver Contract",
                          "node " + std::to_string(n.id) + " was handed entry " +
                              std::to_string(e.index) + " to apply after applying only up to " +
                              std::to_string(n.applied));
        }
        checker_.on_apply(now_, n.id, e);
        n.applied = e.index;
        if (e.type == core::EntryType::Normal) n.kv.apply(e.data);
        if (e.type == core::EntryType::Config && e.membership) {
            for (const auto& [id, m] : n.applied_membership.members) {
                if (!e.membership->contains(id)) removed.push_back(id);
            }
            n.applied_membership = *e.membership;
        }
        if (trace_.enabled()) {
            TraceLine line(now_, n.id, "apply");
            line.unum("index", e.index).unum("term", e.term).str("type", entry_type_name(e.type));
            if (!e.data.empty()) line.str("data", e.data);
            trace_.write(line);
        }
        // Acknowledge the client whose proposal this index was: same term
        // means this very entry; another term means the proposal was lost.
        for (auto it = n.writes.begin(); it != n.writes.end();) {
            if (it->index > e.index) {
                ++it;
                continue;
            }
            if (it->index < e.index) {
                // Its index went by inside a snapshot this node installed: it
                // may or may not be in there. The client never hears: unknown.
                it = n.writes.erase(it);
                continue;
            }
            const bool ok = it->term == e.term && e.data == make_set(it->key, it->value);
            if (ok) {
                ++stats_.writes_acked;
                checker_.on_write_ack(it->key, e.index);
            }
            // A different entry committed at its index means this proposal
            // can never commit: a definite failure, not an unknown.
            complete(it->op_id, ok ? lincheck::Outcome::Ok : lincheck::Outcome::Failed);
            if (trace_.enabled()) {
                TraceLine line(now_, n.id, "op_complete");
                line.unum("op_id", it->op_id)
                    .str("outcome", ok ? "ok" : "failed")
                    .unum("index", it->index);
                if (!ok) line.str("error", "another entry was committed at its index");
                trace_.write(line);
            }
            it = n.writes.erase(it);
        }
    }
    // A removed node leaves once its removal is committed (any node applying
    // it proves that), a little later so that it may learn of it itself.
    for (NodeId id : removed) {
        if (nodes_.count(id) == 0 || node(id).retired) continue;
        Event ev;
        ev.t = now_ + options_.retire_removed_after_ms;
        ev.kind = Event::Kind::Retire;
        ev.node = id;
        schedule(std::move(ev));
    }
}

void Cluster::serve_reads(SimNode& n) {
    for (auto it = n.reads.begin(); it != n.reads.end();) {
        if (!it->has_index || n.applied < it->read_index) {
            ++it;
            continue;
        }
        // ReadIndex (§6.4): once applied >= read index, the local state
        // machine answers the read linearizably.
        const auto value = n.kv.get(it->key);
        ++stats_.reads_served;
        checker_.on_read(now_, n.id, it->key, it->base, it->read_index, value);
        last_read_ = CompletedRead{n.id, it->key, value, it->read_index, now_};
        complete(it->context, lincheck::Outcome::Ok, value);
        if (trace_.enabled()) {
            TraceLine line(now_, n.id, "op_complete");
            line.unum("op_id", it->context).str("outcome", "ok");
            if (value) {
                line.str("value", *value);
            } else {
                line.null("value");
            }
            line.unum("read_index", it->read_index);
            trace_.write(line);
        }
        it = n.reads.erase(it);
    }
}

void Cluster::maybe_compact(SimNode& n) {
    const Index threshold = options_.snapshot_threshold;
    if (threshold == 0 || !n.up || n.applied < n.store.snapshot_index() + threshold) return;
    const auto term = n.store.term_at(n.applied);
    if (!term) return;  // applied entry not durable here yet (cannot happen, but never guess)
    core::Snapshot snap;
    snap.meta.index = n.applied;
    snap.meta.term = *term;
    snap.meta.membership = n.applied_membership;
    snap.data = n.kv.serialize();
    n.store.log.erase(std::remove_if(n.store.log.begin(), n.store.log.end(),
                                     [&](const core::Entry& e) { return e.index <= n.applied; }),
                      n.store.log.end());
    n.store.snapshot = snap;
    checker_.on_compact(n.id, n.applied);
    n.raft->compact(n.applied, snap.data);
    ++stats_.snapshots_taken;
    if (trace_.enabled()) {
        TraceLine line(now_, n.id, "snapshot");
        line.unum("index", snap.meta.index).unum("term", snap.meta.term);
        trace_.write(line);
    }
}

// ---- client operations -----------------------------------------------------------

void Cluster::record(std::uint64_t op_id, lincheck::Operation op) {
    if (!options_.record_history) return;
    op.id = op_id;
    op.client = op_id;
    op.invoke_ns = now_ * 1000000;
    op.complete_ns = lincheck::kNever;
    op.outcome = lincheck::Outcome::Unknown;
    if (history_.size() < op_id) history_.resize(op_id);
    history_[op_id - 1] = std::move(op);
}

void Cluster::complete(std::uint64_t op_id, lincheck::Outcome outcome,
                       std::optional<std::string> value) {
    if (!options_.record_history || op_id > history_.size()) return;
    lincheck::Operation& op = history_[op_id - 1];
    op.outcome = outcome;
    op.complete_ns = now_ * 1000000;
    if (op.kind == lincheck::OpKind::Get) op.value = std::move(value);
}

std::string Cluster::put_value(NodeId at, const std::string& key, bool* accepted) {
    SimNode& n = node(at);
    const std::string value = "v" + std::to_string(next_value_++);
    *accepted = false;
    if (!n.up) return value;
    ++stats_.writes_proposed;
    const std::uint64_t op_id = next_op_++;
    record(op_id, lincheck::Operation{.kind = lincheck::OpKind::Put, .key = key, .value = value});
    auto r = n.raft->propose(make_set(key, value));
    if (std::holds_alternative<core::Error>(r)) complete(op_id, lincheck::Outcome::Failed);
    if (auto* p = std::get_if<core::Proposed>(&r)) {
        n.writes.push_back(PendingWrite{op_id, key, value, p->index, p->term});
        *accepted = true;
    }
    if (trace_.enabled()) {
        // Every client operation is its own client in the trace's terms.
        TraceLine line(now_, at, "op_invoke");
        line.unum("client", op_id)
            .unum("op_id", op_id)
            .str("op", "put")
            .str("key", key)
            .str("value", value);
        if (auto* p = std::get_if<core::Proposed>(&r))
            line.unum("index", p->index).unum("term", p->term);
        trace_.write(line);
        if (auto* e = std::get_if<core::Error>(&r)) {
            TraceLine done(now_, at, "op_complete");
            done.unum("op_id", op_id)
                .str("outcome", "failed")
                .str("error", core::to_string(e->code));
            trace_.write(done);
        }
    }
    after_input(n);
    return value;
}

bool Cluster::put(NodeId at, const std::string& key) {
    bool ok = false;
    put_value(at, key, &ok);
    return ok;
}

void Cluster::read(NodeId at, const std::string& key) {
    SimNode& n = node(at);
    if (!n.up) return;
    ++stats_.reads_invoked;
    PendingRead r;
    r.context = next_op_++;
    record(r.context, lincheck::Operation{.kind = lincheck::OpKind::Get, .key = key});
    r.key = key;
    r.base = checker_.read_baseline(key);
    n.reads.push_back(r);
    if (trace_.enabled()) {
        TraceLine line(now_, at, "op_invoke");
        line.unum("client", r.context).unum("op_id", r.context).str("op", "get").str("key", key);
        trace_.write(line);
    }
    n.raft->read_index(r.context);
    after_input(n);
}

namespace {
template <typename R>
std::string outcome(const R& r) {
    if (const auto* e = std::get_if<core::Error>(&r)) {
        return std::string(core::to_string(e->code)) + ": " + e->message;
    }
    return "ok";
}
}  // namespace

bool Cluster::add_learner(NodeId at, NodeId id, core::NodeStatus status) {
    SimNode& n = node(at);
    if (!n.up) return false;
    auto r = n.raft->add_learner(id, "sim://" + std::to_string(id), status);
    const bool ok = std::holds_alternative<core::Proposed>(r);
    note(at, "config", "add_learner " + std::to_string(id), outcome(r));
    if (ok) {
        ++stats_.config_changes;
        start(id);
    }
    after_input(n);
    return ok;
}

bool Cluster::promote(NodeId at, NodeId id) {
    SimNode& n = node(at);
    if (!n.up) return false;
    auto r = n.raft->promote_learner(id);
    note(at, "config", "promote " + std::to_string(id), outcome(r));
    const bool ok = std::holds_alternative<core::Proposed>(r);
    if (ok) ++stats_.config_changes;
    after_input(n);
    return ok;
}

bool Cluster::remove(NodeId at, NodeId id) {
    SimNode& n = node(at);
    if (!n.up) return false;
    auto r = n.raft->remove_node(id);
    note(at, "config", "remove " + std::to_string(id), outcome(r));
    const bool ok = std::holds_alternative<core::Proposed>(r);
    if (ok) ++stats_.config_changes;
    after_input(n);
    return ok;
}

bool Cluster::transfer(NodeId at, NodeId target) {
    SimNode& n = node(at);
    if (!n.up) return false;
    auto err = n.raft->transfer_leader(target);
    note(at, "transfer", "to " + std::to_string(target),
         err ? std::string(core::to_string(err->code)) + ": " + err->message : "started");
    if (!err) ++stats_.transfers;
    after_input(n);
    return !err;
}

}  // namespace raftlab::sim
