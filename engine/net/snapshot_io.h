// The transport streams snapshot images without knowing where they live. The
// node adapts its storage to these two small interfaces: a reader that yields
// the image of a snapshot in chunks, and a stage that collects received chunks
// and, once complete, yields a handle the raft loop can install atomically.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "engine/core/types.h"

namespace raftlab::net {

class SnapshotImage {
  public:
    virtual ~SnapshotImage() = default;
    // What the image holds: it is taken when opened, so it may be newer than
    // the snapshot the core asked to send (never older).
    virtual const core::SnapshotMeta& meta() const = 0;
    // Fills `chunk` with the next piece of the image; false at the end.
    virtual bool next(std::string* chunk) = 0;
    // Non-empty if the image could not be read.
    virtual std::string error() const = 0;
};

class SnapshotStage {
  public:
    virtual ~SnapshotStage() = default;
    // Appends one verified chunk. Returns an error text, empty on success.
    virtual std::string write(const std::string& chunk) = 0;
    // All chunks arrived: returns the handle to put in core::Snapshot::data.
    // Empty string on failure, with the reason in `error`.
    virtual std::string finish(std::string* error) = 0;
};

// Opens a consistent image of the state machine to send to `peer` for the
// core's snapshot `meta`.
// Returns nullptr with `error` set when it cannot.
using SnapshotOpener = std::function<std::unique_ptr<SnapshotImage>(
    core::NodeId peer, const core::SnapshotMeta& meta, std::string* error)>;
// Stages an image arriving from `from` (the leader).
using SnapshotStager = std::function<std::unique_ptr<SnapshotStage>(
    core::NodeId from, const core::SnapshotMeta& meta, std::string* error)>;

}  // namespace raftlab::net
