// Records a client history as it happens, from many client threads at once:
// the workload calls invoke() before sending and complete() when it knows the
// outcome. Each call can also append the matching JSON Lines record to a
// trace, so the history survives a crash of the lab.
//
//   lincheck::Recorder history(trace_sink);
//   auto id = history.invoke(client, {.kind = OpKind::Put, .key = k, .value = v});
//   ... send ...
//   history.complete(id, Outcome::Ok);            // or Failed, or Unknown on timeout
//   auto verdict = lincheck::check(history.snapshot());
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "scenarios/lincheck/history.h"

namespace raftlab::lincheck {

class Recorder {
  public:
    // Receives each record (one JSON line, no newline) as it is made. Called
    // under the recorder's lock, so records reach the sink in the order of
    // their timestamps; it must not call back into the recorder.
    using Sink = std::function<void(const std::string& record)>;
    // Nanoseconds of CLOCK_MONOTONIC: the timeline every node's events use.
    using Clock = std::function<std::int64_t()>;
    static std::int64_t monotonic_now_ns();

    explicit Recorder(Sink sink = {}, Clock clock = monotonic_now_ns);

    // The operation as sent: kind, key, value (put/cas), expected (cas).
    // id, client and times are filled in here. Returns the op_id.
    std::uint64_t invoke(std::uint64_t client, Operation op);

    // `read` is the value a get returned (nullopt = missing); `swapped` is
    // whether an acknowledged cas swapped. Throws std::invalid_argument for an
    // op_id that is not pending (unknown, or completed already).
    void complete(std::uint64_t op_id, Outcome outcome,
                  std::optional<std::string> read = std::nullopt, bool swapped = false);

    // Everything so far; operations still pending are returned as Unknown.
    History snapshot() const;
    std::size_t pending() const;

  private:
    Sink sink_;
    Clock clock_;
    mutable std::mutex mutex_;
    History ops_;
    std::unordered_map<std::uint64_t, std::size_t> pending_;  // op_id -> index in ops_
    std::uint64_t next_id_ = 1;
};

}  // namespace raftlab::lincheck
