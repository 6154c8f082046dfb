// MessageEvents (lab.proto): Raft messages packed one group per run. The node
// adds to a group; every reader (the GUI, the scenario trace, the benches)
// reads a group back as the MessageEvents it stands for, one per message, so
// nothing downstream has two ways to see a message. Depends on the generated
// protobuf code only, so a viewer links it without the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "engine/proto/lab.pb.h"

namespace raftlab::lab {

// The name of a core::MessageType number ("Append", "HeartbeatResp", ...),
// the same words MessageEvent.type carries; "UnknownMessage" past the table.
const char* message_type_name(std::uint32_t type);
// The number of a MessageEvent.type name; false for a name not in the table.
bool message_type_number(std::string_view name, std::uint32_t* type);

// Appends one message to `group` (whose direction the caller set). False if
// `m.type` is not a known name, which a node never sends.
bool add_to_group(const pb::MessageEvent& m, pb::MessageEvents* group);

// Message i of `group`, as a MessageEvent.
void message_at(const pb::MessageEvents& group, int i, pb::MessageEvent* out);
int group_size(const pb::MessageEvents& group);  // the shortest array's length

// Calls `fn` with every message of `ev` in order: the one MessageEvent, each
// message of a MessageEvents group, or nothing for other events.
void for_each_message(const pb::WatchEvent& ev,
                      const std::function<void(const pb::MessageEvent&)>& fn);

}  // namespace raftlab::lab
