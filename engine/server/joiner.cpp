#include "engine/server/joiner.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/config/config.h"
#include "engine/net/channel.h"
#include "engine/net/convert.h"
#include "engine/proto/cluster.grpc.pb.h"
#include "engine/server/client_types.h"
#include "engine/server/role_log.h"

namespace raftlab::server {

Joiner::Joiner(JoinRequest request, std::function<bool()> joined)
    : request_(std::move(request)), joined_(std::move(joined)) {
    thread_ = std::thread([this] { run(); });
}

Joiner::~Joiner() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void Joiner::run() {
    auto backoff = std::chrono::milliseconds(200);
    bool asked = false;
    std::string last_why;
    for (;;) {
        {
            std::unique_lock lock(mu_);
            if (stopping_) return;
        }
        if (joined_()) {
            spdlog::info(
                "[Node {}] this node is now in the cluster's configuration; it catches up "
                "from the leader",
                request_.self);
            return;
        }
        if (!asked) {
            std::string why;
            if (attempt(&why)) {
                asked = true;
                backoff = std::chrono::milliseconds(100);
            } else {
                if (why != last_why) {
                    spdlog::warn(
                        "[Node {}] cannot join the cluster yet: {}; retrying every {} "
                        "ms",
                        request_.self, why, backoff.count());
                    last_why = why;
                }
                backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
            }
        }
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, backoff, [&] { return stopping_; });
        // Accepted but our configuration has not arrived for a long time:
        // ask again (the change may have been lost to a leader change).
        if (asked && backoff >= std::chrono::milliseconds(5000)) asked = false;
        if (asked) backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
}

bool Joiner::attempt(std::string* why) {
    pb::JoinClusterRequest req;
    req.set_cluster_id(request_.cluster_id);
    req.set_node_id(request_.self);
    req.set_address(request_.address);
    req.set_status(static_cast<std::uint32_t>(request_.status));

    std::vector<std::string> unreachable;
    std::string refusal;
    std::vector<std::string> targets = request_.seeds;
    for (std::size_t i = 0; i < targets.size() && i < 16; ++i) {
        const std::string& target = targets[i];
        auto stub = pb::Cluster::NewStub(net::make_channel(target, request_.credentials));
        grpc::ClientContext ctx;
        // The leader answers once the change is committed: allow for that.
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
        pb::JoinClusterResponse resp;
        grpc::Status st = stub->JoinCluster(&ctx, req, &resp);
        if (st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
            refusal = target +
                      " took the request but the configuration change did not commit within 3 s "
                      "(is a quorum of voters running?)";
            continue;
        }
        if (!st.ok()) {
            unreachable.push_back(target + " (" + st.error_message() + ")");
            continue;
        }
        auto code = static_cast<Code>(resp.error().code());
        if (code == Code::Ok) {
            spdlog::info(
                "[Node {}] JoinCluster accepted by leader {} at {}: added as a learner "
                "(index {}); now {}",
                request_.self, resp.leader_id(), target, resp.index(),
                describe(net::from_proto(resp.membership())));
            return true;
        }
        if (code == Code::NotLeader && !resp.error().leader_address().empty()) {
            std::string hint = config::dial_address(resp.error().leader_address());
            if (std::find(targets.begin(), targets.end(), hint) == targets.end() ||
                hint != target) {
                targets.insert(targets.begin() + static_cast<long>(i) + 1, hint);
            }
            continue;
        }
        switch (code) {
            case Code::NoLeader:
                refusal = target +
                          " knows no leader (no quorum of voters, or an election is "
                          "in progress)";
                break;
            case Code::Busy:
                refusal =
                    "the leader is busy with another configuration change (one at a "
                    "time): " +
                    resp.error().message();
                break;
            default:
                refusal = "refused by " + target + ": " + resp.error().message();
                break;
        }
    }
    if (!refusal.empty()) {
        *why = refusal;
    } else if (!unreachable.empty()) {
        std::string list;
        for (const auto& u : unreachable)
            list += (list.empty() ? "" : "; ") + u;
        *why = "no listed node is reachable: " + list +
               ". Check that the leader is running and that initial_cluster addresses are right";
    } else {
        *why = "initial_cluster lists no other node to ask";
    }
    return false;
}

}  // namespace raftlab::server
