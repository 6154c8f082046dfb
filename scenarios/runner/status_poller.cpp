// Observing nodes by polling Cluster.Status.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>

#include "engine/proto/cluster.grpc.pb.h"
#include "scenarios/runner/channel.h"
#include "scenarios/runner/observer.h"
#include "scenarios/runner/trace.h"

namespace raftlab::scenario {

const char* role_name(std::uint32_t role) {
    switch (role) {
        case kFollower:
            return "Follower";
        case kCandidate:
            return "Candidate";
        case kLeader:
            return "Leader";
        case kLearner:
            return "Learner";
        case kPreCandidate:
            return "PreCandidate";
    }
    return "?";
}

NodeView poll_status(NodeId id, const std::shared_ptr<grpc::Channel>& channel, int deadline_ms) {
    auto stub = pb::Cluster::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
    pb::StatusRequest req;
    pb::StatusResponse resp;
    grpc::Status st = stub->Status(&ctx, req, &resp);
    NodeView v;
    v.id = id;
    v.t_ns = mono_ns();
    if (!st.ok()) {
        v.error = st.error_message();
        return v;
    }
    v.reachable = true;
    copy_common_fields(v, resp);
    for (const auto& m : resp.membership().members()) {
        (m.voter() ? v.voters : v.learners).push_back(m.id());
    }
    std::sort(v.voters.begin(), v.voters.end());
    std::sort(v.learners.begin(), v.learners.end());
    return v;
}

StatusPoller::StatusPoller(int interval_ms, int rpc_deadline_ms)
    : interval_ms_(interval_ms), rpc_deadline_ms_(rpc_deadline_ms) {}

StatusPoller::~StatusPoller() {
    stop();
}

std::string StatusPoller::how() const {
    return "Cluster.Status polling every " + std::to_string(interval_ms_) + " ms";
}

void StatusPoller::run(Worker& target) {
    auto channel = lab_channel(target.address);
    auto next = std::chrono::steady_clock::now();
    while (!target.stop) {
        // A connect is only driven while some thread polls for it; a 200 ms
        // call that expires mid-connect leaves it to gRPC's 5 s backup
        // poller, and a node that just started would look dead for 5 s.
        // So wait for the connection itself first (bounded), then ask.
        if (channel->GetState(true) != GRPC_CHANNEL_READY) {
            channel->WaitForConnected(std::chrono::system_clock::now() +
                                      std::chrono::milliseconds(500));
        }
        NodeView v = poll_status(target.id, channel, rpc_deadline_ms_);
        if (target.stop) break;
        publish(v);
        next += std::chrono::milliseconds(interval_ms_);
        auto now = std::chrono::steady_clock::now();
        if (next < now) next = now;
        sleep_unless(target.stop, std::chrono::duration_cast<std::chrono::milliseconds>(
                                      next - std::chrono::steady_clock::now()));
    }
}

}  // namespace raftlab::scenario
