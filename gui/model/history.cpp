#include "gui/model/history.h"

#include <algorithm>

#include "gui/model/narrator.h"

namespace raftlab::gui {

History::History(std::size_t checkpoint_every, std::size_t max_events)
    : checkpoint_every_(std::max<std::size_t>(1, checkpoint_every)),
      fold_(checkpoint_every_),
      // Room for at least two checkpoints, so a trim always has one to keep.
      max_events_(max_events == 0 ? 0 : std::max(max_events, 2 * checkpoint_every_)) {
    clear();
}

void History::set_max_events(std::size_t max_events) {
    max_events_ = max_events == 0 ? 0 : std::max(max_events, 2 * checkpoint_every_);
}

void History::clear() {
    forgotten_ = 0;
    events_.clear();
    narrations_.clear();
    flights_.clear();
    pending_.clear();
    head_ = ClusterState{};
    head_.set_timing(timing_);
    fold_.reset();
    fold_.set_timing(timing_);
    checkpoints_.clear();
    checkpoints_.emplace_back(0, head_);
    longest_flight_ms_ = 0;
}

void History::set_timing(const Timing& t) {
    timing_ = t;
    head_.set_timing(t);
    fold_.set_timing(t);
    for (auto& [n, s] : checkpoints_)
        s.set_timing(t);
}

std::size_t History::append(const std::vector<Event>& batch) {
    FoldedBatch folded;
    fold_.fold_into(folded, std::vector<Event>(batch));
    std::size_t forgotten = 0;
    adopt(std::move(folded), &forgotten);
    return forgotten;
}

bool History::adopt(FoldedBatch&& batch, std::size_t* forgotten) {
    if (forgotten != nullptr) *forgotten = 0;
    if (batch.folded_before != taken()) return false;
    if (batch.empty()) return true;
    for (std::size_t i = 0; i < batch.events.size(); ++i) {
        track_flight(batch.events[i]);
        events_.push_back(std::move(batch.events[i]));
        narrations_.push_back(std::move(batch.narrations[i]));
    }
    // The fold counts from this history's clear(), the history from its
    // oldest kept event.
    for (auto& [count, state] : batch.checkpoints)
        checkpoints_.emplace_back(count - forgotten_, std::move(state));
    head_ = std::move(batch.head);
    if (lost_after_ms_ > 0) expire_flights(events_.back().t_ms);
    const std::size_t cut = trim();
    if (forgotten != nullptr) *forgotten = cut;
    return true;
}

void History::expire_flights(std::int64_t now) {
    for (auto& [key, q] : pending_) {
        // Oldest first: stop at the first one still young enough.
        while (!q.empty() && flights_[q.front()].sent_ms + lost_after_ms_ < now) {
            Flight& f = flights_[q.front()];
            f.done_ms = f.sent_ms + lost_after_ms_;
            f.dropped = true;
            longest_flight_ms_ = std::max(longest_flight_ms_, lost_after_ms_);
            q.pop_front();
        }
    }
}

std::size_t History::count_until(std::int64_t t) const {
    auto it = std::upper_bound(events_.begin(), events_.end(), t,
                               [](std::int64_t v, const Event& e) { return v < e.t_ms; });
    return static_cast<std::size_t>(it - events_.begin());
}

ClusterState History::state_at(std::int64_t t) const {
    const std::size_t n = count_until(t);
    auto cp = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), n,
                               [](std::size_t v, const auto& c) { return v < c.first; });
    --cp;  // the first checkpoint (0 events) always qualifies
    ClusterState s = cp->second;
    for (std::size_t i = cp->first; i < n; ++i)
        s.apply(events_[i]);
    s.advance_to(t);
    return s;
}

void History::track_flight(const Event& e) {
    if (e.kind == EventKind::Send && e.peer != kNoNode) {
        Flight f;
        f.sent_ms = e.t_ms;
        f.from = e.node;
        f.to = e.peer;
        f.type = e.msg;
        f.term = e.term;
        f.index = e.index;
        f.entries = e.entries;
        f.reject = e.reject;
        flights_.push_back(f);
        pending_[{f.from, f.to, f.type}].push_back(flights_.size() - 1);
        return;
    }
    if (e.kind != EventKind::Recv && e.kind != EventKind::Drop) return;
    // Recv is written at the receiver (peer = sender); so is Drop.
    auto it = pending_.find({e.peer, e.node, e.msg});
    if (it == pending_.end() || it->second.empty()) return;
    auto& q = it->second;
    // Delays are random, so messages on one link can overtake each other:
    // prefer the pending send with the same term and index.
    auto pick = q.begin();
    if (e.kind == EventKind::Recv) {
        for (auto j = q.begin(); j != q.end(); ++j) {
            const Flight& f = flights_[*j];
            if (f.term == e.term && f.index == e.index) {
                pick = j;
                break;
            }
        }
    }
    Flight& f = flights_[*pick];
    q.erase(pick);
    f.done_ms = e.t_ms;
    f.dropped = e.kind == EventKind::Drop;
    longest_flight_ms_ = std::max(longest_flight_ms_, f.done_ms - f.sent_ms);
}

std::vector<const Flight*> History::flights_between(std::int64_t t0, std::int64_t t1) const {
    std::vector<const Flight*> out;
    // Only flights sent after t0 - longest can still be in the air at t0.
    const std::int64_t from = t0 - longest_flight_ms_;
    auto it = std::lower_bound(flights_.begin(), flights_.end(), from,
                               [](const Flight& f, std::int64_t v) { return f.sent_ms < v; });
    for (; it != flights_.end() && it->sent_ms <= t1; ++it) {
        if (it->done_ms >= 0 && it->done_ms < t0) continue;
        out.push_back(&*it);
    }
    return out;
}

}  // namespace raftlab::gui

namespace raftlab::gui {

std::size_t History::trim() {
    if (max_events_ == 0 || events_.size() <= max_events_) return 0;
    // Forget down to 15/16 of the bound: the deques free only what is cut,
    // so a trim costs what it forgets, and small trims are short stalls
    // (a quarter of 400,000 events at once held the UI thread ~27 ms).
    // Cut exactly at a checkpoint.
    const std::size_t want = events_.size() - max_events_ * 15 / 16;
    std::size_t cut = 0;
    for (const auto& [count, state] : checkpoints_) {
        if (count <= want) cut = count;
    }
    if (cut == 0) return 0;
    const std::int64_t new_start = events_[cut].t_ms;
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(cut));
    narrations_.erase(narrations_.begin(), narrations_.begin() + static_cast<std::ptrdiff_t>(cut));
    std::vector<std::pair<std::size_t, ClusterState>> kept;
    for (auto& [count, state] : checkpoints_) {
        if (count >= cut) kept.emplace_back(count - cut, std::move(state));
    }
    checkpoints_ = std::move(kept);  // the first one is (0, state at the cut)

    // Flights are ordered by send time: forget those sent before the cut,
    // and re-point the pending ones at their new places.
    auto first_kept =
        std::lower_bound(flights_.begin(), flights_.end(), new_start,
                         [](const Flight& f, std::int64_t v) { return f.sent_ms < v; });
    const auto gone = static_cast<std::size_t>(first_kept - flights_.begin());
    flights_.erase(flights_.begin(), first_kept);
    for (auto& [key, q] : pending_) {
        std::deque<std::size_t> moved;
        for (std::size_t i : q) {
            if (i >= gone) moved.push_back(i - gone);
        }
        q = std::move(moved);
    }
    forgotten_ += cut;
    return cut;
}

}  // namespace raftlab::gui
