#include "engine/api/remote_client.h"

#include <thread>

#include "engine/config/config.h"
#include "engine/net/channel.h"
#include "engine/net/convert.h"

namespace raftlab::api {
namespace {

using Clock = std::chrono::steady_clock;

OpError from_proto(const pb::Error& e) {
    OpError out(static_cast<Code>(e.code()), e.message());
    out.leader = e.leader_id();
    out.leader_address = e.leader_address();
    return out;
}

pb::Consistency to_proto(Consistency c) {
    switch (c) {
        case Consistency::Lease:
            return pb::LEASE;
        case Consistency::Eventual:
            return pb::EVENTUAL;
        default:
            return pb::LINEARIZABLE;
    }
}

bool retryable(Code code) {
    return code == Code::NotLeader || code == Code::NoLeader || code == Code::Retry ||
           code == Code::Busy;
}

}  // namespace

std::vector<std::string> split_endpoints(const std::string& text) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : text + ",") {
        if (c == ',') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else if (c != ' ') {
            cur += c;
        }
    }
    return out;
}

RemoteClient::RemoteClient(std::vector<std::string> endpoints, RemoteOptions options)
    : endpoints_(std::move(endpoints)), options_(options) {
    if (!endpoints_.empty()) preferred_ = endpoints_.front();
}

std::string RemoteClient::last_endpoint() const {
    std::lock_guard lock(mu_);
    return preferred_;
}

std::shared_ptr<RemoteClient::Stubs> RemoteClient::stubs(const std::string& endpoint) {
    std::lock_guard lock(mu_);
    auto& slot = stubs_[endpoint];
    if (!slot) {
        slot = std::make_shared<Stubs>();
        slot->channel = net::make_channel(endpoint, options_.credentials);
        slot->kv = pb::KV::NewStub(slot->channel);
        slot->cluster = pb::Cluster::NewStub(slot->channel);
    }
    return slot;
}

template <typename Attempt>
OpError RemoteClient::run(Attempt attempt, bool idempotent,
                          const std::optional<std::string>& only) {
    auto deadline = Clock::now() + options_.timeout;
    std::string endpoint;
    {
        std::lock_guard lock(mu_);
        endpoint = only ? *only : preferred_;
    }
    std::size_t next_seed = 0;
    int hops = 0;
    std::string last_failure;
    OpError last_error(Code::Unavailable, "");
    while (Clock::now() < deadline) {
        grpc::ClientContext ctx;
        auto attempt_deadline = std::min(deadline, Clock::now() + options_.attempt_timeout);
        ctx.set_deadline(std::chrono::system_clock::now() + (attempt_deadline - Clock::now()));
        OpError error;
        grpc::Status status = attempt(*stubs(endpoint), ctx, error);
        if (status.ok()) {
            if (!retryable(error.code) || only) {
                // An authoritative answer: remember who gave it (the leader,
                // for anything that goes through the log).
                if (!only) {
                    std::lock_guard lock(mu_);
                    preferred_ = endpoint;
                }
                return error;
            }
            last_error = error;
            if (error.code == Code::NotLeader && !error.leader_address.empty()) {
                // Follow the hint at once; if hints keep bouncing (views
                // still settling after an election), slow down a little.
                if (++hops > 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
                endpoint = config::dial_address(error.leader_address);
                continue;
            }
            // No leader yet (or a lost proposal): give the election a moment.
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            if (error.code == Code::NoLeader) {
                endpoint = endpoints_[next_seed++ % endpoints_.size()];
            }
            continue;
        }
        if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
            return OpError(Code::InvalidArgument,
                           "the request is too large for the node to accept (" +
                               status.error_message() +
                               "); keep keys and values within the cluster's [limits]");
        }
        if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
            status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED &&
            status.error_code() != grpc::StatusCode::CANCELLED) {
            // The node answered, but not as a Raft Lab node would.
            return OpError(Code::Internal,
                           endpoint + " failed the call: " + status.error_message() +
                               " (gRPC code " + std::to_string(status.error_code()) + ")");
        }
        last_failure = endpoint + ": " + status.error_message();
        if (options_.credentials && status.error_code() == grpc::StatusCode::UNAVAILABLE) {
            // A TLS channel whose connect failed (the node was not up yet)
            // does not recover by itself while only fail-fast calls use it
            // (seen with gRPC 1.51): start the next attempt on a fresh one.
            std::lock_guard lock(mu_);
            stubs_.erase(endpoint);
        }
        if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && !idempotent) {
            return OpError(Code::Timeout, "no answer from " + endpoint + " within " +
                                              std::to_string(options_.attempt_timeout.count()) +
                                              " ms; the outcome is unknown");
        }
        if (only) break;
        // Unreachable: try the next endpoint, pausing once per full round.
        endpoint = endpoints_[next_seed++ % endpoints_.size()];
        if (next_seed % endpoints_.size() == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    if (last_error.code != Code::Unavailable) {
        last_error.message +=
            " (gave up after " + std::to_string(options_.timeout.count()) + " ms)";
        return last_error;
    }
    std::string names;
    if (only) {
        names = *only;
    } else {
        for (const auto& e : endpoints_)
            names += (names.empty() ? "" : ", ") + e;
    }
    return OpError(Code::Unavailable,
                   "cannot reach any node at " + names +
                       (last_failure.empty() ? "" : " (last: " + last_failure + ")") +
                       "; check that the nodes are running and the "
                       "addresses are right");
}

