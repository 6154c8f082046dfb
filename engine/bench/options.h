// raftlab-bench's settings, parsed from etcd-benchmark-compatible flags
// (see docs/performance.md). Parsing lives in main.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace raftlab::bench {

enum class Target : std::uint8_t { Raftlab, Etcd, Embedded };
enum class Workload : std::uint8_t { Put, Range, Mixed };

struct Options {
    Target target = Target::Raftlab;
    Workload workload = Workload::Put;
    std::vector<std::string> endpoints;
    std::size_t conns = 1;    // gRPC channels (TCP connections), shared round-robin
    std::size_t clients = 1;  // concurrent callers, one operation in flight each
    bool target_leader = false;
    std::uint64_t total = 10000;
    std::size_t key_size = 8;
    std::size_t val_size = 256;
    bool sequential_keys = false;
    std::uint64_t key_space_size = 0;  // 0: --total (every put writes its own key)
    bool linearizable = true;          // range/mixed reads: --consistency l|s
    double read_ratio = 0.9;           // mixed
    std::string range_key;             // range
    bool fill = true;                  // range: put range_key once before measuring
    bool check = false;                // read back every written key afterwards
    double max_seconds = 300;          // whole run; in-flight calls then drain
    int rpc_timeout_ms = 10000;
    std::string data_dir;  // --target embedded: where the 3 in-process nodes keep data
    std::string label;     // free text copied into the JSON line
};

const char* to_string(Target t);
const char* to_string(Workload w);

}  // namespace raftlab::bench
