#include "gui/live/watch_mapping.h"

#include <memory>

#include "engine/lab/message_group.h"

namespace raftlab::gui {

Role role_from_number(std::uint32_t role) {
    switch (role) {
        case 1:
            return Role::Candidate;
        case 2:
            return Role::Leader;
        case 3:
            return Role::Learner;
        case 4:
            return Role::PreCandidate;
        default:
            return Role::Follower;
    }
}

namespace {

std::shared_ptr<const LiveNodeState> live_state(const pb::NodeState& s) {
    auto out = std::make_shared<LiveNodeState>();
    out->role = role_from_number(s.role());
    out->term = s.term();
    out->vote = s.vote();
    out->leader = s.leader_id();
    out->commit_index = s.commit_index();
    out->applied_index = s.applied_index();
    out->last_index = s.last_index();
    out->snapshot_index = s.snapshot_index();
    out->snapshot_term = s.snapshot_term();
    for (auto v : s.voters())
        out->voters.push_back(v);
    // NodeStatus 0 = PROMOTABLE (the leader may promote it).
    for (const auto& l : s.learners())
        out->learners.emplace_back(l.id(), l.status() == 0);
    if (s.election_deadline_lab_ns() > 0) {
        out->election_in_ms =
            std::max<std::int64_t>(0, (s.election_deadline_lab_ns() - s.lab_now_ns()) / 1'000'000);
    }
    for (const auto& p : s.peers())
        out->peers.push_back({p.id(), p.match_index(), p.next_index()});
    for (const auto& l : s.learner_progress()) {
        out->learner_progress.push_back({l.id(), l.match_index(), l.leader_last_index(),
                                         l.lag_threshold(), l.snapshot_sent_bytes(),
                                         l.snapshot_total_bytes()});
    }
    out->clock_rate = s.clock_rate();
    return out;
}

void entry_range(Event& e, EventKind kind, const pb::EntryRange& r) {
    e.kind = kind;
    if (kind == EventKind::Persist) {
        e.first = r.from();
        e.last = r.to();
        e.log_term = r.term();
        e.known |= kFirst | kLast | kLogTerm;
    } else if (kind == EventKind::Apply) {
        e.index = r.to();
        e.term = r.term();
        e.known |= kIndex | kTerm;
    }
}

}  // namespace

std::optional<Event> from_watch_event(const pb::WatchEvent& w, std::int64_t origin_ns) {
    Event e;
    e.node = w.node_id();
    e.t_ns = w.mono_ns() - origin_ns;
    // Floor toward -inf so an event a hair before the origin does not land on 0.
    e.t_ms = e.t_ns >= 0 ? e.t_ns / 1'000'000 : -((-e.t_ns + 999'999) / 1'000'000);
    switch (w.event_case()) {
        case pb::WatchEvent::kState:
            e.kind = EventKind::State;
            e.kind_name = "state";
            e.live = live_state(w.state());
            return e;
        case pb::WatchEvent::kRoleChanged: {
            const auto& r = w.role_changed();
            e.kind = EventKind::Role;
            e.from_role = role_from_number(r.from());
            e.to_role = role_from_number(r.to());
            e.term = r.term();
            e.known |= kTerm;
            if (e.to_role == Role::Leader) {
                e.leader = e.node;
                e.known |= kLeader;
            }
            e.text = r.reason();
            return e;
        }
        case pb::WatchEvent::kVote: {
            const auto& v = w.vote();
            e.kind = EventKind::Note;
            e.peer = v.peer();
            e.term = v.term();
            e.known |= kPeer | kTerm;
            const std::string pre = v.pre_vote() ? "pre-vote " : "";
            const std::string term = " in term " + std::to_string(v.term());
            switch (v.kind()) {
                case pb::Vote::GRANTED:
                    e.note_kind = static_cast<int>(NoteKind::VoteGranted);
                    e.text = pre + "granted its vote to node " + std::to_string(v.peer()) + term;
                    break;
                case pb::Vote::DENIED:
                    e.note_kind = static_cast<int>(NoteKind::VoteDenied);
                    e.text = pre + "denied node " + std::to_string(v.peer()) + term +
                             (v.reason().empty() ? "" : ": " + v.reason());
                    break;
                case pb::Vote::REQUESTED:
                    e.text = "asked node " + std::to_string(v.peer()) + " for its " + pre + "vote" +
                             term;
                    break;
                default:
                    e.text = "got the " + pre + "vote of node " + std::to_string(v.peer()) + term;
                    break;
            }
            return e;
        }
        case pb::WatchEvent::kMessage: {
            const auto& m = w.message();
            e.kind = m.direction() == pb::MessageEvent::SENT ? EventKind::Send : EventKind::Recv;
            e.msg = msg_type_from_string(m.type());
            e.peer = m.peer();
            e.term = m.term();
            e.index = m.index();
            e.log_term = m.log_term();
            e.entries = m.entries();
            e.commit = m.commit();
            e.reject = m.reject();
            e.known |= kPeer | kTerm | kIndex | kLogTerm | kEntries | kCommit;
            return e;
        }
        case pb::WatchEvent::kEntriesAppended:
            entry_range(e, EventKind::Persist, w.entries_appended());
            return e;
        case pb::WatchEvent::kEntriesCommitted:
            e.kind = EventKind::Persist;
            e.commit = w.entries_committed().to();
            e.known |= kCommit;
            return e;
        case pb::WatchEvent::kEntriesApplied:
            entry_range(e, EventKind::Apply, w.entries_applied());
            return e;
        case pb::WatchEvent::kSnapshot: {
            const auto& s = w.snapshot();
            e.index = s.index();
            e.term = s.term();
            e.peer = s.peer();
            e.known |= kIndex | kTerm;
            if (s.kind() == pb::SnapshotEvent::CREATED) {
                e.kind = EventKind::Snapshot;
            } else if (s.kind() == pb::SnapshotEvent::INSTALLED) {
                e.kind = EventKind::Note;
                e.note_kind = static_cast<int>(NoteKind::SnapshotInstalled);
                e.text = "installed a snapshot up to index " + std::to_string(s.index());
            } else {
                e.kind = EventKind::Note;
                const bool sent = s.kind() == pb::SnapshotEvent::SENT;
                e.text = std::string(sent ? "sent node " : "received from node ") +
                         std::to_string(s.peer()) + " " + std::to_string(s.bytes()) +
                         (s.total_bytes() ? " of " + std::to_string(s.total_bytes()) : "") +
                         " bytes of a snapshot";
            }
            return e;
        }
        case pb::WatchEvent::kConfigChange: {
            const auto& c = w.config_change();
            e.kind = EventKind::Note;
            e.index = c.index();
            e.known |= kIndex;
            const char* how = c.kind() == pb::ConfigChange::PROPOSED    ? "proposed"
                              : c.kind() == pb::ConfigChange::COMMITTED ? "committed"
                                                                        : "applied";
            e.note_kind = c.kind() == pb::ConfigChange::COMMITTED
                              ? static_cast<int>(NoteKind::ConfigCommitted)
                              : static_cast<int>(NoteKind::ConfigAppended);
            e.text = "configuration change \"" + c.description() + "\" " + how + " at index " +
                     std::to_string(c.index());
            return e;
        }
        case pb::WatchEvent::kLearnerPromoted:
            e.kind = EventKind::Note;
            e.note_kind = static_cast<int>(NoteKind::LearnerPromoted);
            e.peer = w.learner_promoted().id();
            e.known |= kPeer;
            e.text = "node " + std::to_string(e.peer) + " promoted to voter";
            return e;
        case pb::WatchEvent::kClientRequest: {
            const auto& c = w.client_request();
            e.kind = EventKind::Client;
            e.what = c.op();
            e.key = c.key();
            e.index = c.index();
            e.known |= kIndex;
            e.text = c.ok() ? "ok" : c.error();
            return e;
        }
        case pb::WatchEvent::kFaultApplied:
            // The lab's own record of the fault (with what it means for the
            // links) is the event the controller adds; this is the node's echo.
            e.kind = EventKind::Note;
            e.text = "lab: " + w.fault_applied().description();
            return e;
        default:
            return std::nullopt;
    }
}

void append_events(const pb::WatchEvent& w, std::int64_t origin_ns, std::vector<Event>& out) {
    if (w.has_messages()) {
        // Messages sent or received one after another (lab.proto
        // MessageEvents): one Send or Recv event each, in order.
        pb::WatchEvent one;
        one.set_node_id(w.node_id());
        one.set_mono_ns(w.mono_ns());
        lab::for_each_message(w, [&](const pb::MessageEvent& m) {
            *one.mutable_message() = m;
            if (auto e = from_watch_event(one, origin_ns)) out.push_back(std::move(*e));
        });
        return;
    }
    if (w.has_client_requests()) {
        // Successful requests that completed together (lab.proto
        // ClientRequests): one Client event each, as if sent one by one.
        const auto& g = w.client_requests();
        pb::WatchEvent one;
        one.set_node_id(w.node_id());
        one.set_mono_ns(w.mono_ns());
        auto* c = one.mutable_client_request();
        c->set_op(g.op());
        c->set_ok(true);
        c->set_consistency(g.consistency());
        for (int i = 0; i < g.keys_size(); ++i) {
            c->set_key(g.keys(i));
            c->set_index(i < g.indexes_size() ? g.indexes(i) : 0);
            if (auto e = from_watch_event(one, origin_ns)) out.push_back(std::move(*e));
        }
        return;
    }
    auto e = from_watch_event(w, origin_ns);
    if (!e) return;
    const pb::EntryRange* r = w.has_entries_appended()  ? &w.entries_appended()
                              : w.has_entries_applied() ? &w.entries_applied()
                                                        : nullptr;
    if (r == nullptr || r->terms_size() == 0) {
        out.push_back(std::move(*e));
        return;
    }
    // A range across terms (lab.proto EntryRange.terms): one event per run,
    // so the log keeps every entry's own term (Log Matching, §5.3) and each
    // applied index its term (State Machine Safety, Figure 3).
    for (int i = 0; i < r->terms_size(); ++i) {
        const auto& run = r->terms(i);
        const Index last = i + 1 < r->terms_size() ? r->terms(i + 1).first_index() - 1 : r->to();
        if (last < run.first_index()) continue;  // malformed: skip, never loop back
        Event part = *e;
        if (part.kind == EventKind::Persist) {
            part.first = run.first_index();
            part.last = last;
            part.log_term = run.term();
        } else {
            part.index = last;
            part.term = run.term();
        }
        out.push_back(std::move(part));
    }
}

}  // namespace raftlab::gui
