// Everything a session has seen, in order, and the cluster state at any
// moment of it. Rebuilding a past state replays from the nearest checkpoint
// (a full ClusterState kept every `checkpoint_every` events), so a scrub
// costs at most that many applies, whatever the length of the session.
// Messages are paired send -> receive (or loss) into Flights for the
// timeline's arrows and the cluster view's moving dots.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "gui/model/cluster_state.h"
#include "gui/model/event.h"
#include "gui/model/event_fold.h"

namespace raftlab::gui {

struct Flight {
    std::int64_t sent_ms = 0;
    std::int64_t done_ms = -1;  // delivered or lost; -1 while still in flight
    NodeId from = kNoNode;
    NodeId to = kNoNode;
    MsgType type = MsgType::Other;
    Term term = 0;
    Index index = 0;
    std::uint64_t entries = 0;
    bool dropped = false;
    bool reject = false;
};

class History {
  public:
    // `max_events` bounds memory over a long live session: past it, the
    // oldest events are forgotten, a checkpoint-aligned chunk at a time, and
    // the checkpoint at the cut becomes the new beginning (0 = unbounded).
    explicit History(std::size_t checkpoint_every = 256, std::size_t max_events = 0);

    // Events must come in time order; a straggler is clamped to the last
    // time seen so the timeline never runs backwards.
    // Returns how many of the oldest events were forgotten to stay bounded.
    // Folds on the caller's thread (a trace file).
    std::size_t append(const std::vector<Event>& batch);
    // Takes a batch another thread already narrated and folded (the live
    // source's merge thread, which folds from this history's clear()): only
    // moves, message pairing and trimming are left for the caller's thread.
    // A batch that does not continue this history (folded_before differs)
    // is refused: returns false and changes nothing.
    bool adopt(FoldedBatch&& batch, std::size_t* forgotten = nullptr);
    std::size_t forgotten() const { return forgotten_; }  // in total
    // A live session sets a bound once it knows it is live (see the constructor).
    void set_max_events(std::size_t max_events);
    // Live sources report no loss: a message a cut link swallowed simply
    // never arrives. Past this age an unanswered flight is drawn lost
    // (0 = never, right for traces, which record their drops).
    void set_lost_after(std::int64_t ms) { lost_after_ms_ = ms; }
    void clear();
    void set_timing(const Timing& t);

    std::size_t size() const { return events_.size(); }
    const Event& event(std::size_t i) const { return events_[i]; }
    const std::string& narration(std::size_t i) const { return narrations_[i]; }
    std::int64_t start_ms() const { return events_.empty() ? 0 : events_.front().t_ms; }
    std::int64_t end_ms() const { return events_.empty() ? 0 : events_.back().t_ms; }

    const ClusterState& head() const { return head_; }
    // The state after every event with t_ms <= t.
    ClusterState state_at(std::int64_t t) const;
    // The number of events with t_ms <= t.
    std::size_t count_until(std::int64_t t) const;

    const std::vector<Flight>& flights() const { return flights_; }
    // Flights that overlap [t0, t1], oldest first.
    std::vector<const Flight*> flights_between(std::int64_t t0, std::int64_t t1) const;
    std::size_t checkpoint_count() const { return checkpoints_.size(); }

  private:
    void track_flight(const Event& e);
    std::size_t taken() const { return forgotten_ + events_.size(); }
    void expire_flights(std::int64_t now);
    std::size_t trim();

    std::size_t checkpoint_every_;
    std::size_t max_events_;
    std::size_t forgotten_ = 0;
    // Deques: a live history grows and forgets its oldest all session long,
    // and a vector would move every event it holds on each regrowth and
    // each trim (tens of milliseconds at 400,000 events, on the UI thread).
    std::deque<Event> events_;
    std::deque<std::string> narrations_;
    // (number of events applied, state after them); the first is the empty state.
    std::vector<std::pair<std::size_t, ClusterState>> checkpoints_;
    ClusterState head_;
    EventFold fold_;  // for append(); a live history is folded elsewhere
    Timing timing_;
    std::vector<Flight> flights_;  // ordered by sent_ms
    std::map<std::tuple<NodeId, NodeId, MsgType>, std::deque<std::size_t>> pending_;
    std::int64_t longest_flight_ms_ = 0;
    std::int64_t lost_after_ms_ = 0;
};

}  // namespace raftlab::gui
