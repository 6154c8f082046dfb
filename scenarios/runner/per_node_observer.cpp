// The worker-per-node machinery that StatusPoller and WatchObserver share.
#include <grpcpp/grpcpp.h>

#include "scenarios/runner/observer.h"

namespace raftlab::scenario {

namespace {

// What the handler hears about: reachability, role, term, leader, commit,
// membership. Applied and last index move too often to narrate.
bool differs(const NodeView& a, const NodeView& b) {
    return a.reachable != b.reachable || a.role != b.role || a.term != b.term ||
           a.leader != b.leader || a.commit_index != b.commit_index || a.voters != b.voters ||
           a.learners != b.learners;
}

}  // namespace

void PerNodeObserver::on_change(Handler handler) {
    std::lock_guard lock(handler_mu_);
    handler_ = std::move(handler);
}

void PerNodeObserver::end(Worker& w) {
    w.stop = true;
    {
        std::lock_guard c(w.call_mu);
        if (w.call) w.call->TryCancel();
    }
    if (w.thread.joinable()) w.thread.join();
}

void PerNodeObserver::watch(NodeId id, const std::string& address) {
    std::lock_guard lock(mu_);
    auto& w = workers_[id];
    if (w && w->address == address) return;
    if (w) end(*w);  // the node moved: observe it at its new address
    w = std::make_unique<Worker>();
    w->id = id;
    w->address = address;
    views_[id].id = id;
    w->thread = std::thread([this, p = w.get()] { run(*p); });
}

void PerNodeObserver::forget(NodeId id) {
    std::unique_ptr<Worker> w;
    {
        std::lock_guard lock(mu_);
        auto it = workers_.find(id);
        if (it == workers_.end()) return;
        w = std::move(it->second);
        workers_.erase(it);
        views_.erase(id);
    }
    end(*w);
}

std::map<NodeId, NodeView> PerNodeObserver::views() const {
    std::lock_guard lock(mu_);
    return views_;
}

void PerNodeObserver::stop() {
    std::map<NodeId, std::unique_ptr<Worker>> workers;
    {
        std::lock_guard lock(mu_);
        workers.swap(workers_);
    }
    for (auto& [id, w] : workers) {
        w->stop = true;
        std::lock_guard c(w->call_mu);
        if (w->call) w->call->TryCancel();
    }
    for (auto& [id, w] : workers)
        end(*w);
}

void PerNodeObserver::publish(const NodeView& view) {
    NodeView before, now;
    {
        std::lock_guard lock(mu_);
        auto& slot = views_[view.id];
        before = slot;
        if (view.reachable) {
            slot = view;
        } else {
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

void PerNodeObserver::sleep_unless(const std::atomic<bool>& stop, std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stop && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace raftlab::scenario