WriteResult RemoteClient::put(const std::string& key, const std::string& value) {
    pb::PutRequest req;
    req.set_key(key);
    req.set_value(value);
    WriteResult out;
    out.error = run(
        [&](Stubs& s, grpc::ClientContext& ctx, OpError& error) {
            pb::PutResponse resp;
            auto st = s.kv->Put(&ctx, req, &resp);
            error = from_proto(resp.error());
            out.index = resp.index();
            return st;
        },
        true, std::nullopt);
    return out;
}

WriteResult RemoteClient::del(const std::string& key) {
    pb::DeleteRequest req;
    req.set_key(key);
    WriteResult out;
    out.error = run(
        [&](Stubs& s, grpc::ClientContext& ctx, OpError& error) {
            pb::DeleteResponse resp;
            auto st = s.kv->Delete(&ctx, req, &resp);
            error = from_proto(resp.error());
            out.index = resp.index();
            if (resp.existed()) out.previous = std::string();
            return st;
        },
        true, std::nullopt);
    return out;
}

WriteResult RemoteClient::compare_and_swap(const std::string& key,
                                           std::optional<std::string> expected,
                                           const std::string& value) {
    pb::CompareAndSwapRequest req;
    req.set_key(key);
    req.set_value(value);
    if (expected) {
        req.set_expected(*expected);
    } else {
        req.set_expect_absent(true);
    }
    WriteResult out;
    out.error = run(
        [&](Stubs& s, grpc::ClientContext& ctx, OpError& error) {
            pb::CompareAndSwapResponse resp;
            auto st = s.kv->CompareAndSwap(&ctx, req, &resp);
            error = from_proto(resp.error());
            out.index = resp.index();
            out.succeeded = resp.succeeded();
            return st;
        },
        false, std::nullopt);
    return out;
}

ReadResult RemoteClient::get(const std::string& key, Consistency consistency,
                             const std::optional<std::string>& node) {
    pb::GetRequest req;
    req.set_key(key);
    req.set_consistency(to_proto(consistency));
    ReadResult out;
    out.error = run(
        [&](Stubs& s, grpc::ClientContext& ctx, OpError& error) {
            pb::GetResponse resp;
            auto st = s.kv->Get(&ctx, req, &resp);
            error = from_proto(resp.error());
            out.value.reset();
            if (resp.found()) out.value = resp.value();
            out.applied_index = resp.applied_index();
            out.served_by = resp.served_by();
            return st;
        },
        true, node);
    return out;
}

ReadResult RemoteClient::scan(const std::string& prefix, std::uint32_t limit,
                              Consistency consistency, const std::optional<std::string>& node) {
    pb::ScanRequest req;
    req.set_prefix(prefix);
    req.set_limit(limit);
    req.set_consistency(to_proto(consistency));
    ReadResult out;
    out.error = run(
        [&](Stubs& s, grpc::ClientContext& ctx, OpError& error) {
            pb::ScanResponse resp;
            auto st = s.kv->Scan(&ctx, req, &resp);
            error = from_proto(resp.error());
            out.items.clear();
            for (const auto& kv : resp.items())
                out.items.push_back({kv.key(), kv.value()});
            out.more = resp.more();
            out.applied_index = resp.applied_index();
            return st;
        },
        true, node);
    return out;
}

NodeStatus RemoteClient::status(const std::string& endpoint) {
    NodeStatus out;
    out.endpoint = endpoint;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + options_.attempt_timeout);
    auto st = stubs(endpoint)->cluster->Status(&ctx, pb::StatusRequest(), &out.status);
    if (!st.ok()) {
        out.error =
            OpError(Code::Unavailable, "cannot reach " + endpoint + ": " + st.error_message());
        if (options_.credentials && st.error_code() == grpc::StatusCode::UNAVAILABLE) {
            std::lock_guard lock(mu_);
            stubs_.erase(endpoint);  // a fresh TLS channel next time (see run())
        }
    }
    return out;
}

std::vector<NodeStatus> RemoteClient::status_all() {
    std::vector<NodeStatus> out;
    for (const auto& e : endpoints_)
        out.push_back(status(e));
    return out;
}

template <typename Request, typename Method>
ChangeResult RemoteClient::change(const Request& req, Method method) {
    ChangeResult out;
    out.error = run(
        [&](Stubs& s, grpc::ClientContext& ctx, OpError& error) {
            pb::ChangeResponse resp;
            auto st = ((*s.cluster).*method)(&ctx, req, &resp);
            error = from_proto(resp.error());
            out.index = resp.index();
            out.membership = net::from_proto(resp.membership());
            return st;
        },
        false, std::nullopt);
    return out;
}

ChangeResult RemoteClient::promote(core::NodeId id) {
    pb::PromoteLearnerRequest req;
    req.set_node_id(id);
    return change(req, &pb::Cluster::Stub::PromoteLearner);
}

ChangeResult RemoteClient::remove(core::NodeId id) {
    pb::RemoveNodeRequest req;
    req.set_node_id(id);
    return change(req, &pb::Cluster::Stub::RemoveNode);
}

ChangeResult RemoteClient::transfer_leader(core::NodeId id) {
    pb::TransferLeaderRequest req;
    req.set_node_id(id);
    return change(req, &pb::Cluster::Stub::TransferLeader);
}

ChangeResult RemoteClient::members(core::NodeId* leader) {
    ChangeResult out;
    out.error = run(
        [&](Stubs& s, grpc::ClientContext& ctx, OpError& error) {
            pb::MembersResponse resp;
            auto st = s.cluster->Members(&ctx, pb::MembersRequest(), &resp);
            error = from_proto(resp.error());
            out.membership = net::from_proto(resp.membership());
            if (leader) *leader = resp.leader_id();
            return st;
        },
        true, std::nullopt);
    return out;
}

}  // namespace raftlab::api
