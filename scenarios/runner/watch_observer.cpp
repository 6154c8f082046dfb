// Observing nodes through their Lab.Watch streams (engine/proto/lab.proto).
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>

#include "engine/proto/lab.grpc.pb.h"
#include "scenarios/runner/channel.h"
#include "scenarios/runner/observer.h"
#include "scenarios/runner/trace.h"

namespace raftlab::scenario {

struct WatchObserver::Stream {
    NodeId id = 0;
    std::string address;
    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> last_event_ns{0};
    std::atomic<bool> live{false};  // a stream is open and has spoken recently
    std::mutex ctx_mu;
    grpc::ClientContext* ctx = nullptr;  // the open Watch call, to cancel it
    std::thread thread;
};

namespace {

bool differs(const NodeView& a, const NodeView& b) {
    return a.reachable != b.reachable || a.role != b.role || a.term != b.term ||
           a.leader != b.leader || a.commit_index != b.commit_index || a.voters != b.voters ||
           a.learners != b.learners;
}

void fill(NodeView& v, const pb::NodeState& s) {
    v.role = s.role();
    v.term = s.term();
    v.vote = s.vote();
    v.leader = s.leader_id();
    v.commit_index = s.commit_index();
    v.applied_index = s.applied_index();
    v.first_index = s.first_index();
    v.last_index = s.last_index();
    v.snapshot_index = s.snapshot_index();
    v.voters.assign(s.voters().begin(), s.voters().end());
    v.learners.clear();
    for (const auto& m : s.learners())
        v.learners.push_back(m.id());
    std::sort(v.voters.begin(), v.voters.end());
    std::sort(v.learners.begin(), v.learners.end());
}

void sleep_unless(const std::atomic<bool>& stop, std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stop && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace

WatchObserver::WatchObserver(int state_interval_ms, int silence_ms)
    : state_interval_ms_(state_interval_ms), silence_ms_(silence_ms) {
    silence_thread_ = std::thread([this] { silence_loop(); });
}

WatchObserver::~WatchObserver() {
    stop();
}

void WatchObserver::on_change(Handler handler) {
    std::lock_guard lock(handler_mu_);
    handler_ = std::move(handler);
}

std::string WatchObserver::how() const {
    std::string out = "Lab.Watch streams (NodeState every " + std::to_string(state_interval_ms_) +
                      " ms, role changes as they happen)";
    if (polled_fallbacks_ > 0) {
        out += "; Cluster.Status polling for " + std::to_string(polled_fallbacks_.load()) +
               " node(s) without the Lab service";
    }
    return out;
}

void WatchObserver::watch(NodeId id, const std::string& address) {
    std::lock_guard lock(mu_);
    auto& s = streams_[id];
    if (s && s->address == address) return;
    if (s) {
        s->stop = true;
        {
            std::lock_guard c(s->ctx_mu);
            if (s->ctx) s->ctx->TryCancel();
        }
        s->thread.join();
    }
    s = std::make_unique<Stream>();
    s->id = id;
    s->address = address;
    views_[id].id = id;
    s->thread = std::thread([this, p = s.get()] { stream_loop(p); });
}

void WatchObserver::forget(NodeId id) {
    std::unique_ptr<Stream> s;
    {
        std::lock_guard lock(mu_);
        auto it = streams_.find(id);
        if (it == streams_.end()) return;
        s = std::move(it->second);
        streams_.erase(it);
        views_.erase(id);
    }
    s->stop = true;
    {
        std::lock_guard c(s->ctx_mu);
        if (s->ctx) s->ctx->TryCancel();
    }
    s->thread.join();
}

std::map<NodeId, NodeView> WatchObserver::views() const {
    std::lock_guard lock(mu_);
    return views_;
}

void WatchObserver::stop() {
    stopping_ = true;
    std::map<NodeId, std::unique_ptr<Stream>> streams;
    {
        std::lock_guard lock(mu_);
        streams.swap(streams_);
    }
    for (auto& [id, s] : streams) {
        s->stop = true;
        std::lock_guard c(s->ctx_mu);
        if (s->ctx) s->ctx->TryCancel();
    }
    for (auto& [id, s] : streams)
        s->thread.join();
    if (silence_thread_.joinable()) silence_thread_.join();
}

void WatchObserver::publish(const NodeView& view) {
    NodeView before, now;
    {
        std::lock_guard lock(mu_);
        auto& slot = views_[view.id];
        before = slot;
        if (view.reachable) {
            slot = view;
        } else {
            // Keep what the node last said, so a paused leader still shows
            // what it believed when it fell silent.
            slot.id = view.id;
            slot.reachable = false;
            slot.t_ns = view.t_ns;
            slot.error = view.error;
        }
        now = slot;
    }
    if (!differs(now, before)) return;
    std::lock_guard lock(handler_mu_);
    if (handler_) handler_(now, before);
}

void WatchObserver::silence_loop() {
    while (!stopping_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::vector<NodeView> silent;
        {
            std::lock_guard lock(mu_);
            const std::int64_t now = mono_ns();
            for (auto& [id, s] : streams_) {
                const std::int64_t quiet = now - s->last_event_ns.load();
                if (s->live && quiet > std::int64_t{silence_ms_} * 1000000) {
                    s->live = false;
                    NodeView v;
                    v.id = id;
                    v.t_ns = now;
                    v.error = "no Watch event for " + std::to_string(quiet / 1000000) +
                              " ms (paused or hung?)";
                    silent.push_back(v);
                }
            }
        }
        for (const auto& v : silent)
            publish(v);
    }
}

void WatchObserver::stream_loop(Stream* s) {
    auto channel = lab_channel(s->address);
    auto stub = pb::Lab::NewStub(channel);
    bool poll_instead = false;  // the node has no Lab service (no --lab)
    while (!s->stop) {
        if (channel->GetState(true) != GRPC_CHANNEL_READY) {
            // Drive the connect ourselves (see StatusPoller::poll_loop).
            channel->WaitForConnected(std::chrono::system_clock::now() +
                                      std::chrono::milliseconds(500));
        }
        if (s->stop) break;
        if (poll_instead) {
            NodeView v = poll_status(s->id, channel, 200);
            if (v.reachable) {
                s->last_event_ns = v.t_ns;
                s->live = true;
            }
            publish(v);
            sleep_unless(s->stop, std::chrono::milliseconds(state_interval_ms_));
            continue;
        }
        grpc::ClientContext ctx;
        {
            std::lock_guard c(s->ctx_mu);
            if (s->stop) break;
            s->ctx = &ctx;
        }
        pb::WatchRequest req;
        req.set_state_interval_ms(static_cast<std::uint32_t>(state_interval_ms_));
        auto reader = stub->Watch(&ctx, req);
        NodeView v;
        {
            std::lock_guard lock(mu_);
            v = views_[s->id];
        }
        pb::WatchEvent ev;
        while (reader->Read(&ev)) {
            s->last_event_ns = mono_ns();
            s->live = true;
            v.id = s->id;
            v.t_ns = ev.mono_ns();
            v.reachable = true;
            v.error.clear();
            if (ev.has_state()) {
                fill(v, ev.state());
            } else if (ev.has_role_changed()) {
                v.role = ev.role_changed().to();
                v.term = ev.role_changed().term();
                v.reason = ev.role_changed().reason();
                // RoleChanged does not name the leader; the next NodeState will.
                v.leader = v.role == kLeader ? s->id : 0;
            } else if (ev.has_entries_committed()) {
                v.commit_index = std::max(v.commit_index, ev.entries_committed().to());
            } else {
                continue;
            }
            publish(v);
        }
        grpc::Status st = reader->Finish();
        {
            std::lock_guard c(s->ctx_mu);
            s->ctx = nullptr;
        }
        if (s->stop) break;  // cancelled by stop(): the node did not go away
        if (st.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
            poll_instead = true;
            ++polled_fallbacks_;
            continue;
        }
        s->live = false;
        NodeView down;
        down.id = s->id;
        down.t_ns = mono_ns();
        down.error = st.error_message();
        publish(down);
        sleep_unless(s->stop, std::chrono::milliseconds(50));
    }
}

}  // namespace raftlab::scenario
