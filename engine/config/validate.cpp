// Checks that span fields: membership of initial_cluster, addresses, and the
// timing relations Raft's liveness depends on (§5.2, §5.6: broadcastTime <<
// electionTimeout << MTBF).
#include <set>

#include "engine/config/config.h"

namespace raftlab::config {
namespace {

// Room for framing around an entry or chunk inside one gRPC message.
constexpr std::uint64_t kRpcOverhead = 64u << 10;
// What a snapshot receiver accepts per chunk (storage::kMaxChunkBytes).
constexpr std::uint64_t kMaxChunkBytes = 16u << 20;

int ticks(int ms, int tick_ms) {
    return std::max(1, (ms + tick_ms - 1) / tick_ms);
}

class Validator {
  public:
    explicit Validator(NodeConfig& c) : c_(c) {}

    [[noreturn]] void fail(const std::string& field, const std::string& problem,
                           const std::string& fix) const {
        throw ConfigError(c_.source, field, problem, fix);
    }

    void address(const std::string& field, const std::string& value, bool allow_port_zero) const {
        const auto hp = parse_host_port(value);
        if (!hp) {
            fail(field, "= \"" + value + "\" is not a host:port address",
                 "write it like \"127.0.0.1:9081\" (IPv6: \"[::1]:9081\")");
        }
        if (hp->port == 0 && !allow_port_zero) {
            fail(field, "= \"" + value + "\" has port 0", "use a port from 1 to 65535");
        }
    }

    void cluster() const {
        const auto& cl = c_.cluster;
        if (cl.cluster_id.empty() || cl.cluster_id.size() > 128) {
            fail("cluster.cluster_id", "= \"" + cl.cluster_id + "\" must be 1 to 128 characters",
                 "use a short name such as \"raftlab\", the same on every node of the cluster");
        }
        if (cl.db_root_dir.empty()) {
            fail("cluster.db_root_dir", "is empty", "use a directory such as \"./db\"");
        }
        // Port 0 (the OS picks a free port) only makes sense for a node that
        // nobody has to dial: embedded single-node mode.
        address("cluster.listen_address", cl.listen_address, true);
        if (cl.initial_cluster.empty()) {
            fail("cluster.initial_cluster", "is empty",
                 "list at least this node: { id = " + std::to_string(cl.node_id) +
                     ", address = \"" + cl.listen_address + "\", role = 2, status = 2 }");
        }
        std::set<core::NodeId> ids;
        std::set<std::string> addresses;
        bool self_found = false;
        for (std::size_t i = 0; i < cl.initial_cluster.size(); ++i) {
            const auto& m = cl.initial_cluster[i];
            const std::string where = "cluster.initial_cluster[" + std::to_string(i) + "]";
            if (m.id == core::kNoNode) fail(where + ".id", "= 0 is not a node id", "use ids >= 1");
            if (!ids.insert(m.id).second) {
                fail(where + ".id", "= " + std::to_string(m.id) + " is listed twice",
                     "give every member a unique id");
            }
            const bool self = m.id == cl.node_id;
            self_found = self_found || self;
            address(where + ".address", m.address, self && cl.initial_cluster.size() == 1);
            if (!addresses.insert(dial_address(m.address)).second) {
                fail(where + ".address",
                     "= \"" + m.address +
                         "\" is used by another member (0.0.0.0 counts as "
                         "127.0.0.1)",
                     "give every member its own host:port");
            }
            if (m.role == core::Role::PreCandidate) {
                fail(where + ".role", "= 4 is not a NodeRole",
                     "use 0=Follower, 1=Candidate, 2=Leader, 3=Learner");
            }
            // Only the node's own entry is binding; the others are hints that
            // the committed membership overrides, so they are not checked.
            if (self && m.is_voter() && m.status != core::NodeStatus::Active) {
                fail(where + ".status",
                     std::string("= ") +
                         (m.status == core::NodeStatus::Promotable ? "0 (PROMOTABLE)"
                                                                   : "1 (READ_ONLY)") +
                         " contradicts role " + std::to_string(static_cast<int>(m.role)) +
                         " (a voter) for this node: a voter is ACTIVE",
                     "use status = 2 to bootstrap as a voter, or role = 3 to join as a learner");
            }
            if (self && !m.is_voter() && m.status == core::NodeStatus::Active) {
                fail(where + ".status", "= 2 (ACTIVE) contradicts role 3 (Learner) for this node",
                     "use status = 0 (PROMOTABLE, promoted once caught up) or 1 (READ_ONLY)");
            }
        }
        if (!self_found) {
            fail("cluster.initial_cluster",
                 "has no entry for this node (node_id = " + std::to_string(cl.node_id) + ")",
                 "add { id = " + std::to_string(cl.node_id) + ", address = \"" + cl.listen_address +
                     "\", role = 3, status = 0 } to join a cluster, or role = 2, status = 2 to "
                     "bootstrap one");
        }
        const auto& self = c_.self();
        if (self.is_voter()) {
            std::size_t voters = 0;
            for (const auto& m : cl.initial_cluster)
                voters += m.is_voter() ? 1 : 0;
            if (voters % 2 == 0) {
                c_.warnings.push_back(c_.source + ": cluster.initial_cluster bootstraps " +
                                      std::to_string(voters) + " voters: quorum is " +
                                      std::to_string(voters / 2 + 1) + " and it tolerates " +
                                      std::to_string((voters - 1) / 2) +
                                      " failure(s), no more than " + std::to_string(voters - 1) +
                                      " voters would; use an odd number of voters (1, 3, 5)");
            }
        } else if (cl.initial_cluster.size() == 1) {
            fail("cluster.initial_cluster",
                 "lists only this node, as a learner: there is nobody to join",
                 "add the existing cluster's members (at least one reachable node), or use "
                 "role = 2, status = 2 to bootstrap a new cluster");
        }
        const auto listen = parse_host_port(cl.listen_address);
        const auto advertised = parse_host_port(self.address);
        if (listen && advertised && listen->port != advertised->port) {
            c_.warnings.push_back(c_.source + ": cluster.listen_address port " +
                                  std::to_string(listen->port) +
                                  " differs from this node's initial_cluster address \"" +
                                  self.address + "\"; peers will dial the latter");
        }
    }

