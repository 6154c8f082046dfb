#include "gui/live/live_watch_source.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <limits>
#include <set>
#include <thread>

#include "engine/proto/lab.grpc.pb.h"
#include "gui/live/watch_mapping.h"
#include "scenarios/runner/channel.h"

namespace raftlab::gui {

std::int64_t monotonic_now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

namespace {
// Events younger than this wait one more round before they are delivered:
// another node's older event may still be on its way through its stream,
// and the history wants time order. Well under one frame of latency.
constexpr std::int64_t kReorderWindowNs = 15'000'000;
// A stream that has said nothing for this long (a paused node, a frozen
// clock) stops holding the others back.
constexpr std::int64_t kMaxHoldNs = 300'000'000;
// The UI thread takes what the merge thread folded at most this often.
constexpr int kDeliverEveryMs = 33;
// Events per Watch stream message when a node's events queue up.
constexpr std::uint32_t kMaxBatch = 64;
// How often a closed stream is retried. A restarting node takes a few
// hundred ms to listen, so this adds little to what a person sees.
constexpr auto kRetryEvery = std::chrono::milliseconds(100);
}  // namespace

struct LiveWatchSource::Stream {
    NodeId id = kNoNode;
    std::string address;
    std::thread thread;
    std::mutex mu;
    std::condition_variable wake;
    bool stopping = false;                   // guarded by mu
    grpc::ClientContext* context = nullptr;  // guarded by mu: the open stream, to cancel it
    // The newest event time read from this stream (ns since the origin);
    // kIdle while the stream is not open. The merge waits for the slowest
    // open stream, so an event is never delivered before an older one of
    // another node.
    std::atomic<std::int64_t> latest_ns{kIdle};
    static constexpr std::int64_t kIdle = std::numeric_limits<std::int64_t>::max();
};

LiveWatchSource::LiveWatchSource(std::int64_t origin_ns, QObject* parent)
    : EventSource(parent), origin_ns_(origin_ns), merge_([this] { return horizon(); }) {
    timer_.setInterval(kDeliverEveryMs);
    connect(&timer_, &QTimer::timeout, this, &LiveWatchSource::deliver);
}

LiveWatchSource::~LiveWatchSource() {
    stop();
}

void LiveWatchSource::start() {
    merge_.start();
    timer_.start();
}

void LiveWatchSource::stop() {
    timer_.stop();
    merge_.stop();
    std::map<NodeId, std::unique_ptr<Stream>> streams;
    {
        std::lock_guard lock(mu_);
        streams.swap(streams_);
    }
    for (auto& [id, s] : streams) {
        {
            std::lock_guard lock(s->mu);
            s->stopping = true;
            if (s->context) s->context->TryCancel();
        }
        s->wake.notify_all();
    }
    for (auto& [id, s] : streams)
        if (s->thread.joinable()) s->thread.join();
}

QString LiveWatchSource::description() const {
    return tr("Live: Lab.Watch on %1 nodes").arg(watched());
}

std::size_t LiveWatchSource::watched() const {
    std::lock_guard lock(mu_);
    return streams_.size();
}

std::int64_t LiveWatchSource::now_ns() const {
    return monotonic_now_ns() - origin_ns_;
}

void LiveWatchSource::watch(NodeId id, const std::string& lab_address) {
    std::lock_guard lock(mu_);
    auto& slot = streams_[id];
    if (slot && slot->address == lab_address) return;  // already streaming (it reconnects itself)
    if (slot) {
        // The node moved (restarted on another port): retire the old stream.
        {
            std::lock_guard l(slot->mu);
            slot->stopping = true;
            if (slot->context) slot->context->TryCancel();
        }
        slot->wake.notify_all();
        slot->thread.join();
    }
    slot = std::make_unique<Stream>();
    slot->id = id;
    slot->address = lab_address;
    Stream* s = slot.get();
    s->thread = std::thread([this, s] { run(s); });
}

void LiveWatchSource::forget(NodeId id) {
    std::unique_ptr<Stream> s;
    {
        std::lock_guard lock(mu_);
        auto it = streams_.find(id);
        if (it == streams_.end()) return;
        s = std::move(it->second);
        streams_.erase(it);
    }
    {
        std::lock_guard lock(s->mu);
        s->stopping = true;
        if (s->context) s->context->TryCancel();
    }
    s->wake.notify_all();
    s->thread.join();
}

void LiveWatchSource::inject(Event e) {
    e.t_ns = now_ns();
    e.t_ms = e.t_ns / 1'000'000;
    std::vector<Event> one;
    one.push_back(std::move(e));
    push(std::move(one));
}

void LiveWatchSource::push(std::vector<Event>&& events) {
    {
        std::lock_guard lock(mu_);
        for (const auto& e : events) {
            if (!e.live) continue;
            for (NodeId v : e.live->voters)
                if (!streams_.count(v)) seen_.push_back(v);
            for (const auto& [l, p] : e.live->learners)
                if (!streams_.count(l)) seen_.push_back(l);
        }
    }
    merge_.push(std::move(events));
}

void LiveWatchSource::run(Stream* s) {
    auto channel = scenario::lab_channel(s->address);
    auto stub = pb::Lab::NewStub(channel);
    bool was_connected = false;
    for (;;) {
        grpc::ClientContext context;
        {
            std::lock_guard lock(s->mu);
            if (s->stopping) return;
            s->context = &context;
        }
        pb::WatchRequest request;
        request.set_include_heartbeats(true);
        request.set_include_messages(true);
        request.set_include_entries(true);
        request.set_include_client(true);
        // A fresh state five times a second keeps the timer rings, match
        // and next indexes and membership exact without inferring them.
        request.set_state_interval_ms(200);
        // A busy node sends up to 64 events per stream message (lab.proto,
        // WatchEvent.batch): gRPC's cost is per message, not per byte.
        request.set_max_batch(kMaxBatch);
        auto reader = stub->Watch(&context, request);
        pb::WatchEvent w;
        std::vector<Event> batch;
        auto take = [&](const pb::WatchEvent& one) {
            s->latest_ns.store(one.mono_ns() - origin_ns_);
            if (one.dropped_before() > 0) dropped_ += one.dropped_before();
            append_events(one, origin_ns_, batch);
            // Hand over in small batches so the lock is short and rare.
            if (batch.size() >= 64 || one.event_case() == pb::WatchEvent::kState) {
                push(std::move(batch));
                batch.clear();
            }
        };
        while (reader->Read(&w)) {
            was_connected = true;
            if (w.batch_size() > 0) {
                for (const auto& one : w.batch())
                    take(one);
            } else {
                take(w);
            }
        }
        if (!batch.empty()) push(std::move(batch));
        s->latest_ns.store(Stream::kIdle);
        const grpc::Status finished = reader->Finish();
        if (!finished.ok() && qEnvironmentVariableIsSet("RAFTLAB_GUI_DEBUG")) {
            std::fprintf(stderr, "raftlab: Watch on node %llu at %s ended: %s\n",
                         static_cast<unsigned long long>(s->id), s->address.c_str(),
                         finished.error_message().c_str());
        }
        {
            std::lock_guard lock(s->mu);
            s->context = nullptr;
            if (s->stopping) return;
        }
        if (was_connected) {
            // The stream broke: the node died, stopped or is restarting.
            // Whoever knows why (the supervisor) says so too; this is what
            // the watcher itself can tell.
            was_connected = false;
            Event e;
            e.kind = EventKind::Fault;
            e.kind_name = "fault";
            e.node = s->id;
            e.what = "unreachable";
            e.text = "its Watch stream ended";
            inject(std::move(e));
        }
        std::unique_lock lock(s->mu);
        s->wake.wait_for(lock, kRetryEvery, [s] { return s->stopping; });
        if (s->stopping) return;
    }
}

std::int64_t LiveWatchSource::horizon() const {
    // Events younger than the reorder window, or newer than the slowest
    // open stream's newest event (unless it has been quiet too long), wait:
    // an older event of another node may still be on its way.
    const std::int64_t now = now_ns();
    std::int64_t horizon = now - kReorderWindowNs;
    std::lock_guard lock(mu_);
    for (const auto& [id, st] : streams_) {
        const std::int64_t latest = st->latest_ns.load();
        if (latest != Stream::kIdle && latest > now - kMaxHoldNs) {
            horizon = std::min(horizon, latest);
        }
    }
    return horizon;
}

void LiveWatchSource::deliver() {
    std::vector<NodeId> seen;
    {
        std::lock_guard lock(mu_);
        seen.swap(seen_);
    }
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (NodeId id : seen)
        if (announced_.insert(id).second) emit memberSeen(id);
    if (auto batch = merge_.take()) emit eventsFolded(batch);
}

}  // namespace raftlab::gui
