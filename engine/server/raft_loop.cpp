// The raft-loop thread: the only thread that touches core::Raft. It follows
// the loop in engine/core/raft.h: drain inputs, tick from the monotonic clock,
// take ONE Ready, send what may go now, persist in one synced batch (group
// commit), send what needed the sync, hand committed entries to the apply
// thread, advance.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "engine/failpoint/failpoint.h"
#include "engine/server/node_impl.h"
#include "engine/server/role_log.h"

namespace raftlab::server {
namespace {

OpError from_core(const core::Error& e, const Node::Impl& impl) {
    switch (e.code) {
        case core::ErrorCode::NotLeader:
            return impl.not_leader_error(e.leader);
        case core::ErrorCode::TransferInProgress:
        case core::ErrorCode::ConfigChangePending:
        case core::ErrorCode::NoCommitInTerm:
            return OpError{Code::Busy, e.message.empty() ? core::to_string(e.code) : e.message};
        default:
            return OpError{Code::InvalidArgument,
                           e.message.empty() ? core::to_string(e.code) : e.message};
    }
}

}  // namespace

void Node::Impl::run_loop() {
    if (options.test.on_sync) {
        store->set_sync_observer([hook = options.test.on_sync](const storage::SyncEvent& e) {
            if (e.kind == storage::SyncEvent::Kind::Persist && e.last_index > 0) hook(e.last_index);
        });
    }
    const auto reap_every = std::chrono::milliseconds(50);
    std::vector<Input> batch;
    for (;;) {
        auto tick = std::chrono::milliseconds(cfg().raft.tick_ms);
        {
            // The next tick is due at a lab time; how long that is in real
            // time depends on the clock's rate (design.md "Time"). While the
            // clock is frozen the node does nothing at all: inputs wait in the
            // inbox (a client's request waits, it does not fail) until the
            // clock runs again or a step advances it, which runs one turn.
            std::unique_lock lock(in_mu);
            auto real = lab_clock.real_wait((last_tick + tick).time_since_epoch().count());
            const bool frozen = !real;
            auto woken = [&] { return stopping || clock_changed || (!frozen && !inbox.empty()); };
            if (real) {
                in_cv.wait_for(lock, *real, woken);
            } else {
                in_cv.wait(lock, woken);
            }
            const bool stepped = clock_changed;
            clock_changed = false;
            if (stopping) break;
            if (frozen && !stepped) continue;
            batch.swap(inbox);
        }
        // The lab plane (--lab) publishes this turn's events together, in one
        // lock of its event bus (LabPlane::Batch); no lab, no batch.
        std::optional<lab::LabPlane::Batch> lab_batch;
        if (lab) lab_batch.emplace(*lab);
        // Ticks first: a node that was paused (SIGSTOP) must see the time that
        // passed before it judges its lease for a read below.
        catch_up_ticks();
        for (auto& in : batch)
            handle(in);
        batch.clear();
        flush_read_batch();
        // One Ready per turn: everything that arrived together is persisted
        // with one fsync.
        if (raft->has_ready()) process_ready();
        publish_status();
        if (lab_now() >= next_reap) {
            reap_expired(false, Code::Timeout);
            next_reap = lab_now() + reap_every;
        }
    }
}

void Node::Impl::catch_up_ticks() {
    auto tick = std::chrono::milliseconds(cfg().raft.tick_ms);
    auto now = lab_now();
    if (now < last_tick + tick) return;
    auto n = (now - last_tick) / tick;
    // After a very long pause, more ticks than an election timeout change
    // nothing further; don't spin through thousands of them.
    const long cap = 10L * cfg().raft.election_timeout_max_ms / cfg().raft.tick_ms + 10;
    for (long i = 0; i < std::min<long>(n, cap); ++i)
        raft->tick();
    last_tick += n * tick;
}

void Node::Impl::handle(Input& input) {
    if (auto* msg = std::get_if<core::Message>(&input)) {
        if (lab) lab->on_received(*msg);
        if (msg->type == core::MessageType::Snapshot && msg->snapshot) {
            offered_snapshot = msg->snapshot->data;
        }
        raft->step(*msg);
    } else if (auto* p = std::get_if<ProposeIn>(&input)) {
        handle_propose(*p);
    } else if (auto* r = std::get_if<ReadIndexIn>(&input)) {
        handle_read(*r);
    } else if (auto* c = std::get_if<ChangeIn>(&input)) {
        handle_change(*c);
    } else if (auto* k = std::get_if<CompactIn>(&input)) {
        raft->compact(k->index);
    }
}

void Node::Impl::handle_propose(ProposeIn& in) {
    auto result = raft->propose(std::move(in.data));
    if (auto* e = std::get_if<core::Error>(&result)) {
        in.done(WriteResult{from_core(*e, *this)});
        return;
    }
    auto proposed = std::get<core::Proposed>(result);
    std::lock_guard lock(wait_mu);
    pending[proposed.index] =
        PendingWrite{proposed.term, std::move(in.done), nullptr, lab_now() + options.op_timeout};
}

void Node::Impl::handle_read(ReadIndexIn& in) {
    if (in.lease) {
        // Lease read (thesis §6.4.1): a leader that heard from a quorum within
        // the lease cannot have been deposed, so its commit index is current.
        // Ticks were caught up from the clock just before, so a leader that
        // was paused past its lease does not pass this check.
        if (raft->role() == core::Role::Leader && raft->lease_valid()) {
            ApplyTask task;
            task.reads.emplace_back(raft->commit_index(), std::move(in.serve));
            post_apply(std::move(task));
            return;
        }
        if (raft->role() != core::Role::Leader) {
            in.serve(not_leader_error(raft->leader()));
            return;
        }
        // A leader without a valid lease confirms leadership the slow way.
    }
    read_batch.push_back(std::move(in.serve));
}

void Node::Impl::flush_read_batch() {
    if (read_batch.empty()) return;
    std::uint64_t ctx;
    {
        std::lock_guard lock(wait_mu);
        ctx = next_read_ctx++;
        reads[ctx] = PendingRead{std::move(read_batch), lab_now() + options.op_timeout};
    }
    read_batch.clear();
    raft->read_index(ctx);
}

void Node::Impl::handle_change(ChangeIn& in) {
    core::Result<core::Proposed> result =
        core::Error{core::ErrorCode::InvalidRequest, core::kNoNode, "unknown change"};
    switch (in.kind) {
        case ChangeIn::Kind::AddLearner:
            result = raft->add_learner(in.id, in.address, in.status);
            break;
        case ChangeIn::Kind::Promote:
            result = raft->promote_learner(in.id);
            break;
        case ChangeIn::Kind::Remove:
            result = raft->remove_node(in.id);
            break;
        case ChangeIn::Kind::Transfer: {
            auto error = raft->transfer_leader(in.id);
            ChangeResult r;
            if (error) r.error = from_core(*error, *this);
            r.membership = raft->membership();
            in.done(std::move(r));
            return;
        }
    }
    if (auto* e = std::get_if<core::Error>(&result)) {
        in.done(ChangeResult{from_core(*e, *this)});
        return;
    }
    auto proposed = std::get<core::Proposed>(result);
    std::lock_guard lock(wait_mu);
    pending[proposed.index] =
        PendingWrite{proposed.term, nullptr, std::move(in.done), lab_now() + options.op_timeout};
}

void Node::Impl::process_ready() {
    core::Ready rd = raft->ready();
    if (lab) lab->on_ready(rd, raft->membership());
    for (const auto& rc : rd.role_changes)
        log_role_change(self, rc);

    // Leader replication goes out before the leader's own fsync (§10.2.1).
    send(rd.send_now);
    // Committed entries that this node already holds durably (all below the
    // first entry this Ready writes; earlier Readies were synced in order)
    // are applied before this Ready's sync, so the replies to earlier writes
    // do not wait for the fsync of later ones. An entry this very Ready
    // writes (a follower may learn of its commit together with the entry)
    // is applied only after the sync, as is everything next to a snapshot.
    const bool applied_early =
        !rd.snapshot && (rd.entries.empty() || rd.committed_entries.empty() ||
                         rd.committed_entries.back().index < rd.entries.front().index);
    if (applied_early) hand_to_apply(rd);
    if (options.test.ack_before_sync) send(rd.send_after_persist);  // BROKEN: test only

    // A Ready that only moves the commit index needs no fsync: the commit
    // index may safely be behind on disk (a restarted node rediscovers it),
    // while term and vote must be durable before any message goes out.
    bool term_or_vote = rd.hard_state && (rd.hard_state->term != persisted_hard_state.term ||
                                          rd.hard_state->vote != persisted_hard_state.vote);
    if (rd.snapshot || !rd.entries.empty() || term_or_vote) {
        std::unique_lock apply_lock(apply_mu, std::defer_lock);
        if (rd.snapshot) apply_lock.lock();
        try {
            if (lab) lab->before_sync();  // Lab.SetDiskDelay: a slow disk
            store->persist(rd.hard_state, rd.entries, rd.snapshot);
            if (rd.hard_state) persisted_hard_state = *rd.hard_state;
        } catch (const std::exception& e) {
            // Memory is now ahead of the disk: continuing could acknowledge
            // what is not durable. Stop hard; the log on disk is consistent.
            spdlog::critical(
                "[Node {}] cannot persist to {}: {}. Stopping: fix the disk and "
                "restart; acknowledged data is safe on disk.",
                self, store->dir().string(), e.what());
            std::_Exit(3);
        }
    }
    if (!offered_snapshot.empty()) {
        // The core installs a received snapshot in the Ready right after the
        // message, or declines it (it already has those entries, thesis §5.1,
        // or the sender's term is stale). A declined image is dropped so the
        // next stream can be staged.
        if (!rd.snapshot || rd.snapshot->data != offered_snapshot) {
            std::lock_guard lock(staged_mu);
            store->discard_staged_snapshot();
            staged.reset();
        }
        offered_snapshot.clear();
    }
    if (rd.snapshot) {
        {
            std::lock_guard lock(staged_mu);
            staged.reset();
        }
        const auto& meta = rd.snapshot->meta;
        spdlog::info(
            "[Node {}] installed snapshot via InstallSnapshot: index {} term {}, {}; "
            "catching up with AppendEntries from here",
            self, meta.index, meta.term, describe(meta.membership));
        ApplyTask task;
        task.installed = meta;
        post_apply(std::move(task));
    }

    // Acks and votes are durable promises: only after the sync above.
    RAFTLAB_FAILPOINT_IF(!rd.entries.empty(), "log.after_sync_before_ack");
    send(rd.send_after_persist);

    if (!applied_early) hand_to_apply(rd);
    for (const auto& rf : rd.read_failures) {
        std::vector<ReadServe> serves;
        {
            std::lock_guard lock(wait_mu);
            auto it = reads.find(rf.context);
            if (it == reads.end()) continue;
            serves = std::move(it->second.serves);
            reads.erase(it);
        }
        OpError e = not_leader_error(raft->leader());
        if (raft->role() == core::Role::Leader) {
            e = OpError{Code::NoLeader, "read index failed: " + rf.reason + "; retry shortly"};
        } else if (!rf.reason.empty()) {
            e.message += " (" + rf.reason + ")";
        }
        for (auto& serve : serves)
            serve(e);
    }
    const core::Membership& membership = raft->membership();
    for (const auto& note : rd.notes) {
        // Every node commits the configuration, but one warning is enough:
        // the leader's, which is the node an operator watches.
        if (note.kind == core::NoteKind::EvenVoterCount && raft->role() != core::Role::Leader) {
            continue;
        }
        log_note(self, note, membership);
    }
    raft->advance(rd);

    const bool config_committed =
        rd.snapshot || std::any_of(rd.notes.begin(), rd.notes.end(), [](const core::Note& n) {
            return n.kind == core::NoteKind::ConfigCommitted;
        });
    if (!(membership == last_membership)) {
        // A configuration takes effect when appended (thesis §4.1), but until
        // it commits the members it replaces still take part: a removed
        // leader replicates its own removal and needs the acks. So the gate
        // and the transport keep both configurations until the change commits.
        core::Membership reachable = membership;
        if (raft->status().config_pending) {
            for (const auto& [id, m] : last_membership.members)
                reachable.members.emplace(id, m);
        }
        last_membership = membership;
        on_membership(reachable);
    } else if (config_committed) {
        on_membership(membership);
    }
}

void Node::Impl::hand_to_apply(core::Ready& rd) {
    if (rd.committed_entries.empty() && rd.read_states.empty()) return;
    ApplyTask task;
    task.entries = std::move(rd.committed_entries);
    rd.committed_entries.clear();
    {
        std::lock_guard lock(wait_mu);
        for (const auto& rs : rd.read_states) {
            auto it = reads.find(rs.context);
            if (it == reads.end()) continue;  // timed out already
            for (auto& serve : it->second.serves)
                task.reads.emplace_back(rs.index, std::move(serve));
            reads.erase(it);
        }
    }
    post_apply(std::move(task));
}

void Node::Impl::send(std::vector<core::Message>& msgs) {
    if (options.test.on_send) {
        for (const auto& m : msgs)
            options.test.on_send(m);
    }
    transport->send(msgs);
}

void Node::Impl::on_membership(const core::Membership& membership) {
    gate->set_members(membership);
    transport->set_members(membership);
}

void Node::Impl::publish_status() {
    core::Status st = raft->status();
    st.applied_index = store->applied_index();
    if (lab) lab->on_applied(st.applied_index);
    core::NodeId leader = st.leader;
    core::Term term = st.term;
    std::vector<LeaderObserver> to_call;
    {
        std::lock_guard lock(status_mu);
        status = std::move(st);
        leader_flag = status.role == core::Role::Leader;
        leader_id = leader;
        if (leader != last_leader) {
            to_call = observers;
            last_leader = leader;
        }
        last_term = term;
    }
    for (auto& observer : to_call)
        observer(leader, term);
}

void Node::Impl::reap_expired(bool all, Code code) {
    auto now = lab_now();
    std::vector<PendingWrite> writes;
    std::vector<ReadServe> expired_reads;
    {
        std::lock_guard lock(wait_mu);
        for (auto it = pending.begin(); it != pending.end();) {
            if (all || it->second.deadline <= now) {
                writes.push_back(std::move(it->second));
                it = pending.erase(it);
            } else {
                ++it;
            }
        }
        for (auto it = reads.begin(); it != reads.end();) {
            if (all || it->second.deadline <= now) {
                for (auto& serve : it->second.serves)
                    expired_reads.push_back(std::move(serve));
                it = reads.erase(it);
            } else {
                ++it;
            }
        }
    }
    std::string why = code == Code::ShuttingDown
                          ? "node " + std::to_string(self) + " is shutting down"
                          : "not committed within " + std::to_string(options.op_timeout.count()) +
                                " ms (leader change or lost quorum); the outcome is unknown";
    for (auto& w : writes) {
        OpError e{code, why};
        if (w.write) w.write(WriteResult{e});
        if (w.change) w.change(ChangeResult{e});
    }
    for (auto& r : expired_reads) {
        r(OpError{code == Code::Timeout ? Code::NoLeader : code,
                  code == Code::Timeout ? "read index not confirmed within " +
                                              std::to_string(options.op_timeout.count()) +
                                              " ms (no leader or no quorum); retry"
                                        : why});
    }
}

}  // namespace raftlab::server
