#include "engine/lab/events.h"

#include "engine/core/progress_name.h"
#include "engine/net/convert.h"

namespace raftlab::lab {

std::size_t approx_bytes(const core::Message& msg) {
    // Header fields (type, ids, term, indexes, commit) come to about 48 bytes
    // in protobuf; each entry adds its term/index/type framing.
    std::size_t n = 48;
    for (const auto& e : msg.entries)
        n += e.data.size() + 16;
    return n;
}

EventClass class_of(const core::Message& msg) {
    return msg.type == core::MessageType::Heartbeat || msg.type == core::MessageType::HeartbeatResp
               ? EventClass::Heartbeat
               : EventClass::Message;
}

namespace {

// MessageEvent.index: the snapshot's last index for InstallSnapshot, else
// the message's own (prev log index, or match index in a response).
core::Index event_index(const core::Message& msg) {
    return msg.type == core::MessageType::Snapshot && msg.snapshot ? msg.snapshot->meta.index
                                                                   : msg.index;
}

}  // namespace

void to_event(const core::Message& msg, bool sent, pb::MessageEvent* out) {
    out->set_direction(sent ? pb::MessageEvent::SENT : pb::MessageEvent::RECEIVED);
    out->set_type(core::to_string(msg.type));
    out->set_peer(sent ? msg.to : msg.from);
    out->set_term(msg.term);
    out->set_index(event_index(msg));
    out->set_log_term(msg.log_term);
    out->set_entries(msg.entries.size());
    out->set_bytes(approx_bytes(msg));
    out->set_commit(msg.commit);
    out->set_reject(msg.reject);
}

void add_to_group(const core::Message& msg, bool sent, pb::MessageEvents* group) {
    group->add_types(static_cast<std::uint32_t>(msg.type));
    group->add_peers(sent ? msg.to : msg.from);
    group->add_terms(msg.term);
    group->add_indexes(event_index(msg));
    group->add_log_terms(msg.log_term);
    group->add_entries(msg.entries.size());
    group->add_bytes(approx_bytes(msg));
    group->add_commits(msg.commit);
    group->add_rejects(msg.reject);
}

void to_event(const core::RoleChange& rc, pb::RoleChanged* out) {
    out->set_from(static_cast<std::uint32_t>(rc.from));
    out->set_to(static_cast<std::uint32_t>(rc.to));
    out->set_term(rc.term);
    out->set_reason(rc.reason);
}

bool to_event(const core::Note& note, const core::Membership& membership, pb::WatchEvent* out) {
    switch (note.kind) {
        case core::NoteKind::VoteGranted:
        case core::NoteKind::VoteDenied: {
            auto* v = out->mutable_vote();
            v->set_kind(note.kind == core::NoteKind::VoteGranted ? pb::Vote::GRANTED
                                                                 : pb::Vote::DENIED);
            v->set_peer(note.peer);
            v->set_term(note.term);
            v->set_pre_vote(note.text.rfind("pre-vote", 0) == 0);
            v->set_reason(note.text);
            return true;
        }
        case core::NoteKind::ConfigAppended:
        case core::NoteKind::ConfigCommitted: {
            auto* c = out->mutable_config_change();
            c->set_kind(note.kind == core::NoteKind::ConfigAppended ? pb::ConfigChange::PROPOSED
                                                                    : pb::ConfigChange::COMMITTED);
            c->set_index(note.index);
            net::to_proto(membership, c->mutable_membership());
            c->set_description(note.text);
            return true;
        }
        case core::NoteKind::LearnerPromoted: {
            auto* p = out->mutable_learner_promoted();
            p->set_id(note.peer);
            p->set_index(note.index);
            return true;
        }
        case core::NoteKind::SnapshotSent:
        case core::NoteKind::SnapshotInstalled: {
            auto* s = out->mutable_snapshot();
            s->set_kind(note.kind == core::NoteKind::SnapshotSent ? pb::SnapshotEvent::SENT
                                                                  : pb::SnapshotEvent::INSTALLED);
            s->set_peer(note.peer);
            s->set_index(note.index);
            s->set_term(note.term);
            return true;
        }
        default:
            return false;
    }
}

pb::NodeState to_node_state(const core::Status& st, const StateExtras& x) {
    pb::NodeState out;
    out.set_role(static_cast<std::uint32_t>(st.role));
    out.set_term(st.term);
    out.set_vote(st.vote);
    out.set_leader_id(st.leader);
    out.set_commit_index(st.commit_index);
    out.set_applied_index(st.applied_index);
    out.set_first_index(st.first_index);
    out.set_last_index(st.last_index);
    out.set_snapshot_index(st.snapshot_index);
    out.set_snapshot_term(st.snapshot_term);
    for (const auto& [id, m] : st.membership.members) {
        if (m.voter) {
            out.add_voters(id);
        } else {
            auto* l = out.add_learners();
            l->set_id(id);
            l->set_address(m.address);
            l->set_status(static_cast<std::uint32_t>(m.status));
        }
    }
    const std::int64_t tick_ns = std::int64_t{x.tick_ms} * 1'000'000;
    if (st.role != core::Role::Leader) {
        // The status was taken at the last loop turn; the lab clock has moved
        // on by at most a tick since, which is the arc's resolution anyway.
        out.set_election_deadline_lab_ns(
            x.lab_now_ns + std::int64_t{st.election_timeout - st.election_elapsed} * tick_ns);
    }
    out.set_lab_now_ns(x.lab_now_ns);
    out.set_clock_rate(x.clock_rate);
    if (st.role == core::Role::Leader) {
        for (const auto& [id, p] : st.progress) {
            if (id == st.id) continue;
            auto* ps = out.add_peers();
            ps->set_id(id);
            ps->set_match_index(p.match_index);
            ps->set_next_index(p.next_index);
            ps->set_inflight(p.inflight_msgs);
            const auto ago_ticks =
                st.ticks >= p.last_contact_tick ? st.ticks - p.last_contact_tick : 0;
            ps->set_last_contact_mono_ns(x.mono_now_ns -
                                         static_cast<std::int64_t>(ago_ticks) * tick_ns);
            ps->set_replication(core::to_string(p.state));
            if (st.membership.is_learner(id)) {
                auto* lp = out.add_learner_progress();
                lp->set_id(id);
                lp->set_status(static_cast<std::uint32_t>(st.membership.members.at(id).status));
                lp->set_match_index(p.match_index);
                lp->set_leader_last_index(st.last_index);
                lp->set_lag_threshold(x.learner_catchup_lag);
                lp->set_last_round_ms(p.last_round_ticks < 0
                                          ? 0
                                          : static_cast<std::uint64_t>(p.last_round_ticks) *
                                                static_cast<std::uint64_t>(x.tick_ms));
            }
        }
    }
    out.set_address(x.address);
    out.set_cluster_id(x.cluster_id);
    return out;
}

}  // namespace raftlab::lab
