// The decision half of netem: for each outgoing message, drop it or say at
// which lab time each copy arrives. It holds no messages and reads no clock;
// DelayQueue and Dispatcher hold the messages, LabClock supplies the time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

#include "netem/link.h"
#include "netem/rules.h"

namespace raftlab::netem {

struct Decision {
    enum class Verdict : std::uint8_t {
        Deliver,  // deliver `copies` copies at deliver_at[0..copies)
        Lost,     // dropped by loss_percent: a transport should behave as for a lost packet
        Cut,      // dropped because the link is cut: the transport should fail the RPC as
                  // on a dead network, so that gRPC's own failure paths run
    };
    Verdict verdict = Verdict::Deliver;
    int copies = 1;  // 1, or 2 when duplicated (netem never makes more than one extra copy)
    std::array<std::int64_t, 2> deliver_at{};  // lab time ns, each >= lab_now

    bool dropped() const { return verdict != Verdict::Deliver; }
};

class Emulator {
  public:
    // Every link's random stream is derived from `seed` and the link's ids, so a
    // run reproduces as long as each link sees the same sequence of messages,
    // whatever the interleaving between links.
    explicit Emulator(std::uint64_t seed = 1);

    // Replaces the rules of one directed link. Throws std::invalid_argument with
    // validate()'s message when the rules are bad. Noop rules clear the link.
    void set_rules(LinkId link, const Rules& rules);
    // Sets the same rules on a->b and b->a (a two-way partition is
    // set_rules_both_ways(a, b, {.cut = true})).
    void set_rules_both_ways(NodeId a, NodeId b, const Rules& rules);
    void clear_rules(LinkId link);
    void clear();  // every link back to "no fault"; keeps the seed
    // A new seed for every link's random stream (Lab.SetLinkRules' seed), so a
    // lab run reproduces whatever seed the node started with. Links with
    // rules restart their streams from the new seed at once.
    void reseed(std::uint64_t seed);

    std::optional<Rules> rules(LinkId link) const;
    std::map<LinkId, Rules> all_rules() const;
    bool is_cut(LinkId link) const;

    // True when some link has rules. The transport's fast path: when false,
    // send directly and skip netem altogether; admit() does the same check.
    bool active() const { return active_.load(std::memory_order_acquire); }

    // The one call per outgoing message. lab_now is the sender's current lab
    // time; size_bytes feeds the bandwidth cap.
    Decision admit(LinkId link, std::size_t size_bytes, std::int64_t lab_now);

  private:
    struct LinkState {
        Rules rules;
        std::mt19937_64 rng;
        // Lab time when the link finishes serialising what it already has: the
        // bandwidth cap makes later messages start no earlier than this.
        std::int64_t busy_until = 0;
    };

    std::int64_t sample_delay(LinkState& link);
    bool chance(LinkState& link, double percent);
    void update_active_locked();

    std::uint64_t seed_;  // guarded by mutex_
    std::atomic<bool> active_{false};
    mutable std::mutex mutex_;
    std::map<LinkId, LinkState> links_;
};

}  // namespace raftlab::netem
