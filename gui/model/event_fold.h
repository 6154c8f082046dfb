// The per-event work of taking events into a History: each event's
// narration (which needs the state *before* it), the fold into the newest
// ClusterState, and a full checkpoint every `checkpoint_every` events. It
// is pure (no Qt, no shared state), so it can run on any thread: History
// runs one on the caller's thread for a trace file, and the live source
// runs one on its merge thread, so the UI thread only adopts finished
// batches (History::adopt) instead of paying ~30 µs per event itself.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "gui/model/cluster_state.h"
#include "gui/model/event.h"

namespace raftlab::gui {

// Events already narrated and folded, ready for History::adopt.
struct FoldedBatch {
    // How many events the fold had taken before this batch's first: adopt
    // checks it against the history's own count, so a batch never lands
    // in a history it was not folded for.
    std::size_t folded_before = 0;
    std::vector<Event> events;  // time ordered (a straggler's t_ms clamped)
    std::vector<std::string> narrations;
    // (events folded since the fold began, state after them).
    std::vector<std::pair<std::size_t, ClusterState>> checkpoints;
    ClusterState head;  // after the last event

    bool empty() const { return events.empty(); }
    std::size_t size() const { return events.size(); }
};

// Appends `more`, the same fold's next batch, to `into` (a batch nobody
// took yet).
void append_batch(FoldedBatch& into, FoldedBatch&& more);

class EventFold {
  public:
    explicit EventFold(std::size_t checkpoint_every = 256);

    // Starts again from nothing (a new history).
    void reset();
    void set_timing(const Timing& t);
    std::size_t checkpoint_every() const { return checkpoint_every_; }
    std::size_t folded() const { return folded_; }
    const ClusterState& head() const { return head_; }

    // Folds `events` onto the end of `out` (empty or the previous batch of
    // this fold that nobody took yet) and sets out.head.
    void fold_into(FoldedBatch& out, std::vector<Event>&& events);

  private:
    std::size_t checkpoint_every_;
    std::size_t folded_ = 0;
    std::int64_t last_ms_ = 0;
    ClusterState head_;
};

}  // namespace raftlab::gui
