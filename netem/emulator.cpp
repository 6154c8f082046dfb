#include "netem/emulator.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace raftlab::netem {

namespace {

// splitmix64: turns (seed, link) into well-spread, independent rng seeds.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

}  // namespace

Emulator::Emulator(std::uint64_t seed) : seed_(seed) {}

void Emulator::set_rules(LinkId link, const Rules& rules) {
    if (auto error = validate(rules); !error.empty()) {
        throw std::invalid_argument("netem rules for link " + link.to_string() + ": " + error);
    }
    std::lock_guard lock(mutex_);
    if (rules.is_noop()) {
        links_.erase(link);
    } else {
        auto [it, inserted] = links_.try_emplace(link);
        if (inserted) it->second.rng.seed(mix(mix(seed_ ^ link.from) ^ link.to));
        it->second.rules = rules;
    }
    update_active_locked();
}

void Emulator::set_rules_both_ways(NodeId a, NodeId b, const Rules& rules) {
    set_rules({a, b}, rules);
    set_rules({b, a}, rules);
}

void Emulator::clear_rules(LinkId link) {
    set_rules(link, Rules{});
}

void Emulator::clear() {
    std::lock_guard lock(mutex_);
    links_.clear();
    update_active_locked();
}

void Emulator::reseed(std::uint64_t seed) {
    std::lock_guard lock(mutex_);
    seed_ = seed;
    for (auto& [link, state] : links_)
        state.rng.seed(mix(mix(seed_ ^ link.from) ^ link.to));
}

std::optional<Rules> Emulator::rules(LinkId link) const {
    std::lock_guard lock(mutex_);
    auto it = links_.find(link);
    if (it == links_.end()) return std::nullopt;
    return it->second.rules;
}

std::map<LinkId, Rules> Emulator::all_rules() const {
    std::lock_guard lock(mutex_);
    std::map<LinkId, Rules> out;
    for (const auto& [link, state] : links_)
        out.emplace(link, state.rules);
    return out;
}

bool Emulator::is_cut(LinkId link) const {
    if (!active()) return false;
    std::lock_guard lock(mutex_);
    auto it = links_.find(link);
    return it != links_.end() && it->second.rules.cut;
}

void Emulator::update_active_locked() {
    active_.store(!links_.empty(), std::memory_order_release);
}

bool Emulator::chance(LinkState& link, double percent) {
    if (percent <= 0) return false;
    if (percent >= 100) return true;
    return std::uniform_real_distribution<double>(0.0, 100.0)(link.rng) < percent;
}

std::int64_t Emulator::sample_delay(LinkState& link) {
    const Rules& r = link.rules;
    if (r.jitter_ns == 0) return r.delay_ns;
    double d = 0;
    if (r.jitter == Jitter::Normal) {
        d = std::normal_distribution<double>(static_cast<double>(r.delay_ns),
                                             static_cast<double>(r.jitter_ns))(link.rng);
    } else {
        d = std::uniform_real_distribution<double>(
            static_cast<double>(r.delay_ns - r.jitter_ns),
            static_cast<double>(r.delay_ns + r.jitter_ns))(link.rng);
    }
    // A jittered delay below zero would deliver before the send; clamp, as
    // Linux netem does. Reordering comes from two copies drawing different delays.
    return std::max<std::int64_t>(0, std::llround(d));
}

Decision Emulator::admit(LinkId link, std::size_t size_bytes, std::int64_t lab_now) {
    Decision d;
    d.deliver_at[0] = lab_now;
    if (!active()) return d;  // fast path: one atomic load, no lock

    std::lock_guard lock(mutex_);
    auto it = links_.find(link);
    if (it == links_.end()) return d;
    LinkState& state = it->second;
    const Rules& r = state.rules;

    if (r.cut) {
        d.verdict = Decision::Verdict::Cut;
        return d;
    }
    // Loss is decided before the message takes its turn on the wire, so a lost
    // message does not eat bandwidth (it never left, as far as the receiver can tell).
    if (chance(state, r.loss_percent)) {
        d.verdict = Decision::Verdict::Lost;
        return d;
    }

    std::int64_t on_wire_done = lab_now;
    if (r.bandwidth_bytes_per_s != 0) {
        const std::int64_t start = std::max(lab_now, state.busy_until);
        const auto transmit_ns = static_cast<std::int64_t>(
            (static_cast<unsigned __int128>(size_bytes) * 1'000'000'000ULL +
             r.bandwidth_bytes_per_s - 1) /
            r.bandwidth_bytes_per_s);
        on_wire_done = start + transmit_ns;
        state.busy_until = on_wire_done;
    }

    // A duplicate is made after the bottleneck (it costs no extra bandwidth)
    // and draws its own delay, so it may arrive before the original.
    d.copies = chance(state, r.duplicate_percent) ? 2 : 1;
    for (int i = 0; i < d.copies; ++i)
        d.deliver_at[i] = on_wire_done + sample_delay(state);
    return d;
}

}  // namespace raftlab::netem
