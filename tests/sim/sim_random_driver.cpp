#include "tests/sim/sim_random_driver.h"

#include <algorithm>

namespace raftlab::sim {
namespace {

template <typename T>
T pick(std::mt19937_64& r, const std::vector<T>& v) {
    return v[r() % v.size()];
}

bool chance(std::mt19937_64& r, double p) {
    return std::uniform_real_distribution<double>(0.0, 1.0)(r) < p;
}

}  // namespace

RandomDriver::RandomDriver(Cluster& c, const Profile& p, std::uint64_t seed)
    : c_(c), p_(p), r_(seed ^ 0xA5A5A5A5ull) {}

void RandomDriver::step() {
    ++step_;
    doom_new_leader();
    if (chance(r_, p_.propose)) propose();
    if (chance(r_, p_.read)) read();
    if (chance(r_, p_.crash)) crash();
    if (chance(r_, p_.restart)) restart();
    if (chance(r_, p_.partition)) partition();
    if (chance(r_, p_.heal)) c_.heal();
    if (chance(r_, p_.member)) membership();
    if (chance(r_, p_.transfer)) transfer();
}

std::string RandomDriver::key() {
    return "k" + std::to_string(r_() % 5);
}

// A leader that dies before its first entry of its term is replicated is
// the heart of Figure 8; the "figure8" profile makes that common.
void RandomDriver::doom_new_leader() {
    const NodeId l = c_.leader();
    if (l != core::kNoNode && c_.raft(l).term() > newest_term_) {
        newest_term_ = c_.raft(l).term();
        if (p_.crash_new_leader > 0 && chance(r_, p_.crash_new_leader)) {
            doomed_ = l;
            // Early: its first entry is still in flight (Figure 8's S5).
            // Later: it has counted old-term replicas but its own entry
            // has not landed yet (Figure 8's S1 in (c)).
            doom_step_ = step_ + static_cast<int>(chance(r_, 0.5) ? r_() % 3 : 3 + r_() % 10);
        }
    }
    if (doomed_ != core::kNoNode && step_ >= doom_step_) {
        // Cut off, it keeps its unreplicated entries and whatever is in
        // flight to it is lost; it rejoins on its own 50..300 ms later.
        if (chance(r_, 0.2)) {
            c_.crash(doomed_);
        } else {
            c_.isolate(doomed_);
            exiles_.push_back({doomed_, step_ + 5 + static_cast<int>(r_() % 26)});
        }
        doomed_ = core::kNoNode;
    }
    for (auto it = exiles_.begin(); it != exiles_.end();) {
        if (step_ < it->second) {
            ++it;
            continue;
        }
        c_.rejoin(it->first);
        it = exiles_.erase(it);
    }
}

NodeId RandomDriver::client_target() {
    // Clients mostly find the leader; sometimes they ask whoever is near.
    const NodeId l = c_.leader();
    const auto up = c_.up_ids();
    if (up.empty()) return core::kNoNode;
    if (l != core::kNoNode && chance(r_, 0.8)) return l;
    return pick(r_, up);
}

void RandomDriver::propose() {
    const NodeId at = client_target();
    if (at == core::kNoNode) return;
    // Clients bound their requests in flight, so a slow cluster is not
    // buried under a backlog it cannot drain within the liveness bound.
    const core::Raft& r = c_.raft(at);
    if (r.role() == core::Role::Leader && r.last_index() > r.commit_index() + p_.max_backlog)
        return;
    c_.put(at, key());
}

void RandomDriver::read() {
    const auto up = c_.up_ids();
    if (!up.empty()) c_.read(pick(r_, up), key());  // leaders and followers alike
}

void RandomDriver::crash() {
    const auto up = c_.up_ids();
    if (up.empty()) return;
    // Leaders are the interesting victims: half the crashes hit one.
    const NodeId l = c_.leader();
    c_.crash(l != core::kNoNode && chance(r_, p_.leader_bias) ? l : pick(r_, up));
}

void RandomDriver::restart() {
    std::vector<NodeId> down;
    for (NodeId id : c_.ids()) {
        const SimNode& n = c_.node(id);
        if (n.started && !n.up && !n.retired) down.push_back(id);
    }
    if (!down.empty()) c_.restart(pick(r_, down));
}

void RandomDriver::partition() {
    const auto all = c_.ids();
    switch (r_() % 5) {
        case 4: {  // the leader and its learners apart from the other voters
            const NodeId l = c_.leader();
            if (l == core::kNoNode) break;
            std::vector<NodeId> side = c_.raft(l).membership().learners();
            side.push_back(l);
            c_.partition(side);
            break;
        }
        case 0: {  // a symmetric split into a minority and the rest
            std::vector<NodeId> side;
            const std::size_t size = 1 + r_() % (all.size() / 2);
            std::vector<NodeId> pool = all;
            std::shuffle(pool.begin(), pool.end(), r_);
            side.assign(pool.begin(), pool.begin() + size);
            c_.partition(side);
            break;
        }
        case 1: {  // cut off the leader, the classic stale-leader setup
            const NodeId l = c_.leader();
            c_.isolate(l != core::kNoNode ? l : pick(r_, all));
            break;
        }
        default: {  // one-way links: a hears nothing from b, or b from a
            const NodeId a = pick(r_, all);
            NodeId b = pick(r_, all);
            if (a != b) c_.block(a, b);
            break;
        }
    }
}

void RandomDriver::membership() {
    const NodeId l = c_.leader();
    if (l == core::kNoNode) return;
    const core::Membership& m = c_.raft(l).membership();
    std::vector<NodeId> fresh;
    for (NodeId id : c_.ids()) {
        if (!c_.node(id).started && !m.contains(id)) fresh.push_back(id);
    }
    const auto learners = m.learners();
    const auto voters = m.voters();
    switch (r_() % 3) {
        case 0:
            if (!fresh.empty()) {
                const auto status =
                    chance(r_, 0.5) ? core::NodeStatus::Promotable : core::NodeStatus::ReadOnly;
                c_.add_learner(l, pick(r_, fresh), status);
            }
            break;
        case 1:
            if (!learners.empty()) c_.promote(l, pick(r_, learners));
            break;
        default: {
            // Keep at least three voters so the cluster can still lose one.
            std::vector<NodeId> victims = learners;
            if (voters.size() > 3) victims.insert(victims.end(), voters.begin(), voters.end());
            if (!victims.empty()) c_.remove(l, pick(r_, victims));
            break;
        }
    }
}

void RandomDriver::transfer() {
    const NodeId l = c_.leader();
    if (l == core::kNoNode) return;
    auto voters = c_.raft(l).membership().voters();
    voters.erase(std::remove(voters.begin(), voters.end(), l), voters.end());
    if (!voters.empty()) c_.transfer(l, pick(r_, voters));
}

}  // namespace raftlab::sim
