// The apply thread: applies committed entries to the state machine in
// batches, completes the client calls waiting on them, serves reads once the
// state machine has caught up with their read index, and takes snapshots.
// A small batch that finds the apply thread idle is applied by the raft loop
// itself (post_apply), which saves a thread hand-off per write and read.
#include <spdlog/spdlog.h>

#include <optional>

#include "engine/failpoint/failpoint.h"
#include "engine/server/node_impl.h"
#include "engine/server/role_log.h"

namespace raftlab::server {

namespace {

// A committed batch at most this long is applied on the raft loop when the
// apply thread is idle (see post_apply); longer ones go to the apply thread
// so the raft loop can send and sync the next batch meanwhile.
constexpr std::size_t kInlineApplyMax = 64;

}  // namespace

void Node::Impl::post_apply(ApplyTask task) {
    std::unique_lock lock(apply_q_mu);
    if (!apply_stopping && !apply_busy && apply_q.empty() && !task.installed &&
        task.entries.size() <= kInlineApplyMax) {
        // The apply thread has nothing to do: waking it would add a thread
        // hand-off (tens of microseconds, far more on a busy machine) to every
        // write's and read's latency. Apply here instead; apply_busy keeps
        // the apply thread out meanwhile, so entries still apply in order and
        // the apply-thread state is never touched by two threads at once.
        apply_busy = true;
        lock.unlock();
        run_task(task);
        serve_ready_reads();
        const bool snapshot_due = snapshot_is_due();
        lock.lock();
        apply_busy = false;
        // Taking a snapshot is slow: leave it to the apply thread.
        if (snapshot_due) apply_q.emplace_back();
        if (apply_q.empty()) return;
    } else {
        apply_q.push_back(std::move(task));
    }
    lock.unlock();
    apply_cv.notify_one();
}

void Node::Impl::init_apply_state(const core::Restored& restored) {
    core::Index applied = store->applied_index();
    if (restored.snapshot) {
        snapshot_index = restored.snapshot->index;
        applied_term = restored.snapshot->term;
        applied_membership = restored.snapshot->membership;
    } else {
        applied_membership = restored.bootstrap;
    }
    for (const auto& e : restored.entries) {
        if (e.index > applied) break;
        applied_term = e.term;
        if (e.type == core::EntryType::Config && e.membership) applied_membership = *e.membership;
    }
}

void Node::Impl::run_apply() {
    for (;;) {
        std::deque<ApplyTask> tasks;
        {
            std::unique_lock lock(apply_q_mu);
            apply_cv.wait(lock,
                          [&] { return apply_stopping || (!apply_q.empty() && !apply_busy); });
            if (apply_stopping) break;
            tasks.swap(apply_q);
            apply_busy = true;
        }
        {
            // With --lab, the client outcomes of this round reach the event
            // bus together (LabPlane::Batch).
            std::optional<lab::LabPlane::Batch> lab_batch;
            if (lab) lab_batch.emplace(*lab);
            for (auto& task : tasks)
                run_task(task);
            serve_ready_reads();
        }
        maybe_snapshot();
        {
            std::lock_guard lock(apply_q_mu);
            apply_busy = false;
        }
    }
}

void Node::Impl::run_task(ApplyTask& task) {
    if (task.installed) {
        // The raft loop replaced the state machine with a snapshot.
        snapshot_index = task.installed->index;
        applied_term = task.installed->term;
        applied_membership = task.installed->membership;
        // Proposals at or below it can no longer be matched to an
        // entry: their outcome is unknown to this node.
        std::vector<PendingWrite> lost;
        {
            std::lock_guard lock(wait_mu);
            auto end = pending.upper_bound(snapshot_index);
            for (auto it = pending.begin(); it != end; ++it) {
                lost.push_back(std::move(it->second));
            }
            pending.erase(pending.begin(), end);
        }
        for (auto& w : lost) {
            OpError e{Code::Timeout,
                      "a snapshot from the leader replaced this node's state before the "
                      "entry was applied here; the outcome is unknown"};
            if (w.write) w.write(WriteResult{e});
            if (w.change) w.change(ChangeResult{e});
        }
    }
    if (!task.entries.empty()) apply_entries(task.entries);
    for (auto& [index, serve] : task.reads)
        waiting_reads.emplace(index, std::move(serve));
}

void Node::Impl::apply_entries(const std::vector<core::Entry>& entries) {
    std::vector<storage::ApplyResult> results;
    {
        std::lock_guard lock(apply_mu);
        try {
            results = store->apply(entries);
        } catch (const std::exception& e) {
            spdlog::critical(
                "[Node {}] cannot apply entries {}..{} to {}: {}. Stopping: the log "
                "is durable and will be re-applied after a restart.",
                self, entries.front().index, entries.back().index, store->dir().string(), e.what());
            std::_Exit(3);
        }
    }
    RAFTLAB_FAILPOINT("apply.mid");
    // Results come only for entries above the old applied index, in order.
    std::size_t r = 0;
    for (const auto& e : entries) {
        const storage::ApplyResult* result = nullptr;
        while (r < results.size() && results[r].index < e.index)
            ++r;
        if (r < results.size() && results[r].index == e.index) result = &results[r];
        if (result == nullptr) continue;
        applied_term = e.term;
        if (e.type == core::EntryType::Config && e.membership) applied_membership = *e.membership;

        PendingWrite w;
        {
            std::lock_guard lock(wait_mu);
            auto it = pending.find(e.index);
            if (it == pending.end()) continue;
            w = std::move(it->second);
            pending.erase(it);
        }
        if (w.term != e.term) {
            // Another leader's entry took this index: our proposal was
            // overwritten and never committed (§5.3), so a retry is safe.
            OpError err{Code::Retry, "the proposal at index " + std::to_string(e.index) +
                                         " was lost to a leader change; retry"};
            if (w.write) w.write(WriteResult{err});
            if (w.change) w.change(ChangeResult{err});
            continue;
        }
        if (w.write) {
            WriteResult out;
            out.index = e.index;
            out.succeeded = result->result.succeeded;
            out.previous = result->result.previous;
            if (!result->result.error.empty()) {
                out.error = OpError{Code::Internal, result->result.error};
            }
            w.write(std::move(out));
        }
        if (w.change) {
            ChangeResult out;
            out.index = e.index;
            if (e.membership) out.membership = *e.membership;
            w.change(std::move(out));
        }
    }
}

void Node::Impl::serve_ready_reads() {
    if (waiting_reads.empty()) return;
    core::Index applied = store->applied_index();
    auto end = waiting_reads.upper_bound(applied);
    for (auto it = waiting_reads.begin(); it != end; ++it)
        it->second(OpError{});
    waiting_reads.erase(waiting_reads.begin(), end);
}

bool Node::Impl::snapshot_is_due() const {
    return cfg().raft.snapshot_threshold != 0 &&
           store->applied_index() >= snapshot_index + cfg().raft.snapshot_threshold;
}

void Node::Impl::maybe_snapshot() {
    if (!snapshot_is_due()) return;
    core::Index applied = store->applied_index();
    try {
        core::SnapshotMeta meta;
        {
            std::lock_guard lock(apply_mu);
            meta = store->create_snapshot(applied_term, applied_membership);
            store->compact_log(meta.index);
        }
        spdlog::info("[Node {}] snapshot at index {} (term {}); log compacted through {}", self,
                     meta.index, meta.term, meta.index);
        snapshot_index = meta.index;
        if (lab) lab->on_snapshot_created(meta.index, meta.term);
        push(CompactIn{meta.index});
    } catch (const std::exception& e) {
        spdlog::error("[Node {}] snapshot at index {} failed: {}; will retry after more entries",
                      self, applied, e.what());
        snapshot_index = applied;
    }
}

}  // namespace raftlab::server
