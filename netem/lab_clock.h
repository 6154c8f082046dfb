// Lab time: CLOCK_MONOTONIC scaled by a rate the lab sets. 1 is real time, 0.1
// slow motion, 0 frozen; step() jumps ahead by hand. This is the only place in
// netem that reads a real clock, and the node's ticks read it too, so freezing
// the clock freezes elections and messages in flight alike.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>

namespace raftlab::netem {

class LabClock {
  public:
    // Nanoseconds of CLOCK_MONOTONIC. Injectable so the clock's own tests can
    // drive "real" time by hand; everything else uses the default.
    using MonotonicSource = std::function<std::int64_t()>;
    static std::int64_t monotonic_now_ns();

    // Lab time starts equal to CLOCK_MONOTONIC at rate 1, so until anyone
    // touches the clock, lab timestamps and event timestamps agree.
    explicit LabClock(MonotonicSource source = monotonic_now_ns);

    std::int64_t now() const;  // lab time, ns; never goes backwards
    double rate() const;       // the rate in force now

    // Throws std::invalid_argument unless 0 <= rate <= kMaxRate. Lab time is
    // continuous across the change.
    void set_rate(double rate);
    static constexpr double kMaxRate = 100.0;
    // The same change, taking effect at the CLOCK_MONOTONIC instant `at_mono`
    // (at once if that has passed). Every process on a machine shares
    // CLOCK_MONOTONIC, so a controller that gives all nodes one instant
    // freezes (or resumes) a whole cluster at once, however late each call
    // arrives before it. The change is exact: lab time read after the instant
    // is computed piecewise from it, whoever reads it and however late its
    // thread runs. A later set_rate replaces a change still pending.
    void set_rate_at(double rate, std::int64_t at_mono);
    // Advances lab time by `by` (>= 0) at once, whatever the rate. Throws
    // std::invalid_argument for a negative step: lab time never runs backwards.
    void step(std::chrono::nanoseconds by);

    // How long in real time until lab time reaches `lab_deadline` at the
    // current rate: zero if it already has, nullopt while frozen (wait for a
    // change instead). Rounded up so a sleeper never wakes early.
    std::optional<std::chrono::nanoseconds> real_wait(std::int64_t lab_deadline) const;

    // Blocks until lab time reaches `lab_deadline`. Rate changes and steps wake
    // it early to recompute. Returns false if `stop` was requested first.
    bool sleep_until(std::int64_t lab_deadline, std::stop_token stop = {});

    // A callback run (on the thread that changed the clock, outside the clock's
    // lock) after every set_rate or step, for sleepers with their own condition
    // variables, like Dispatcher. The callback must not add or remove listeners.
    using ListenerId = std::uint64_t;
    ListenerId add_listener(std::function<void()> on_change);
    void remove_listener(ListenerId id);  // once it returns, the callback is not running

  private:
    std::int64_t now_locked(std::int64_t mono) const;
    // Folds a scheduled change whose instant has passed into the base.
    void settle_locked(std::int64_t mono) const;
    // Real time until a scheduled change, if one is pending after `mono`.
    std::optional<std::int64_t> until_pending_locked(std::int64_t mono) const;
    static void check_rate(double rate);
    void notify_change();

    MonotonicSource source_;
    mutable std::mutex mutex_;
    std::condition_variable_any changed_;
    // Lab time is base_lab_ + (mono - base_mono_) * rate_. A scheduled change
    // is folded in by the first read after its instant, which is why these
    // are mutable: they describe one function of CLOCK_MONOTONIC, and a read
    // only rewrites the same function from a later base.
    mutable std::int64_t base_mono_ = 0;
    mutable std::int64_t base_lab_ = 0;
    mutable double rate_ = 1.0;
    struct Pending {
        std::int64_t at_mono;
        double rate;
    };
    mutable std::optional<Pending> pending_;
    // now() must never go backwards even if the rounding of a rate change
    // would make it; remember the largest value handed out.
    mutable std::int64_t last_now_ = 0;
    mutable std::uint64_t generation_ = 0;  // bumped by every change, so sleepers know to recompute

    std::mutex listeners_mutex_;
    std::map<ListenerId, std::function<void()>> listeners_;
    ListenerId next_listener_ = 1;
};

}  // namespace raftlab::netem
