#include "netem/lab_clock.h"

#include <time.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace raftlab::netem {

std::int64_t LabClock::monotonic_now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

LabClock::LabClock(MonotonicSource source) : source_(std::move(source)) {
    base_mono_ = source_();
    base_lab_ = base_mono_;
    last_now_ = base_lab_;
}

void LabClock::settle_locked(std::int64_t mono) const {
    if (!pending_ || mono < pending_->at_mono) return;
    const double elapsed = static_cast<double>(pending_->at_mono - base_mono_) * rate_;
    base_lab_ = base_lab_ + static_cast<std::int64_t>(std::floor(elapsed));
    base_mono_ = pending_->at_mono;
    rate_ = pending_->rate;
    pending_.reset();
    ++generation_;
}

std::optional<std::int64_t> LabClock::until_pending_locked(std::int64_t mono) const {
    if (!pending_ || mono >= pending_->at_mono) return std::nullopt;
    return pending_->at_mono - mono;
}

std::int64_t LabClock::now_locked(std::int64_t mono) const {
    settle_locked(mono);
    const double elapsed = static_cast<double>(mono - base_mono_) * rate_;
    const std::int64_t lab = base_lab_ + static_cast<std::int64_t>(std::floor(elapsed));
    if (lab > last_now_) last_now_ = lab;
    return last_now_;
}

std::int64_t LabClock::now() const {
    std::lock_guard lock(mutex_);
    return now_locked(source_());
}

double LabClock::rate() const {
    std::lock_guard lock(mutex_);
    settle_locked(source_());
    return rate_;
}

void LabClock::check_rate(double rate) {
    if (!std::isfinite(rate) || rate < 0 || rate > kMaxRate) {
        throw std::invalid_argument("lab clock rate must be between 0 (frozen) and " +
                                    std::to_string(kMaxRate) + ", got " + std::to_string(rate) +
                                    "; use 1 for real time or 0.1 for slow motion");
    }
}

void LabClock::set_rate(double rate) {
    check_rate(rate);
    {
        std::lock_guard lock(mutex_);
        const std::int64_t mono = source_();
        base_lab_ = now_locked(mono);
        base_mono_ = mono;
        rate_ = rate;
        pending_.reset();
        ++generation_;
    }
    notify_change();
}

void LabClock::set_rate_at(double rate, std::int64_t at_mono) {
    check_rate(rate);
    bool scheduled = false;
    {
        std::lock_guard lock(mutex_);
        if (at_mono > source_()) {
            pending_ = Pending{at_mono, rate};
            ++generation_;  // sleepers recompute: they must wake at the instant
            scheduled = true;
        }
    }
    if (!scheduled) return set_rate(rate);  // the instant has passed
    notify_change();
}

void LabClock::step(std::chrono::nanoseconds by) {
    if (by.count() < 0) {
        throw std::invalid_argument("lab clock step must be >= 0 ns, got " +
                                    std::to_string(by.count()) + "; lab time never runs backwards");
    }
    {
        std::lock_guard lock(mutex_);
        const std::int64_t mono = source_();
        base_lab_ = now_locked(mono) + by.count();
        base_mono_ = mono;
        last_now_ = base_lab_;
        ++generation_;
    }
    notify_change();
}

std::optional<std::chrono::nanoseconds> LabClock::real_wait(std::int64_t lab_deadline) const {
    std::lock_guard lock(mutex_);
    const std::int64_t mono = source_();
    const std::int64_t lab_now = now_locked(mono);
    if (lab_deadline <= lab_now) return std::chrono::nanoseconds(0);
    // A sleeper must wake at a scheduled change, to recompute at the new rate.
    const auto pending = until_pending_locked(mono);
    if (rate_ == 0) {
        if (pending) return std::chrono::nanoseconds(*pending);
        return std::nullopt;
    }
    double real = std::ceil(static_cast<double>(lab_deadline - lab_now) / rate_);
    if (pending) real = std::min(real, static_cast<double>(*pending));
    // Saturate: at very slow rates a far deadline exceeds what a wait can hold.
    constexpr double kMax = 1e17;  // ~3 years
    return std::chrono::nanoseconds(static_cast<std::int64_t>(std::min(real, kMax)));
}

bool LabClock::sleep_until(std::int64_t lab_deadline, std::stop_token stop) {
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
        const std::int64_t mono = source_();
        const std::int64_t lab_now = now_locked(mono);
        if (lab_now >= lab_deadline) return true;
        const std::uint64_t seen = generation_;
        const auto changed = [&] { return generation_ != seen; };
        if (const auto pending = until_pending_locked(mono)) {
            // Wake at a scheduled change at the latest, and recompute.
            auto real = std::chrono::nanoseconds(*pending);
            if (rate_ > 0)
                real = std::min(real, std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(
                                          static_cast<double>(lab_deadline - lab_now) / rate_))));
            changed_.wait_for(lock, stop, real, changed);
            continue;
        }
        if (rate_ == 0) {
            // Frozen: only a rate change, a step or a stop request can move us.
            changed_.wait(lock, stop, changed);
            continue;
        }
        const auto real = std::chrono::nanoseconds(static_cast<std::int64_t>(
            std::ceil(static_cast<double>(lab_deadline - lab_now) / rate_)));
        changed_.wait_for(lock, stop, real, changed);
    }
    return false;
}

LabClock::ListenerId LabClock::add_listener(std::function<void()> on_change) {
    std::lock_guard lock(listeners_mutex_);
    const ListenerId id = next_listener_++;
    listeners_.emplace(id, std::move(on_change));
    return id;
}

void LabClock::remove_listener(ListenerId id) {
    std::lock_guard lock(listeners_mutex_);
    listeners_.erase(id);
}

void LabClock::notify_change() {
    changed_.notify_all();
    std::lock_guard lock(listeners_mutex_);
    for (auto& [id, callback] : listeners_)
        callback();
}

}  // namespace raftlab::netem
