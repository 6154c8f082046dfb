// Observing nodes through their Lab.Watch streams (engine/proto/lab.proto).
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>

#include "engine/proto/lab.grpc.pb.h"
#include "scenarios/runner/channel.h"
#include "scenarios/runner/observer.h"
#include "scenarios/runner/trace.h"

namespace raftlab::scenario {

namespace {

// Events per stream message when they queue up on the node (lab.proto
// max_batch): gRPC's cost is per message, and message events come in bursts.
constexpr std::uint32_t kMaxBatch = 64;

void fill(NodeView& v, const pb::NodeState& s) {
    copy_common_fields(v, s);
    v.voters.assign(s.voters().begin(), s.voters().end());
    v.learners.clear();
    for (const auto& m : s.learners())
        v.learners.push_back(m.id());
    std::sort(v.voters.begin(), v.voters.end());
    std::sort(v.learners.begin(), v.learners.end());
}

// Folds one event into the node's view; false if it does not change the view.
bool apply(NodeView& v, NodeId id, const pb::WatchEvent& ev) {
    if (ev.has_state()) {
        fill(v, ev.state());
    } else if (ev.has_role_changed()) {
        v.role = ev.role_changed().to();
        v.term = ev.role_changed().term();
        v.reason = ev.role_changed().reason();
        // RoleChanged does not name the leader; the next NodeState will.
        v.leader = v.role == kLeader ? id : 0;
    } else if (ev.has_entries_committed()) {
        v.commit_index = std::max(v.commit_index, ev.entries_committed().to());
    } else {
        return false;
    }
    return true;
}

}  // namespace

WatchObserver::WatchObserver(int state_interval_ms, int silence_ms)
    : state_interval_ms_(state_interval_ms), silence_ms_(silence_ms) {
    silence_thread_ = std::thread([this] { silence_loop(); });
}

WatchObserver::~WatchObserver() {
    stop();
}

void WatchObserver::record_events(EventSink sink, bool messages) {
    sink_ = std::move(sink);
    messages_ = messages;
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

void WatchObserver::stop() {
    stopping_ = true;
    PerNodeObserver::stop();
    if (silence_thread_.joinable()) silence_thread_.join();
}

void WatchObserver::silence_loop() {
    while (!stopping_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::vector<NodeView> silent;
        {
            std::lock_guard lock(mu_);
            const std::int64_t now = mono_ns();
            for (auto& [id, w] : workers_) {
                const std::int64_t quiet = now - w->last_heard_ns.load();
                if (w->live && quiet > std::int64_t{silence_ms_} * 1000000) {
                    w->live = false;
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

bool WatchObserver::read_stream(Worker& w, const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = pb::Lab::NewStub(channel);
    grpc::ClientContext ctx;
    {
        std::lock_guard c(w.call_mu);
        if (w.stop) return true;
        w.call = &ctx;
    }
    pb::WatchRequest req;
    req.set_state_interval_ms(static_cast<std::uint32_t>(state_interval_ms_));
    req.set_include_messages(messages_);
    req.set_max_batch(kMaxBatch);
    auto reader = stub->Watch(&ctx, req);
    NodeView v;
    {
        std::lock_guard lock(mu_);
        v = views_[w.id];
    }
    auto take = [&](const pb::WatchEvent& ev) {
        if (sink_) sink_(w.id, ev);
        // An event stamped before what the view already shows (the stream's
        // first NodeState is taken after events still queued) would move
        // the view back in time: a term seen to go down.
        if (v.reachable && ev.mono_ns() < v.t_ns) return;
        v.id = w.id;
        v.t_ns = ev.mono_ns();
        v.reachable = true;
        v.error.clear();
        if (apply(v, w.id, ev)) publish(v);
    };
    pb::WatchEvent ev;
    while (reader->Read(&ev)) {
        w.last_heard_ns = mono_ns();
        w.live = true;
        if (ev.batch_size() > 0) {
            for (const auto& inner : ev.batch())
                take(inner);
        } else {
            take(ev);
        }
    }
    grpc::Status st = reader->Finish();
    {
        std::lock_guard c(w.call_mu);
        w.call = nullptr;
    }
    if (w.stop) return true;  // cancelled by stop(): the node did not go away
    if (st.error_code() == grpc::StatusCode::UNIMPLEMENTED) return false;
    w.live = false;
    NodeView down;
    down.id = w.id;
    down.t_ns = mono_ns();
    down.error = st.error_message();
    publish(down);
    return true;
}

void WatchObserver::run(Worker& w) {
    auto channel = lab_channel(w.address);
    bool poll_instead = false;  // the node has no Lab service (no --lab)
    while (!w.stop) {
        if (channel->GetState(true) != GRPC_CHANNEL_READY) {
            // Drive the connect ourselves (see StatusPoller::run).
            channel->WaitForConnected(std::chrono::system_clock::now() +
                                      std::chrono::milliseconds(500));
        }
        if (w.stop) break;
        if (poll_instead) {
            NodeView v = poll_status(w.id, channel, 200);
            if (v.reachable) {
                w.last_heard_ns = v.t_ns;
                w.live = true;
            }
            publish(v);
            sleep_unless(w.stop, std::chrono::milliseconds(state_interval_ms_));
            continue;
        }
        if (!read_stream(w, channel)) {
            poll_instead = true;
            ++polled_fallbacks_;
            continue;
        }
        sleep_unless(w.stop, std::chrono::milliseconds(50));
    }
}

}  // namespace raftlab::scenario
