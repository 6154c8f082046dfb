#include "engine/lab/lab_plane.h"

#include "engine/lab/events.h"
#include "engine/lab/message_group.h"

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

// Requests per ClientRequests event at most, so one event stays a few KiB.
constexpr int kClientGroupMax = 256;
// Messages per MessageEvents group at most, for the same reason.
constexpr int kMessageGroupMax = 256;

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

void LabPlane::publish_event(pb::WatchEvent& event, EventClass c) {
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
        publish_event(ev);
    }
    for (const auto& note : rd.notes) {
        pb::WatchEvent ev;
        if (to_event(note, membership, &ev)) publish_event(ev);
    }
    if (rd.snapshot) {
        pb::WatchEvent ev;
        auto* s = ev.mutable_snapshot();
        s->set_kind(pb::SnapshotEvent::INSTALLED);
        s->set_index(rd.snapshot->meta.index);
        s->set_term(rd.snapshot->meta.term);
        publish_event(ev);
    }
    // One event per range, however many entries the Ready holds.
    const bool entries = bus_.wants(EventClass::Entries);
    if (entries && !rd.entries.empty()) {
        pb::WatchEvent ev;
        fill_range(rd.entries, ev.mutable_entries_appended());
        publish_event(ev, EventClass::Entries);
    }
    if (entries && !rd.committed_entries.empty()) {
        pb::WatchEvent ev;
        fill_range(rd.committed_entries, ev.mutable_entries_committed());
        publish_event(ev, EventClass::Entries);
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
                publish_event(ev);
            }
            publish_message(msg, true);
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
        publish_event(ev);
    }
    publish_message(msg, false);
}

bool LabPlane::join_message_group(const core::Message& msg, bool sent, EventClass c) {
    // Only into the event queued just before, of the same class and
    // direction, so the stream's order is kept exactly and a watcher that
    // skips heartbeats skips whole groups.
    if (tl_batch.plane != this || tl_batch.events.empty()) return false;
    PendingEvent& last = tl_batch.events.back();
    const auto direction = sent ? pb::MessageEvent::SENT : pb::MessageEvent::RECEIVED;
    if (last.cls != c) return false;
    if (last.event.has_message()) {
        if (last.event.message().direction() != direction) return false;
        // The second message in a row: the single one becomes a group.
        pb::MessageEvent first = std::move(*last.event.mutable_message());
        auto* g = last.event.mutable_messages();
        g->set_direction(direction);
        if (!add_to_group(first, g)) {
            *last.event.mutable_message() = std::move(first);  // not a known type: leave it
            return false;
        }
    } else if (!last.event.has_messages() || last.event.messages().direction() != direction ||
               last.event.messages().types_size() >= kMessageGroupMax) {
        return false;
    }
    add_to_group(msg, sent, last.event.mutable_messages());
    return true;
}

void LabPlane::publish_message(const core::Message& msg, bool sent) {
    const EventClass c = class_of(msg);
    if (!bus_.wants(c) || join_message_group(msg, sent, c)) return;
    pb::WatchEvent ev;
    to_event(msg, sent, ev.mutable_message());
    publish_event(ev, c);
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
    if (!bus_.wants(EventClass::Entries)) {
        committed_terms_.drop_through(applied);
        return;
    }
    pb::WatchEvent ev;
    committed_terms_.take(from, applied, ev.mutable_entries_applied());
    publish_event(ev, EventClass::Entries);
}

bool LabPlane::join_client_group(const char* op, const std::string& key, std::uint32_t consistency,
                                 core::Index index) {
    // Only into the event queued just before, so the stream's order is kept
    // exactly: anything else in between starts a new group.
    if (tl_batch.plane != this || tl_batch.events.empty()) return false;
    pb::WatchEvent& last = tl_batch.events.back().event;
    if (last.has_client_request()) {
        const auto& c = last.client_request();
        if (!c.ok() || c.op() != op || c.consistency() != consistency) return false;
        // The second success in a row: the single request becomes a group.
        pb::ClientRequest first = std::move(*last.mutable_client_request());
        auto* g = last.mutable_client_requests();
        g->set_op(first.op());
        g->set_consistency(consistency);
        g->add_keys(std::move(*first.mutable_key()));
        g->add_indexes(first.index());
    } else if (!last.has_client_requests() || last.client_requests().op() != op ||
               last.client_requests().consistency() != consistency ||
               last.client_requests().keys_size() >= kClientGroupMax) {
        return false;
    }
    auto* g = last.mutable_client_requests();
    g->add_keys(key);
    g->add_indexes(index);
    return true;
}

void LabPlane::on_client(const char* op, const std::string& key, bool ok, const std::string& error,
                         std::uint32_t consistency, core::Index index) {
    if (!bus_.wants(EventClass::Client)) return;
    // Under load most of a stream is client outcomes, one per write, and
    // what a watcher pays for is per event (a message, three strings to
    // allocate and parse): successes completing together go as one
    // ClientRequests event (lab.proto).
    if (ok && join_client_group(op, key, consistency, index)) return;
    pb::WatchEvent ev;
    auto* c = ev.mutable_client_request();
    c->set_op(op);
    c->set_key(key);
    c->set_ok(ok);
    if (!error.empty()) c->set_error(error);  // one allocation fewer per successful call
    c->set_consistency(consistency);
    c->set_index(index);
    publish_event(ev, EventClass::Client);
}

void LabPlane::on_snapshot_created(core::Index index, core::Term term) {
    if (!bus_.active()) return;
    pb::WatchEvent ev;
    auto* s = ev.mutable_snapshot();
    s->set_kind(pb::SnapshotEvent::CREATED);
    s->set_index(index);
    s->set_term(term);
    publish_event(ev);
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
    publish_event(ev);
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
