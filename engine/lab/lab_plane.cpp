#include "engine/lab/lab_plane.h"

#include "engine/lab/events.h"

namespace raftlab::lab {

namespace {

// The Batch alive on this thread, if any: its plane and the events queued.
struct ThreadBatch {
    LabPlane* plane = nullptr;
    std::vector<PendingEvent> events;
};
thread_local ThreadBatch tl_batch;

// A Batch publishes early once it holds this many events, so a long turn
// (a big apply round completing thousands of writes) stays bounded in memory
// and reaches the watcher's queue in pieces.
constexpr std::size_t kBatchMax = 1024;

}  // namespace

LabPlane::LabPlane(core::NodeId self, netem::LabClock& clock, EventBus::StateSource state,
                   std::uint64_t seed)
    : self_(self), clock_(clock), emulator_(seed), bus_(self, std::move(state)) {}

LabPlane::Batch::Batch(LabPlane& plane) {
    tl_batch.plane = &plane;
}

LabPlane::Batch::~Batch() {
    if (tl_batch.plane) tl_batch.plane->flush();
    tl_batch.plane = nullptr;
}

void LabPlane::flush() {
    if (tl_batch.plane != this || tl_batch.events.empty()) return;
    bus_.publish_all(tl_batch.events);
    tl_batch.events.clear();
}

void LabPlane::emit(pb::WatchEvent& event, EventClass c) {
    if (tl_batch.plane != this) {
        bus_.publish(event, c);
        return;
    }
    auto& p = tl_batch.events.emplace_back();
    p.event.Swap(&event);
    p.cls = c;
    if (tl_batch.events.size() >= kBatchMax) flush();
}

void LabPlane::on_ready(const core::Ready& rd, const core::Membership& membership) {
    // Terms are recorded with or without a watcher: one who attaches later
    // still learns the term of every entry applied after it attached.
    if (rd.snapshot) committed_terms_.installed(rd.snapshot->meta.index, rd.snapshot->meta.term);
    if (!rd.committed_entries.empty()) committed_terms_.committed(rd.committed_entries);
    if (!bus_.active()) return;
    for (const auto& rc : rd.role_changes) {
        pb::WatchEvent ev;
        to_event(rc, ev.mutable_role_changed());
        emit(ev);
    }
    for (const auto& note : rd.notes) {
        pb::WatchEvent ev;
        if (to_event(note, membership, &ev)) emit(ev);
    }
    if (rd.snapshot) {
        pb::WatchEvent ev;
        auto* s = ev.mutable_snapshot();
        s->set_kind(pb::SnapshotEvent::INSTALLED);
        s->set_index(rd.snapshot->meta.index);
        s->set_term(rd.snapshot->meta.term);
        emit(ev);
    }
    // One event per range, however many entries the Ready holds.
    if (!rd.entries.empty()) {
        pb::WatchEvent ev;
        fill_range(rd.entries, ev.mutable_entries_appended());
        emit(ev, EventClass::Entries);
    }
    if (!rd.committed_entries.empty()) {
        pb::WatchEvent ev;
        fill_range(rd.committed_entries, ev.mutable_entries_committed());
        emit(ev, EventClass::Entries);
    }
    for (const auto* batch : {&rd.send_now, &rd.send_after_persist}) {
        for (const auto& msg : *batch) {
            if (msg.type == core::MessageType::Vote || msg.type == core::MessageType::PreVote) {
                pb::WatchEvent ev;
                auto* v = ev.mutable_vote();
                v->set_kind(pb::Vote::REQUESTED);
                v->set_peer(msg.to);
                v->set_term(msg.term);
                v->set_pre_vote(msg.type == core::MessageType::PreVote);
                emit(ev);
            }
            pb::WatchEvent ev;
            to_event(msg, true, ev.mutable_message());
            emit(ev, class_of(msg));
        }
    }
}

void LabPlane::on_received(const core::Message& msg) {
    if (!bus_.active()) return;
    if ((msg.type == core::MessageType::VoteResp || msg.type == core::MessageType::PreVoteResp) &&
        !msg.reject) {
        pb::WatchEvent ev;
        auto* v = ev.mutable_vote();
        v->set_kind(pb::Vote::RECEIVED);
        v->set_peer(msg.from);
        v->set_term(msg.term);
        v->set_pre_vote(msg.type == core::MessageType::PreVoteResp);
        emit(ev);
    }
    pb::WatchEvent ev;
    to_event(msg, false, ev.mutable_message());
    emit(ev, class_of(msg));
}

void LabPlane::on_applied(core::Index applied) {
    if (!applied_known_ || applied <= last_applied_) {
        // The first turn only learns where the state machine starts; a
        // snapshot install can move it anywhere.
        applied_known_ = true;
        last_applied_ = applied;
        committed_terms_.drop_through(applied);
        return;
    }
    const core::Index from = last_applied_ + 1;
    last_applied_ = applied;
    if (!bus_.active()) {
        committed_terms_.drop_through(applied);
        return;
    }
    pb::WatchEvent ev;
    committed_terms_.take(from, applied, ev.mutable_entries_applied());
    emit(ev, EventClass::Entries);
}

void LabPlane::on_client(const char* op, const std::string& key, bool ok, const std::string& error,
                         std::uint32_t consistency, core::Index index) {
    if (!bus_.active()) return;
    pb::WatchEvent ev;
    auto* c = ev.mutable_client_request();
    c->set_op(op);
    c->set_key(key);
    c->set_ok(ok);
    if (!error.empty()) c->set_error(error);  // one allocation fewer per successful call
    c->set_consistency(consistency);
    c->set_index(index);
    emit(ev, EventClass::Client);
}

void LabPlane::on_snapshot_created(core::Index index, core::Term term) {
    if (!bus_.active()) return;
    pb::WatchEvent ev;
    auto* s = ev.mutable_snapshot();
    s->set_kind(pb::SnapshotEvent::CREATED);
    s->set_index(index);
    s->set_term(term);
    emit(ev);
}

void LabPlane::on_snapshot_progress(bool sent, core::NodeId peer, core::Index index,
                                    std::uint64_t bytes, std::uint64_t total) {
    if (!bus_.active()) return;
    pb::WatchEvent ev;
    auto* s = ev.mutable_snapshot();
    s->set_kind(sent ? pb::SnapshotEvent::SENT : pb::SnapshotEvent::RECEIVED);
    s->set_peer(peer);
    s->set_index(index);
    s->set_bytes(bytes);
    s->set_total_bytes(total);
    emit(ev);
}

void LabPlane::fault_applied(const std::string& description) {
    pb::WatchEvent ev;
    ev.mutable_fault_applied()->set_description(description);
    bus_.publish(ev);
}

void LabPlane::before_sync() {
    // The turn's events so far go to the bus before the disk sync, so none
    // is stamped a sync (or a disk delay) after it happened.
    flush();
    const std::uint32_t ms = disk_delay_ms_.load(std::memory_order_relaxed);
    if (ms == 0) return;
    // The disk runs on lab time like the rest of the node. Waiting here on a
    // frozen clock cannot deadlock: the raft loop holds none of the locks
    // that Lab.SetClock / StepClock / ClearFaults or the clock's listeners
    // take (in_mu, status_mu are free during a sync), so the lab can always
    // move the clock, and stop() releases the wait at shutdown.
    clock_.sleep_until(clock_.now() + std::int64_t{ms} * 1'000'000, stop_.get_token());
}

}  // namespace raftlab::lab
