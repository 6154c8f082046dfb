// The node's event bus: the raft loop publishes, each Watch stream reads.
//
// Observing must never slow consensus (design.md). So publish() never waits
// for a watcher: each watcher has its own bounded queue; when it is full the
// event is counted as dropped for that watcher and the stream tells it how
// many it lost (WatchEvent.dropped_before). With no watcher attached,
// publish() is one relaxed atomic load; the raft loop checks active() before
// even building an event.
//
// Events are handed to gRPC by a small pump thread, not by the raft loop, so
// serialising a message for the wire never runs on the raft loop, and the
// raft loop never wakes anyone: the pump looks every few milliseconds and a
// busy stream keeps itself going, sending what queued up in one network
// write. A watcher sees events at most kPumpPeriod late. With no watcher
// attached the pump sleeps until one is.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/proto/lab.pb.h"

namespace raftlab::lab {

// What a watcher asked for (WatchRequest), decided before the queue so a
// watcher that skips heartbeats also loses fewer of the events it wants.
enum class EventClass : std::uint8_t { Always, Heartbeat, Message, Entries, Client };

// An event waiting to be published with others of its turn (EventBus::publish_all).
struct PendingEvent {
    pb::WatchEvent event;
    EventClass cls = EventClass::Always;
};

class Subscriber {
  public:
    // `write` hands one event to the stream; the subscriber calls it again
    // only after written() reports the previous write finished. `more` says
    // further events are already queued, so the stream may hold this one
    // back and send several per network write (gRPC's buffer hint).
    using Write = std::function<void(const pb::WatchEvent&, bool more)>;
    Subscriber(const pb::WatchRequest& request, std::size_t capacity, Write write);

    bool wants(EventClass c) const;
    // Queues a copy of `event` (raft loop side). Never blocks for long: one
    // short lock, no IO. True when the stream is idle and needs a kick();
    // otherwise the write in flight picks the event up when it finishes.
    // `take`: the caller no longer needs `event`, so it is swapped in rather
    // than copied (the common case of a single watcher).
    bool offer(pb::WatchEvent& event, bool take = false);
    // offer() for each event this watcher wants, under one lock.
    void offer_all(std::vector<PendingEvent>& events, bool take);
    // Starts the next write if none is in flight (pump side and gRPC side).
    void kick();
    // The previous write finished; `ok` false means the stream is gone.
    void written(bool ok);
    void close();
    // Closes, and says whether no write is in flight: only then may the
    // stream finish now; otherwise the write's completion must finish it.
    bool close_idle();
    bool writing() const;
    bool closed() const;
    std::uint64_t dropped_total() const;
    std::uint32_t state_interval_ms() const { return request_.state_interval_ms(); }
    // True once after this watcher lost events: it is owed a fresh NodeState.
    bool take_resync();

  private:
    bool offer_locked(pb::WatchEvent& event, bool take);

    const pb::WatchRequest request_;
    const std::size_t capacity_;
    Write write_;
    mutable std::mutex mu_;
    // Offered and not yet taken by the writer: at most capacity_ events.
    std::vector<pb::WatchEvent> queue_;
    std::uint64_t dropped_pending_ = 0;  // lost since the last delivered event
    std::uint64_t dropped_total_ = 0;
    bool resync_ = false;
    bool writing_ = false;
    bool closed_ = false;
    // What the writer took from queue_ in one swap, and how much of it has
    // gone out. Only the writer (whoever set writing_) touches these, under
    // write_mu_, never mu_: moving events into a stream message never holds
    // up the raft loop, which never takes write_mu_. It orders one writer's
    // work before the next's, which may run on another thread once gRPC
    // reports the write done (writing_ alone makes the writer unique, but
    // gives that order only through gRPC, which a race detector cannot see).
    std::mutex write_mu_;
    std::vector<pb::WatchEvent> taken_;
    std::size_t taken_pos_ = 0;
    pb::WatchEvent current_;  // the event being written; owned by whoever set writing_
};

class EventBus {
  public:
    // How often the pump starts a stream with nothing in flight: one frame
    // of a viewer drawing 30 times a second (the GUI takes its merged events
    // every 33 ms too), so a person sees no difference. A stream message
    // costs a gRPC write and wake-ups on both ends whatever it carries, and
    // under load that, not the events, was most of what watching cost:
    // docs/lab-plane.md has the figures for 5, 20 and 33 ms.
    static constexpr std::chrono::milliseconds kPumpPeriod{33};

    // `state` builds a NodeState for new watchers, for resynchronisation after
    // a loss, and for periodic states. It is called on the pump thread.
    using StateSource = std::function<pb::NodeState()>;
    EventBus(std::uint64_t node_id, StateSource state, std::size_t capacity = 8192);
    ~EventBus();

    // True while at least one watcher is attached: the raft loop builds
    // events only then.
    bool active() const { return watchers_.load(std::memory_order_relaxed) != 0; }
    // True while at least one attached watcher wants events of class `c`:
    // the taps build an event only then, so a watcher that skips messages
    // costs the raft loop nothing for them either.
    bool wants(EventClass c) const {
        return (wanted_.load(std::memory_order_relaxed) >> static_cast<unsigned>(c)) & 1u;
    }

    // Stamps node id, seq and CLOCK_MONOTONIC ns, then offers the event to
    // every watcher that wants its class.
    void publish(pb::WatchEvent& event, EventClass c = EventClass::Always);
    // publish() for several events at once, in order: one lock of the bus
    // and one of each watcher's queue for all of them, instead of one per
    // event. The events are stamped together. `events` is left unspecified
    // (the last watcher takes its events).
    void publish_all(std::vector<PendingEvent>& events);

    // A watcher for `request` that writes through `write`. Keep the pointer
    // where `write`'s completion can reach it *before* attach(): the first
    // write may start on the pump thread as soon as attach() queues it.
    std::shared_ptr<Subscriber> make_subscriber(const pb::WatchRequest& request,
                                                Subscriber::Write write) const;
    // A new watcher gets a NodeState first, then events.
    void attach(const std::shared_ptr<Subscriber>& sub);
    void detach(const std::shared_ptr<Subscriber>& sub);

    std::uint64_t published() const { return seq_.load(std::memory_order_relaxed); }

  private:
    void pump();
    void stamp(pb::WatchEvent& event);
    void update_wanted();  // under mu_

    const std::uint64_t node_id_;
    StateSource state_;
    const std::size_t capacity_;
    std::atomic<int> watchers_{0};
    std::atomic<std::uint32_t> wanted_{0};  // bit per EventClass: some watcher wants it
    std::atomic<std::uint64_t> seq_{0};

    std::mutex mu_;  // guards subs_ and the pump's wake-up
    std::condition_variable cv_;
    std::vector<std::shared_ptr<Subscriber>> subs_;
    std::vector<std::int64_t> next_state_ns_;  // per sub: when its periodic state is due
    bool kick_ = false;
    bool stopping_ = false;
    std::thread pump_;
};

}  // namespace raftlab::lab
