// Linearizable reads without log writes: ReadIndex (§6.4) and the leader
// lease (§6.4.1).
#include <algorithm>

#include "engine/core/quorum.h"
#include "engine/core/state.h"

namespace raftlab::core {

namespace {

bool single_voter(const Membership& mem, NodeId self) {
    return mem.is_voter(self) && mem.voters().size() == 1;
}

}  // namespace

void Raft::State::read_index(std::uint64_t context, NodeId from) {
    ReadRequest r{context, from};
#ifdef RAFTLAB_BUG_INJECTION
    // BUG stale_local_read: trust a role remembered from the last term we led
    // in and answer from our own commit index, skipping §6.4 step 2. A leader
    // deposed while paused still serves what it had, which may be stale.
    if (cfg.bugs.stale_local_read && from == cfg.id && led_term == term) {
        answer_read(r, commit);
        return;
    }
#endif
    if (role != Role::Leader) {
        if (from != cfg.id) return;  // a forwarded read reached a non-leader: dropped
        if (leader == kNoNode || role == Role::Candidate || role == Role::PreCandidate) {
            fail_read(r, "no leader known at node " + std::to_string(cfg.id) +
                             "; retry after the election settles");
            return;
        }
        // Ask the leader for its read index; we then wait until applied >= it.
        Message m = make_msg(MessageType::ReadIndex, leader);
        m.context = context;
        send(std::move(m));
        forwarded_reads.push_back(ForwardedRead{context, ticks});
        return;
    }
    if (!committed_in_term()) {
        // §6.4 step 1: until our no-op commits, our commit index may be behind
        // what earlier leaders committed.
        reads_waiting_commit.push_back(r);
        return;
    }
    if (single_voter(membership(), cfg.id)) {
        answer_read(r, commit);  // we are the whole quorum
        return;
    }
    reads_unsent.push_back(r);  // batched into one heartbeat round in ready()
}

void Raft::State::flush_reads() {
    if (reads_unsent.empty()) return;
    Index index = commit;  // §6.4 step 1: record the commit index
    bcast_heartbeat();     // step 2: confirm we are still leader
    read_rounds.push_back(ReadRound{hb_round, index, std::move(reads_unsent)});
    reads_unsent.clear();
    heartbeat_elapsed = 0;
    on_read_round_acked();  // a leader that is not a voter may need no acks... or all
}

void Raft::State::on_read_round_acked() {
    if (read_rounds.empty()) return;
    const Membership& mem = membership();
    std::vector<std::uint64_t> acked;
    for (NodeId v : mem.voters()) {
        if (v == cfg.id) {
            acked.push_back(hb_round);
        } else {
            auto it = peers.find(v);
            acked.push_back(it == peers.end() ? 0 : it->second.acked_round);
        }
    }
    // A voter that acked round r (same term) acknowledged us after every
    // round <= r was sent, so it confirms those too.
    std::uint64_t confirmed = quorum_value(acked, mem.quorum());
    while (!read_rounds.empty() && read_rounds.front().round <= confirmed) {
        ReadRound rr = std::move(read_rounds.front());
        read_rounds.erase(read_rounds.begin());
        for (const ReadRequest& r : rr.requests)
            answer_read(r, rr.index);
    }
}

void Raft::State::release_deferred_reads() {
    std::vector<ReadRequest> waiting = std::move(reads_waiting_commit);
    reads_waiting_commit.clear();
    for (const ReadRequest& r : waiting)
        read_index(r.context, r.from);
}

void Raft::State::answer_read(const ReadRequest& r, Index index) {
    if (r.from == cfg.id) {
        read_states.push_back(ReadState{r.context, index});
        return;
    }
    Message m = make_msg(MessageType::ReadIndexResp, r.from);
    m.index = index;
    m.context = r.context;
    send(std::move(m));
}

void Raft::State::fail_read(const ReadRequest& r, const std::string& reason) {
    if (r.from == cfg.id) {
        read_failures.push_back(ReadFailure{r.context, reason});
        return;
    }
    Message m = make_msg(MessageType::ReadIndexResp, r.from);
    m.context = r.context;
    m.reject = true;
    send(std::move(m));
}

void Raft::State::fail_leader_reads(const std::string& reason) {
    for (const ReadRequest& r : reads_waiting_commit)
        fail_read(r, reason);
    for (const ReadRequest& r : reads_unsent)
        fail_read(r, reason);
    for (const ReadRound& rr : read_rounds) {
        for (const ReadRequest& r : rr.requests)
            fail_read(r, reason);
    }
    reads_waiting_commit.clear();
    reads_unsent.clear();
    read_rounds.clear();
}

void Raft::State::fail_forwarded_reads(const std::string& reason) {
    for (const ForwardedRead& f : forwarded_reads) {
        read_failures.push_back(ReadFailure{f.context, reason});
    }
    forwarded_reads.clear();
}

void Raft::State::handle_read_index_resp(const Message& m) {
    auto it = std::find_if(forwarded_reads.begin(), forwarded_reads.end(),
                           [&](const ForwardedRead& f) { return f.context == m.context; });
    if (it == forwarded_reads.end()) return;  // already failed or answered
    forwarded_reads.erase(it);
    if (m.reject) {
        read_failures.push_back(
            ReadFailure{m.context, "node " + std::to_string(m.from) +
                                       " could not confirm its leadership for the read; retry"});
    } else {
        read_states.push_back(ReadState{m.context, m.index});
    }
}

void Raft::State::expire_forwarded_reads() {
    // The request or its answer may be lost; give up after two election
    // timeouts so the caller can retry instead of waiting forever.
    std::uint64_t limit = 2 * static_cast<std::uint64_t>(cfg.election_ticks_max);
    auto expired = [&](const ForwardedRead& f) { return ticks - f.sent_tick >= limit; };
    for (const ForwardedRead& f : forwarded_reads) {
        if (expired(f)) {
            read_failures.push_back(ReadFailure{
                f.context, "no answer from leader " + std::to_string(leader) + " within " +
                               std::to_string(limit) + " ticks; retry the read"});
        }
    }
    forwarded_reads.erase(std::remove_if(forwarded_reads.begin(), forwarded_reads.end(), expired),
                          forwarded_reads.end());
}

bool Raft::State::lease_valid() const {
    if (role != Role::Leader) return false;
    // Callers read at commit_index(); until our no-op commits, that may be
    // behind what earlier leaders (or we, before a restart) committed (§6.4).
    if (!committed_in_term()) return false;
    const Membership& mem = membership();
    if (single_voter(mem, cfg.id)) return true;
    // The lease is safe only because followers ignore votes while they hear
    // from us (leader stickiness), which comes with CheckQuorum.
    if (!cfg.check_quorum) return false;
    // During a transfer another node may be elected past stickiness (§3.10).
    if (transfer_target != kNoNode || lease_forfeited) return false;
    // The newest round a quorum of voters acknowledged; the lease runs from
    // when that round was *sent* (acks may arrive late).
    std::vector<std::uint64_t> acked;
    for (NodeId v : mem.voters()) {
        if (v == cfg.id) {
            acked.push_back(hb_round);
        } else {
            auto it = peers.find(v);
            acked.push_back(it == peers.end() ? 0 : it->second.acked_round);
        }
    }
    std::uint64_t confirmed = quorum_value(acked, mem.quorum());
    if (confirmed == 0) return false;
    for (auto it = round_sent_ticks.rbegin(); it != round_sent_ticks.rend(); ++it) {
        if (it->first == confirmed) {
            return ticks - it->second < static_cast<std::uint64_t>(cfg.lease_ticks);
        }
        if (it->first < confirmed) break;
    }
    return false;
}

}  // namespace raftlab::core
