#include "scenarios/lincheck/recorder.h"

#include <time.h>

#include <stdexcept>

#include "scenarios/lincheck/history_records.h"

namespace raftlab::lincheck {

std::int64_t Recorder::monotonic_now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Recorder::Recorder(Sink sink, Clock clock) : sink_(std::move(sink)), clock_(std::move(clock)) {}

std::uint64_t Recorder::invoke(std::uint64_t client, Operation op) {
    std::lock_guard lock(mutex_);
    op.id = next_id_++;
    op.client = client;
    // Read the clock under the lock: invocation times then increase in
    // record order, so the trace is sorted by time.
    op.invoke_ns = clock_();
    op.complete_ns = op.invoke_ns;
    op.outcome = Outcome::Unknown;  // until complete()
    if (op.kind == OpKind::Get) op.value.reset();
    if (sink_) sink_(op_invoke_record(op));
    pending_[op.id] = ops_.size();
    ops_.push_back(std::move(op));
    return ops_.back().id;
}

void Recorder::complete(std::uint64_t op_id, Outcome outcome, std::optional<std::string> read,
                        bool swapped) {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(op_id);
    if (it == pending_.end()) {
        throw std::invalid_argument("history recorder: op_id " + std::to_string(op_id) +
                                    " is not pending (never invoked, or completed twice); "
                                    "complete each invoke() exactly once");
    }
    Operation& op = ops_[it->second];
    op.complete_ns = clock_();
    op.outcome = outcome;
    if (op.kind == OpKind::Get && outcome == Outcome::Ok) op.value = std::move(read);
    if (op.kind == OpKind::Cas) op.swapped = outcome == Outcome::Ok && swapped;
    if (sink_) sink_(op_complete_record(op));
    pending_.erase(it);
}

History Recorder::snapshot() const {
    std::lock_guard lock(mutex_);
    return ops_;  // pending ops already read as Unknown
}

std::size_t Recorder::pending() const {
    std::lock_guard lock(mutex_);
    return pending_.size();
}

}  // namespace raftlab::lincheck
