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

struct StatusPoller::Target {
    NodeId id = 0;
    std::string address;
    std::atomic<bool> stop{false};
    std::thread thread;
};

namespace {

bool differs(const NodeView& a, const NodeView& b) {
    return a.reachable != b.reachable || a.role != b.role || a.term != b.term ||
           a.leader != b.leader || a.commit_index != b.commit_index || a.voters != b.voters ||
           a.learners != b.learners;
}

}  // namespace

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
    v.role = resp.role();
    v.term = resp.term();
    v.vote = resp.vote();
    v.leader = resp.leader_id();
    v.commit_index = resp.commit_index();
    v.applied_index = resp.applied_index();
    v.first_index = resp.first_index();
    v.last_index = resp.last_index();
    v.snapshot_index = resp.snapshot_index();
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

void StatusPoller::on_change(Handler handler) {
    std::lock_guard lock(handler_mu_);
    handler_ = std::move(handler);
}

std::string StatusPoller::how() const {
    return "Cluster.Status polling every " + std::to_string(interval_ms_) + " ms";
}

void StatusPoller::watch(NodeId id, const std::string& address) {
    std::lock_guard lock(mu_);
    auto& t = targets_[id];
    if (t && t->address == address) return;
    if (t) {
        t->stop = true;
        t->thread.join();
    }
    t = std::make_unique<Target>();
    t->id = id;
    t->address = address;
    views_[id].id = id;
    t->thread = std::thread([this, p = t.get()] { poll_loop(p); });
}

void StatusPoller::forget(NodeId id) {
    std::unique_ptr<Target> t;
    {
        std::lock_guard lock(mu_);
        auto it = targets_.find(id);
        if (it == targets_.end()) return;
        t = std::move(it->second);
        targets_.erase(it);
        views_.erase(id);
    }
    t->stop = true;
    t->thread.join();
}

std::map<NodeId, NodeView> StatusPoller::views() const {
    std::lock_guard lock(mu_);
    return views_;
}

void StatusPoller::stop() {
    std::map<NodeId, std::unique_ptr<Target>> targets;
    {
        std::lock_guard lock(mu_);
        targets.swap(targets_);
    }
    for (auto& [id, t] : targets)
        t->stop = true;
    for (auto& [id, t] : targets)
        t->thread.join();
}

void StatusPoller::publish(const NodeView& view) {
    NodeView before;
    {
        std::lock_guard lock(mu_);
        auto& slot = views_[view.id];
        before = slot;
        slot = view;
        if (!view.reachable) {
            // Keep the last known state so a paused node still shows what it
            // believed when it stopped answering.
            NodeView kept = before;
            kept.id = view.id;
            kept.reachable = false;
            kept.t_ns = view.t_ns;
            kept.error = view.error;
            slot = kept;
        }
    }
    NodeView now;
    {
        std::lock_guard lock(mu_);
        now = views_[view.id];
    }
    if (!differs(now, before)) return;
    std::lock_guard lock(handler_mu_);
    if (handler_) handler_(now, before);
}

void StatusPoller::poll_loop(Target* target) {
    auto channel = lab_channel(target->address);
    auto next = std::chrono::steady_clock::now();
    while (!target->stop) {
        // A connect is only driven while some thread polls for it; a 200 ms
        // call that expires mid-connect leaves it to gRPC's 5 s backup
        // poller, and a node that just started would look dead for 5 s.
        // So wait for the connection itself first (bounded), then ask.
        if (channel->GetState(true) != GRPC_CHANNEL_READY) {
            channel->WaitForConnected(std::chrono::system_clock::now() +
                                      std::chrono::milliseconds(500));
        }
        NodeView v = poll_status(target->id, channel, rpc_deadline_ms_);
        if (target->stop) break;
        publish(v);
        next += std::chrono::milliseconds(interval_ms_);
        auto now = std::chrono::steady_clock::now();
        if (next < now) next = now;
        // Sleep in short slices so stop() returns quickly.
        while (!target->stop && std::chrono::steady_clock::now() < next) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
}

}  // namespace raftlab::scenario
