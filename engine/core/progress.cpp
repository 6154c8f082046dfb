#include "engine/core/progress.h"

#include <algorithm>

namespace raftlab::core {

bool Peer::paused(const Config& cfg) const {
    switch (pr.state) {
        case Progress::State::Probe:
            return probe_sent;
        case Progress::State::Replicate:
            return pr.inflight_msgs >= cfg.max_inflight_msgs ||
                   (cfg.max_inflight_bytes != 0 && pr.inflight_bytes >= cfg.max_inflight_bytes);
        case Progress::State::Snapshot:
            return true;
    }
    return true;
}

void Peer::become_probe(Index next_index) {
    pr.state = Progress::State::Probe;
    pr.next_index = std::max(next_index, pr.match_index + 1);
    pr.pending_snapshot = 0;
    probe_sent = false;
    inflights.clear();
    pr.inflight_msgs = 0;
    pr.inflight_bytes = 0;
}

void Peer::become_replicate() {
    pr.state = Progress::State::Replicate;
    pr.next_index = pr.match_index + 1;
    pr.pending_snapshot = 0;
    probe_sent = false;
    inflights.clear();
    pr.inflight_msgs = 0;
    pr.inflight_bytes = 0;
}

void Peer::become_snapshot(Index snapshot_index, std::uint64_t now) {
    pr.state = Progress::State::Snapshot;
    pr.pending_snapshot = snapshot_index;
    snapshot_sent_tick = now;
    probe_sent = false;
    inflights.clear();
    pr.inflight_msgs = 0;
    pr.inflight_bytes = 0;
}

void Peer::add_inflight(Index last, std::size_t bytes) {
    inflights.emplace_back(last, bytes);
    pr.inflight_msgs = inflights.size();
    pr.inflight_bytes += bytes;
}

void Peer::free_inflights_to(Index index) {
    while (!inflights.empty() && inflights.front().first <= index) {
        pr.inflight_bytes -= std::min(pr.inflight_bytes, inflights.front().second);
        inflights.pop_front();
    }
    pr.inflight_msgs = inflights.size();
}

}  // namespace raftlab::core
