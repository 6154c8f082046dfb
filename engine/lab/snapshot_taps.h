// Snapshot transfer progress for the lab: decorators around the transport's
// SnapshotImage (sending) and SnapshotStage (receiving) that publish a
// SnapshotEvent per chunk. The node wraps its opener and stager with these
// only when --lab is on; the transport itself stays unaware of the lab.
#pragma once

#include <memory>

#include "engine/lab/lab_plane.h"
#include "engine/net/snapshot_io.h"

namespace raftlab::lab {

// The opener does not know the destination peer, so SENT events carry peer 0;
// the leader's Note (SnapshotSent) names it.
std::unique_ptr<net::SnapshotImage> tap_sending(LabPlane& lab,
                                                std::unique_ptr<net::SnapshotImage> image);
std::unique_ptr<net::SnapshotStage> tap_receiving(LabPlane& lab, const core::SnapshotMeta& meta,
                                                  std::unique_ptr<net::SnapshotStage> stage);

}  // namespace raftlab::lab
