#include "gui/model/event_fold.h"

#include <algorithm>
#include <iterator>

#include "gui/model/narrator.h"

namespace raftlab::gui {

void append_batch(FoldedBatch& into, FoldedBatch&& more) {
    if (into.empty()) {
        into = std::move(more);
        return;
    }
    into.events.insert(into.events.end(), std::make_move_iterator(more.events.begin()),
                       std::make_move_iterator(more.events.end()));
    into.narrations.insert(into.narrations.end(), std::make_move_iterator(more.narrations.begin()),
                           std::make_move_iterator(more.narrations.end()));
    into.checkpoints.insert(into.checkpoints.end(),
                            std::make_move_iterator(more.checkpoints.begin()),
                            std::make_move_iterator(more.checkpoints.end()));
    into.head = std::move(more.head);
}

EventFold::EventFold(std::size_t checkpoint_every)
    : checkpoint_every_(std::max<std::size_t>(1, checkpoint_every)) {}

void EventFold::reset() {
    const Timing timing = head_.timing();
    head_ = ClusterState{};
    head_.set_timing(timing);
    folded_ = 0;
    last_ms_ = 0;
}

void EventFold::set_timing(const Timing& t) {
    head_.set_timing(t);
}

void EventFold::fold_into(FoldedBatch& out, std::vector<Event>&& events) {
    if (out.empty()) out.folded_before = folded_;
    // No exact reserve: batches merged into one untaken batch would each
    // copy the whole of it (the vectors' geometric growth is cheaper).
    for (Event& e : events) {
        // History wants time order; a straggler is clamped to the last time
        // seen so the timeline never runs backwards.
        if (folded_ > 0 && e.t_ms < last_ms_) e.t_ms = last_ms_;
        last_ms_ = e.t_ms;
        out.narrations.push_back(narrate(e, head_));
        head_.apply(e);
        out.events.push_back(std::move(e));
        if (++folded_ % checkpoint_every_ == 0) out.checkpoints.emplace_back(folded_, head_);
    }
    out.head = head_;
}

}  // namespace raftlab::gui
