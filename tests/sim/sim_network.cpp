// The simulated network: seeded delay (hence reordering), loss, duplication,
// and partitions that act at send time and at delivery time.
#include <algorithm>

#include "tests/sim/sim_cluster.h"
#include "tests/sim/sim_event.h"

namespace raftlab::sim {

using core::Message;
using core::MessageType;
using core::Ready;
using core::Role;

// ---- network -----------------------------------------------------------------

void Cluster::block(NodeId from, NodeId to) {
    blocked_.insert({from, to});
    if (trace_.enabled()) {
        TraceLine line(now_, from, "fault");
        line.str("what", "block").unum("to", to);
        trace_.write(line);
    }
}

void Cluster::isolate(NodeId id) {
    for (const auto& [other, n] : nodes_) {
        if (other == id) continue;
        blocked_.insert({id, other});
        blocked_.insert({other, id});
    }
    note(id, "fault", "isolate");
}

void Cluster::rejoin(NodeId id) {
    for (auto it = blocked_.begin(); it != blocked_.end();) {
        it = it->first == id || it->second == id ? blocked_.erase(it) : std::next(it);
    }
    note(id, "fault", "rejoin");
}

void Cluster::partition(const std::vector<NodeId>& side) {
    std::set<NodeId> a(side.begin(), side.end());
    std::string names;
    for (const auto& [x, nx] : nodes_) {
        for (const auto& [y, ny] : nodes_) {
            if (a.count(x) != a.count(y)) blocked_.insert({x, y});
        }
        if (a.count(x)) names += (names.empty() ? "" : ",") + std::to_string(x);
    }
    note(core::kNoNode, "fault", "partition", "{" + names + "} | rest");
}

void Cluster::heal() {
    blocked_.clear();
    note(core::kNoNode, "fault", "heal");
}

void Cluster::drop(const Message& m, const char* reason) {
    ++stats_.messages_dropped;
    if (!trace_.enabled()) return;
    TraceLine line(now_, m.to, "drop");
    line.str("type", core::to_string(m.type))
        .unum("from", m.from)
        .unum("to", m.to)
        .str("reason", reason);
    trace_.write(line);
}

void Cluster::send(SimNode& n, const Message& original) {
    Message m = original;
    ++stats_.messages_sent;
    ++stats_.messages_by_type[static_cast<int>(m.type) & 15];
    bool image_gone = false;
    if (m.type == MessageType::Snapshot && m.snapshot && m.snapshot->data.empty()) {
        // Like the real transport, stream the image from storage. If the node
        // compacted again since the core queued the message, that image is
        // gone and the send fails, as it would over gRPC; the core must retry.
        const Index want = m.snapshot->meta.index;
        if (n.store.snapshot && n.store.snapshot->meta.index == want) {
            m.snapshot->data = n.store.snapshot->data;
        } else if (want > n.store.snapshot_index()) {
            checker_.fail(now_, n.id, "Driver Contract",
                          "node " + std::to_string(n.id) + " sent a snapshot at index " +
                              std::to_string(want) + " but its store only holds one at " +
                              std::to_string(n.store.snapshot_index()));
        } else {
            image_gone = true;
        }
    }
    if (trace_.enabled()) {
        TraceLine line(now_, n.id, "send");
        line.str("type", core::to_string(m.type))
            .unum("to", m.to)
            .unum("term", m.term)
            .unum("index", m.index)
            .unum("log_term", m.log_term)
            .unum("entries", m.entries.size())
            .unum("commit", m.commit);
        if (m.reject) line.flag("reject", true);
        if (m.snapshot) line.unum("snapshot_index", m.snapshot->meta.index);
        trace_.write(line);
    }
    if (image_gone) return drop(m, "snapshot image replaced by a newer one");
    if (filter_ && !filter_(m)) return drop(m, "filter");
    if (blocked(m.from, m.to)) return drop(m, "partition");
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    if (options_.net.drop > 0 && coin(rng_) < options_.net.drop) return drop(m, "loss");
    const int copies = options_.net.duplicate > 0 && coin(rng_) < options_.net.duplicate ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
        Event ev;
        const int span = options_.net.max_delay_ms - options_.net.min_delay_ms;
        ev.t = now_ + options_.net.min_delay_ms +
               (span > 0 ? static_cast<int>(rng_() % (span + 1)) : 0);
        ev.kind = Event::Kind::Deliver;
        ev.node = m.to;
        ev.msg = m;
        schedule(std::move(ev));
    }
}

void Cluster::inject(const Message& m, std::int64_t delay_ms) {
    Event ev;
    ev.t = now_ + std::max<std::int64_t>(0, delay_ms);
    ev.kind = Event::Kind::Deliver;
    ev.node = m.to;
    ev.msg = m;
    schedule(std::move(ev));
}

void Cluster::deliver(Message& m) {
    auto it = nodes_.find(m.to);
    if (it == nodes_.end() || !it->second.up) return drop(m, "node down");
    if (blocked(m.from, m.to)) return drop(m, "partition");
    if (trace_.enabled()) {
        TraceLine line(now_, m.to, "recv");
        line.str("type", core::to_string(m.type))
            .unum("from", m.from)
            .unum("term", m.term)
            .unum("index", m.index)
            .unum("log_term", m.log_term)
            .unum("entries", m.entries.size())
            .unum("commit", m.commit);
        if (m.reject) line.flag("reject", true);
        trace_.write(line);
    }
    it->second.raft->step(m);
    after_input(it->second);
}

}  // namespace raftlab::sim
