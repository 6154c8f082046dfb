// Snapshot transfer progress for the lab: decorators around the transport's
// SnapshotImage (sending) and SnapshotStage (receiving) that publish a
// SnapshotEvent per chunk. The node wraps its opener and stager with these
// only when --lab is on; the transport itself stays unaware of the lab.
#pragma once

#include <memory>

#include "engine/lab/lab_plane.h"
#include "engine/net/snapshot_io.h"

namespace raftlab::lab {

// SENT events name the destination (`to`), RECEIVED events the sender (`from`,
// the leader), so a viewer can draw the transfer on the right link.
std::unique_ptr<net::SnapshotImage> tap_sending(LabPlane& lab, core::NodeId to,
                                                std::unique_ptr<net::SnapshotImage> image);
std::unique_ptr<net::SnapshotStage> tap_receiving(LabPlane& lab, core::NodeId from,
                                                  const core::SnapshotMeta& meta,
                                                  std::unique_ptr<net::SnapshotStage> stage);

}  // namespace raftlab::lab
