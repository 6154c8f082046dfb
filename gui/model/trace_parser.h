// Turns one JSON Lines trace line into an Event. Tolerant by design: unknown
// kinds and unknown fields are kept or ignored, never fatal, because the
// simulator, the scenario runner and the live Watch stream grow new events
// faster than any viewer. Only a line that is not a JSON object with a
// numeric "t" is an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gui/model/event.h"

namespace raftlab::gui {

struct ParseResult {
    std::optional<Event> event;  // empty for blank lines and errors
    std::string error;           // set when the line is malformed
};

ParseResult parse_trace_line(std::string_view line);

}  // namespace raftlab::gui