    void raft() const {
        const auto& r = c_.raft;
        if (r.tick_ms < 1) fail("raft.tick_ms", "must be >= 1", "use 10");
        auto positive = [&](const char* field, int value, const char* fix) {
            if (value < r.tick_ms) {
                fail(std::string("raft.") + field,
                     "= " + std::to_string(value) + " is shorter than one tick (raft.tick_ms = " +
                         std::to_string(r.tick_ms) + ")",
                     fix);
            }
        };
        positive("heartbeat_interval_ms", r.heartbeat_interval_ms, "use 50");
        positive("election_timeout_min_ms", r.election_timeout_min_ms, "use 200");
        positive("election_timeout_max_ms", r.election_timeout_max_ms, "use 400");
        positive("lease_ms", r.lease_ms, "use 150");
        // §5.6: heartbeats must arrive well within the election timeout, or
        // followers start elections against a healthy leader.
        if (r.heartbeat_interval_ms >= r.election_timeout_min_ms) {
            fail("raft.heartbeat_interval_ms",
                 "= " + std::to_string(r.heartbeat_interval_ms) +
                     " must be below raft.election_timeout_min_ms = " +
                     std::to_string(r.election_timeout_min_ms),
                 "use at most a quarter of it, e.g. 50 with 200");
        }
        // §5.2: randomization needs a non-empty range to split votes apart.
        if (r.election_timeout_min_ms >= r.election_timeout_max_ms) {
            fail("raft.election_timeout_min_ms",
                 "= " + std::to_string(r.election_timeout_min_ms) +
                     " must be below raft.election_timeout_max_ms = " +
                     std::to_string(r.election_timeout_max_ms),
                 "make the range about a factor 2 wide, e.g. 200 and 400");
        }
        // Thesis §6.4.1: a lease is safe only if it ends before any follower
        // can time out and elect someone else.
        if (r.lease_ms >= r.election_timeout_min_ms) {
            fail("raft.lease_ms",
                 "= " + std::to_string(r.lease_ms) +
                     " must be below raft.election_timeout_min_ms = " +
                     std::to_string(r.election_timeout_min_ms),
                 "use about three quarters of it, e.g. 150 with 200");
        }
        // The same relations must survive rounding to whole ticks.
        const int hb = ticks(r.heartbeat_interval_ms, r.tick_ms);
        const int emin = ticks(r.election_timeout_min_ms, r.tick_ms);
        const int emax = ticks(r.election_timeout_max_ms, r.tick_ms);
        const int lease = ticks(r.lease_ms, r.tick_ms);
        if (hb >= emin || emin >= emax || lease >= emin) {
            fail("raft.tick_ms",
                 "= " + std::to_string(r.tick_ms) + " is too coarse: in ticks heartbeat = " +
                     std::to_string(hb) + ", election = " + std::to_string(emin) + ".." +
                     std::to_string(emax) + ", lease = " + std::to_string(lease) +
                     " no longer keep heartbeat < election min < election max and lease < "
                     "election min",
                 "use a smaller tick_ms, e.g. 10");
        }
        if (r.snapshot_chunk_bytes > kMaxChunkBytes) {
            fail("raft.snapshot_chunk_bytes",
                 "= " + std::to_string(r.snapshot_chunk_bytes) +
                     " is above the receiver's cap of " + std::to_string(kMaxChunkBytes),
                 "use 1048576 (1 MiB)");
        }
    }

