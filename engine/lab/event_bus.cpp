#include "engine/lab/event_bus.h"

#include <time.h>

#include <climits>

namespace raftlab::lab {
namespace {

std::int64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

Subscriber::Subscriber(const pb::WatchRequest& request, std::size_t capacity, Write write)
    : request_(request), capacity_(capacity), write_(std::move(write)) {}

bool Subscriber::wants(EventClass c) const {
    switch (c) {
        case EventClass::Always:
            return true;
        case EventClass::Heartbeat:
            return request_.include_heartbeats();
        case EventClass::Message:
            return request_.include_messages();
        case EventClass::Entries:
            return request_.include_entries();
        case EventClass::Client:
            return request_.include_client();
    }
    return false;
}

bool Subscriber::offer(pb::WatchEvent& event, bool take) {
    std::lock_guard lock(mu_);
    return offer_locked(event, take);
}

void Subscriber::offer_all(std::vector<PendingEvent>& events, bool take) {
    std::lock_guard lock(mu_);
    for (auto& p : events)
        if (wants(p.cls)) offer_locked(p.event, take);
}

bool Subscriber::offer_locked(pb::WatchEvent& event, bool take) {
    if (closed_) return false;
    if (queue_.size() >= capacity_) {
        // The watcher is slower than the node: lose the newest event, count it,
        // and owe the watcher a NodeState so it can resynchronise.
        ++dropped_pending_;
        ++dropped_total_;
        resync_ = true;
        return false;
    }
    pb::WatchEvent& slot = queue_.emplace_back();
    if (take) {
        slot.Swap(&event);
    } else {
        slot = event;
    }
    if (dropped_pending_ != 0) {
        slot.set_dropped_before(dropped_pending_);
        dropped_pending_ = 0;
    }
    return !writing_;
}

bool Subscriber::take_resync() {
    std::lock_guard lock(mu_);
    bool r = resync_ && queue_.size() < capacity_;
    if (r) resync_ = false;
    return r;
}

void Subscriber::kick() {
    std::unique_lock wlock(write_mu_);
    {
        std::lock_guard lock(mu_);
        if (closed_ || writing_) return;
        if (taken_pos_ == taken_.size()) {
            if (queue_.empty()) return;
            // Constant time under the lock: the raft loop offering events
            // never waits while a writer moves hundreds of them into a
            // message (nor for a whole time slice if that writer is
            // preempted on a busy machine). taken_ is empty here, so
            // queue_ gets its storage back.
            taken_.swap(queue_);
            taken_pos_ = 0;
        }
        writing_ = true;
    }
    const std::size_t max_batch = request_.max_batch();
    if (max_batch > 1 && taken_.size() - taken_pos_ > 1) {
        // A backlog: send it in as few stream messages as allowed.
        current_.Clear();
        for (std::size_t n = 0; n < max_batch && taken_pos_ < taken_.size(); ++n)
            current_.add_batch()->Swap(&taken_[taken_pos_++]);
    } else {
        current_.Swap(&taken_[taken_pos_++]);
    }
    const bool more = taken_pos_ < taken_.size();
    if (!more) {
        taken_.clear();  // keeps its storage for the next swap
        taken_pos_ = 0;
    }
    // Unlocked first: gRPC may finish the write (and call written(), which
    // kicks again) on this very thread before StartWrite returns.
    wlock.unlock();
    write_(current_, more);
}

void Subscriber::written(bool ok) {
    {
        std::lock_guard lock(mu_);
        writing_ = false;
        if (!ok) closed_ = true;
    }
    if (ok) kick();
}

void Subscriber::close() {
    std::lock_guard lock(mu_);
    closed_ = true;
}

bool Subscriber::close_idle() {
    std::lock_guard lock(mu_);
    closed_ = true;
    return !writing_;
}

bool Subscriber::writing() const {
    std::lock_guard lock(mu_);
    return writing_;
}

bool Subscriber::closed() const {
    std::lock_guard lock(mu_);
    return closed_;
}

std::uint64_t Subscriber::dropped_total() const {
    std::lock_guard lock(mu_);
    return dropped_total_;
}

EventBus::EventBus(std::uint64_t node_id, StateSource state, std::size_t capacity)
    : node_id_(node_id), state_(std::move(state)), capacity_(capacity) {
    pump_ = std::thread([this] { pump(); });
}

EventBus::~EventBus() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        for (auto& s : subs_)
            s->close();
    }
    cv_.notify_all();
    pump_.join();
}

