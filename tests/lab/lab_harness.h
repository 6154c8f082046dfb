// A 3-node cluster of real raftlab-node processes started with --lab, plus
// the Lab service calls the lab-plane tests need. Builds on tests/node's
// process harness.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/proto/lab.grpc.pb.h"
#include "node_harness.h"

namespace raftlab::testing {

class LabCluster {
  public:
    // `extra_toml` goes into every node's config (see ClusterOptions).
    explicit LabCluster(std::string extra_toml = {});

    bool start_all();
    Cluster& cluster() { return cluster_; }
    pb::Lab::Stub& lab(std::uint64_t id);

    // "" on success, otherwise what went wrong (RPC status or the node's error).
    std::string set_rules(std::uint64_t from, const std::vector<pb::LinkRule>& rules,
                          std::uint64_t seed = 0);
    // Cuts every link between `node` and the others, both ways.
    std::string isolate(std::uint64_t node);
    std::string clear_faults(std::uint64_t id);
    std::string clear_all();
    std::string set_clock(std::uint64_t id, double rate, std::int64_t at_mono_ns = 0);
    // Every node's clock at one CLOCK_MONOTONIC instant (LabClient::
    // shared_instant), returning once that instant has passed.
    std::string set_clock_all(double rate);
    std::string step_clock(std::uint64_t id, std::uint64_t ms);
    std::string set_disk_delay(std::uint64_t id, std::uint32_t ms);

    // The node's whole log, page by page (bounded: 100000 entries).
    std::vector<pb::LogEntryMeta> read_log(std::uint64_t id, pb::ReadLogResponse* head = nullptr);

    std::uint64_t term(std::uint64_t id);
    std::uint64_t commit_index(std::uint64_t id);
    std::uint32_t role(std::uint64_t id);

  private:
    Cluster cluster_;
    std::map<std::uint64_t, std::unique_ptr<pb::Lab::Stub>> stubs_;
};

pb::LinkRule link_rule(std::uint64_t to);

// A Watch stream read on its own thread into a list (batches flattened), for
// tests that wait for an event. The stream is cancelled when this goes away.
class WatchLog {
  public:
    WatchLog(pb::Lab::Stub& lab, const pb::WatchRequest& request);
    ~WatchLog();
    WatchLog(const WatchLog&) = delete;
    WatchLog& operator=(const WatchLog&) = delete;

    // The stream's first message (a NodeState) arrived: the node attached
    // the watcher, so from here on it misses nothing.
    bool wait_attached(std::chrono::milliseconds timeout);
    // An event matching `match` arrived within `timeout`; *found gets it.
    bool wait_for(const std::function<bool(const pb::WatchEvent&)>& match,
                  std::chrono::milliseconds timeout, pb::WatchEvent* found = nullptr);
    std::vector<pb::WatchEvent> events();
    std::uint64_t dropped();

  private:
    grpc::ClientContext ctx_;
    std::unique_ptr<grpc::ClientReader<pb::WatchEvent>> reader_;
    std::mutex mu_;
    std::vector<pb::WatchEvent> events_;
    std::uint64_t dropped_ = 0;
    std::thread thread_;
};

// Median latency in ms of `n` sequential puts through `client`; -1 if any failed.
double median_put_ms(api::RemoteClient& client, int n, const std::string& prefix);

}  // namespace raftlab::testing
