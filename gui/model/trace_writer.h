// The other direction of trace_parser: an Event back to one JSON Lines
// record of docs/trace-format.md, so a live session can be saved and
// replayed later (raftlab --replay) with the same leaders, faults and
// messages. A live node's full state is written as a "state" record, the
// same shape the scenario engine writes.
#pragma once

#include <QJsonObject>
#include <string>

#include "gui/model/event.h"

namespace raftlab::gui {

class History;

QJsonObject event_to_json(const Event& e);
// Writes every event History still holds. Returns "" or what went wrong.
std::string write_trace(const History& history, const std::string& path);

}  // namespace raftlab::gui
