// Lab.Watch (engine/proto/lab.proto) in the viewer's words: one WatchEvent
// becomes at most one gui::Event (append_events: one per term run of an
// entry range, one per request of a ClientRequests group, one per message of
// a MessageEvents group). Pure and thread-free, so the stream threads call it
// and the tests can feed it hand-made protos.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/proto/lab.pb.h"
#include "gui/model/event.h"

namespace raftlab::gui {

// `origin_ns` is the CLOCK_MONOTONIC instant the session calls t = 0; every
// node on this machine stamps the same clock, so the merged order is true.
std::optional<Event> from_watch_event(const pb::WatchEvent& w, std::int64_t origin_ns);

// Appends the events `w` stands for to `out`: from_watch_event's, except
// that an entries_appended or entries_applied range that spans several
// terms (EntryRange.terms) becomes one event per term run, each with its
// own term, a ClientRequests group becomes one Client event per request, and
// a MessageEvents group one Send or Recv event per message.
// The stream threads use this one.
void append_events(const pb::WatchEvent& w, std::int64_t origin_ns, std::vector<Event>& out);

// A node's role number (NodeRole: 0 Follower .. 4 PreCandidate).
Role role_from_number(std::uint32_t role);

}  // namespace raftlab::gui
