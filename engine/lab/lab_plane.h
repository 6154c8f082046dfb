// Everything the lab may see and touch on one node started with --lab: the
// event bus, the link emulator (netem) and the disk delay, plus the taps the
// raft loop calls. A node without --lab has no LabPlane at all, so each tap
// site costs one null-pointer test.
#pragma once

#include <atomic>
#include <cstdint>
#include <stop_token>
#include <string>

#include "engine/core/raft.h"
#include "engine/lab/event_bus.h"
#include "engine/lab/term_runs.h"
#include "netem/emulator.h"
#include "netem/lab_clock.h"

namespace raftlab::lab {

class LabPlane {
  public:
    LabPlane(core::NodeId self, netem::LabClock& clock, EventBus::StateSource state,
             std::uint64_t seed = 1);

    core::NodeId self() const { return self_; }
    netem::LabClock& clock() { return clock_; }
    netem::Emulator& emulator() { return emulator_; }
    EventBus& bus() { return bus_; }

    // While a Batch is alive on a thread, the taps this plane runs on that
    // thread queue their events instead of publishing each one; the Batch
    // hands them to the bus together (EventBus::publish_all) when it ends or
    // at flush(). The raft loop holds one per turn and flushes before its
    // fsync (before_sync), so an event is stamped at most a turn's CPU work
    // after it happened, never a disk sync later; the apply thread holds one
    // per round of tasks. A thread holds at most one Batch at a time.
    class Batch {
      public:
        explicit Batch(LabPlane& plane);
        ~Batch();
        Batch(const Batch&) = delete;
        Batch& operator=(const Batch&) = delete;
    };
    // Publishes what this thread's Batch holds so far (no-op without one).
    void flush();

    // Raft-loop taps. Each returns at once when no watcher is attached.
    // on_ready runs before the Ready's messages are handed to the transport.
    void on_ready(const core::Ready& rd, const core::Membership& membership);
    void on_received(const core::Message& msg);
    void on_applied(core::Index applied);
    void on_client(const char* op, const std::string& key, bool ok, const std::string& error,
                   std::uint32_t consistency, core::Index index);
    void on_snapshot_created(core::Index index, core::Term term);
    void on_snapshot_progress(bool sent, core::NodeId peer, core::Index index, std::uint64_t bytes,
                              std::uint64_t total);
    // Always published (a fault is rare and every watcher wants it).
    void fault_applied(const std::string& description);

    // Slow disk (Lab.SetDiskDelay): before_sync() waits that long in LAB
    // time, on the raft loop about to fsync, so everything waiting for that
    // sync waits too: slow motion stretches it, a frozen clock holds it
    // until the clock runs or is stepped past it (docs/lab-plane.md).
    void set_disk_delay_ms(std::uint32_t ms) { disk_delay_ms_.store(ms); }
    std::uint32_t disk_delay_ms() const { return disk_delay_ms_.load(); }
    void before_sync();
    // The node is shutting down: a sync held by the disk delay on a frozen
    // clock returns at once, so the raft loop can stop.
    void stop() { stop_.request_stop(); }

  private:
    // Publishes `event` now, or queues it in this thread's Batch.
    void publish_event(pb::WatchEvent& event, EventClass c = EventClass::Always);
    // A message sent or received: a MessageEvent, or one more element of the
    // MessageEvents group this thread's Batch queued last (lab.proto).
    void publish_message(const core::Message& msg, bool sent);
    bool join_message_group(const core::Message& msg, bool sent, EventClass c);
    // Adds a successful client request to the ClientRequests group (or the
    // single ClientRequest) this thread's Batch queued last, if it has the
    // same op and consistency; false if there is none to join.
    bool join_client_group(const char* op, const std::string& key, std::uint32_t consistency,
                           core::Index index);

    const core::NodeId self_;
    netem::LabClock& clock_;
    netem::Emulator emulator_;
    EventBus bus_;
    std::atomic<std::uint32_t> disk_delay_ms_{0};
    std::stop_source stop_;
    core::Index last_applied_ = 0;  // raft-loop thread only
    bool applied_known_ = false;
    TermRuns committed_terms_;  // raft-loop thread only
};

}  // namespace raftlab::lab