    void limits() const {
        const auto& l = c_.limits;
        const auto& r = c_.raft;
        const std::uint64_t entry = l.max_key_bytes + l.max_value_bytes + kRpcOverhead;
        auto need = [&](std::uint64_t bytes, const std::string& why) {
            if (l.max_rpc_bytes < bytes) {
                fail("limits.max_rpc_bytes",
                     "= " + std::to_string(l.max_rpc_bytes) + " cannot carry " + why,
                     "raise it to at least " + std::to_string(bytes) + " or lower that limit");
            }
        };
        need(entry, "one entry of limits.max_key_bytes + limits.max_value_bytes plus framing");
        need(r.max_append_bytes + kRpcOverhead, "one AppendEntries of raft.max_append_bytes");
        need(r.snapshot_chunk_bytes + kRpcOverhead, "one chunk of raft.snapshot_chunk_bytes");
    }

    void lab() const {
        if (!c_.lab.enabled) return;
        if (c_.lab.address.empty()) {
            fail("lab.address", "is missing while lab.enabled = true",
                 "add address = \"127.0.0.1:<port>\" or set enabled = false");
        }
        const auto hp = parse_host_port(c_.lab.address);
        if (!hp) {
            fail("lab.address", "= \"" + c_.lab.address + "\" is not a host:port address",
                 "write it like \"127.0.0.1:9181\"");
        }
        if (dial_address(c_.lab.address) == dial_address(c_.cluster.listen_address)) {
            fail("lab.address", "= \"" + c_.lab.address + "\" is the node's own listen_address",
                 "give the lab service a port of its own, e.g. the node's port + 100");
        }
        // The lab service can freeze time and kill links: never off-host.
        if (!is_loopback_host(hp->host)) {
            fail("lab.address", "= \"" + c_.lab.address + "\" is not a loopback address",
                 "use 127.0.0.1 (or another 127.x.y.z) so only this machine can reach it");
        }
    }

  private:
    NodeConfig& c_;
};

}  // namespace

void validate(NodeConfig& config) {
    config.warnings.clear();
    Validator v(config);
    if (config.cluster.node_id == core::kNoNode) {
        v.fail("cluster.node_id", "= 0 is not a node id", "use a unique id >= 1");
    }
    v.cluster();
    v.raft();
    v.limits();
    v.lab();
    if (config.tls.enabled) check_tls_files(config);
}

}  // namespace raftlab::config
