// What netem does to the messages on one directed link.
#pragma once

#include <cstdint>
#include <string>

namespace raftlab::netem {

enum class Jitter : std::uint8_t {
    Uniform = 0,  // delay + U[-jitter, +jitter]
    Normal = 1,   // delay + N(0, jitter²), i.e. `jitter` is the standard deviation
};

// All durations are lab-time nanoseconds. A default-constructed Rules is "no
// fault": every field at zero means the link behaves like the real network.
struct Rules {
    std::int64_t delay_ns = 0;   // one-way propagation delay added to every copy
    std::int64_t jitter_ns = 0;  // spread around delay_ns; the sampled delay never goes below 0
    Jitter jitter = Jitter::Uniform;
    double loss_percent = 0;       // 0..100: chance a message is dropped
    double duplicate_percent = 0;  // 0..100: chance a delivered message arrives twice
    // 0 = unlimited. Otherwise messages are serialised one after another at this
    // rate, so a burst queues up behind itself as on a slow link.
    std::uint64_t bandwidth_bytes_per_s = 0;
    bool cut = false;  // drop everything: this direction is partitioned

    bool is_noop() const;
    friend bool operator==(const Rules&, const Rules&) = default;
};

// Empty when the rules make sense; otherwise a sentence naming the bad field,
// its value and the accepted range, fit to show a person.
std::string validate(const Rules& rules);

// "delay 200ms ±20ms uniform, loss 5%, cut" — for logs and the lab's narration.
std::string describe(const Rules& rules);

}  // namespace raftlab::netem