void EventBus::stamp(pb::WatchEvent& event) {
    event.set_node_id(node_id_);
    event.set_seq(seq_.fetch_add(1, std::memory_order_relaxed) + 1);
    event.set_mono_ns(monotonic_ns());
}

void EventBus::publish(pb::WatchEvent& event, EventClass c) {
    if (!active()) return;
    std::lock_guard lock(mu_);
    stamp(event);
    // Copies for all but the last interested watcher, which takes the event.
    Subscriber* last = nullptr;
    for (auto& s : subs_) {
        if (!s->wants(c)) continue;
        if (last) last->offer(event);
        last = s.get();
    }
    if (last) last->offer(event, true);
}

void EventBus::publish_all(std::vector<PendingEvent>& events) {
    if (!active() || events.empty()) return;
    std::lock_guard lock(mu_);
    for (auto& p : events)
        stamp(p.event);
    // Copies for all but the last watcher, which takes the events.
    for (std::size_t i = 0; i < subs_.size(); ++i)
        subs_[i]->offer_all(events, i + 1 == subs_.size());
}

std::shared_ptr<Subscriber> EventBus::make_subscriber(const pb::WatchRequest& request,
                                                      Subscriber::Write write) const {
    return std::make_shared<Subscriber>(request, capacity_, std::move(write));
}

void EventBus::attach(const std::shared_ptr<Subscriber>& sub) {
    pb::WatchEvent first;
    *first.mutable_state() = state_();
    {
        // The NodeState goes into the queue before the watcher can receive any
        // event, so the stream always starts with it.
        std::lock_guard lock(mu_);
        watchers_.fetch_add(1, std::memory_order_relaxed);
        stamp(first);
        sub->offer(first);
        subs_.push_back(sub);
        update_wanted();
        const std::uint32_t every = sub->state_interval_ms();
        next_state_ns_.push_back(every ? monotonic_ns() + std::int64_t{every} * 1'000'000
                                       : INT64_MAX);
        kick_ = true;
    }
    cv_.notify_one();
}

void EventBus::detach(const std::shared_ptr<Subscriber>& sub) {
    sub->close();
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < subs_.size(); ++i) {
        if (subs_[i] == sub) {
            subs_.erase(subs_.begin() + static_cast<long>(i));
            next_state_ns_.erase(next_state_ns_.begin() + static_cast<long>(i));
            watchers_.fetch_sub(1, std::memory_order_relaxed);
            update_wanted();
            return;
        }
    }
}

void EventBus::update_wanted() {
    std::uint32_t mask = 0;
    for (const auto& s : subs_) {
        for (auto c : {EventClass::Always, EventClass::Heartbeat, EventClass::Message,
                       EventClass::Entries, EventClass::Client}) {
            if (s->wants(c)) mask |= 1u << static_cast<unsigned>(c);
        }
    }
    wanted_.store(mask, std::memory_order_relaxed);
}

void EventBus::pump() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
        // Wake every kPumpPeriod (or at once for a new watcher): cheaper for
        // the raft loop than a wake-up per event, and it batches writes.
        // With no watcher there is nothing to pump: sleep until one attaches,
        // so a --lab node nobody watches has no periodic wake-ups at all.
        if (subs_.empty()) {
            cv_.wait(lock, [&] { return kick_ || stopping_; });
        } else {
            cv_.wait_for(lock, kPumpPeriod, [&] { return kick_ || stopping_; });
        }
        if (stopping_) break;
        kick_ = false;
        auto subs = subs_;
        const std::int64_t now = monotonic_ns();
        std::vector<bool> state_due(subs.size());
        for (std::size_t i = 0; i < subs.size(); ++i) {
            bool periodic = subs[i]->state_interval_ms() != 0 && now >= next_state_ns_[i];
            state_due[i] = subs[i]->take_resync() || periodic;
            if (periodic) next_state_ns_[i] = now + subs[i]->state_interval_ms() * 1'000'000LL;
        }
        lock.unlock();
        for (std::size_t i = 0; i < subs.size(); ++i) {
            if (state_due[i]) {
                pb::WatchEvent ev;
                *ev.mutable_state() = state_();
                std::lock_guard stamp_lock(mu_);
                stamp(ev);
                subs[i]->offer(ev);
            }
            subs[i]->kick();
        }
        lock.lock();
    }
}

}  // namespace raftlab::lab
