// Lab.ReadLog: entry metadata, page by page, so a viewer can draw a long log
// and checkers can compare logs (Log Matching, Figure 3) by hash alone.
#pragma once

#include <cstdint>

#include "engine/core/types.h"
#include "engine/proto/lab.pb.h"
#include "engine/storage/storage.h"

namespace raftlab::lab {

inline constexpr std::uint32_t kReadLogPageSize = 1000;

// FNV-1a over (term, type, payload). Config entries hash their membership,
// which is what they carry; the payload is empty for them.
std::uint64_t entry_hash(const core::Entry& entry);

// Fills `out` from the stored log. commit/applied come from the node's status.
void read_log(const storage::Storage& store, const pb::ReadLogRequest& request,
              core::Index commit_index, core::Index applied_index, pb::ReadLogResponse* out);

}  // namespace raftlab::lab
