// The runner's side of the Lab service (engine/proto/lab.proto): link rules,
// clock, disk delay and ReadLog. Every call answers "" on success or a
// sentence a person can act on; a node without the service is reported as
// such ("node 2 has no Lab service at ...: start it with --lab"), never a
// crash, so scenarios that need the lab plane fail clearly until it exists.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/proto/lab.grpc.pb.h"

namespace raftlab::scenario {

class LabClient {
  public:
    LabClient(std::uint64_t node, std::string address);

    std::string set_link_rules(const std::vector<pb::LinkRule>& rules, std::uint64_t seed);
    std::string clear_faults();
    // At `at_mono_ns` (CLOCK_MONOTONIC; 0: now). See shared_instant().
    std::string set_clock(double rate, std::int64_t at_mono_ns = 0);
    std::string step_clock(std::uint64_t ms);
    std::string set_disk_delay(std::uint32_t ms);
    struct LogBounds {
        std::uint64_t first_index = 0, last_index = 0, commit_index = 0;
        std::uint64_t snapshot_index = 0, snapshot_term = 0;
    };
    // Every entry's metadata, page by page (bounded: at most `max_entries`),
    // and the log's bounds (entries before first_index are in the snapshot).
    std::string read_log(std::vector<pb::LogEntryMeta>& out, LogBounds& bounds,
                         std::uint64_t max_entries = 100000);
    // "" if the service answers at all (ClearFaults is the cheapest probe
    // that changes nothing in a fault-free run).
    std::string probe();

    // The instant to give every node of a clock change that several nodes
    // take: 0 (now) for one node, else CLOCK_MONOTONIC a moment ahead, so
    // that calls made one after another still change every clock at once
    // and no node runs ahead of the others to an election in between.
    static std::int64_t shared_instant(std::size_t nodes);

  private:
    std::string explain(const grpc::Status& status, const char* rpc) const;

    std::uint64_t node_;
    std::string address_;
    std::unique_ptr<pb::Lab::Stub> stub_;
};

}  // namespace raftlab::scenario
