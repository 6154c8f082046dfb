// Emulator + DelayQueue + LabClock put together for a transport: one call per
// outgoing message, and a thread that hands each message on when it is due.
//
//   netem::Dispatcher<PeerMessage> out(emulator, clock,
//       [&](netem::LinkId l, PeerMessage m) { peers[l.to].send(std::move(m)); },
//       [&](netem::LinkId l, PeerMessage m, auto why) { peers[l.to].fail(m, why); });
//   out.send({self, peer}, m.ByteSizeLong(), std::move(m));
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>
#include <utility>

#include "netem/delay_queue.h"
#include "netem/emulator.h"
#include "netem/lab_clock.h"

namespace raftlab::netem {

template <typename T>
class Dispatcher {
  public:
    // deliver: the message goes out now. It runs on the caller's thread when no
    // link has rules (the fast path) and on the dispatcher's thread otherwise,
    // so it must be thread-safe and must not block for long: one slow delivery
    // delays every link behind it.
    using Deliver = std::function<void(LinkId, T)>;
    // on_drop: netem dropped the message (Lost or Cut). Runs on the caller's
    // thread at send(), or on the dispatcher's thread when a link is cut while
    // the message was held. Optional.
    using Drop = std::function<void(LinkId, T, Decision::Verdict)>;

    Dispatcher(Emulator& emulator, LabClock& clock, Deliver deliver, Drop on_drop = {})
        : emulator_(emulator),
          clock_(clock),
          deliver_(std::move(deliver)),
          on_drop_(std::move(on_drop)) {
        listener_ = clock_.add_listener([this] { wake(); });
        thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
    }

    ~Dispatcher() {
        clock_.remove_listener(listener_);
        thread_.request_stop();
        thread_.join();
    }

    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    // T must be copyable: a duplicated message is delivered twice.
    void send(LinkId link, std::size_t size_bytes, T item) {
        if (!emulator_.active()) {
            deliver_(link, std::move(item));
            return;
        }
        const Decision d = emulator_.admit(link, size_bytes, clock_.now());
        if (d.dropped()) {
            if (on_drop_) on_drop_(link, std::move(item), d.verdict);
            return;
        }
        {
            std::lock_guard lock(mutex_);
            if (d.copies == 2) queue_.push(d.deliver_at[1], {link, item});
            queue_.push(d.deliver_at[0], {link, std::move(item)});
            ++wakeups_;
        }
        cv_.notify_one();
    }

    std::size_t held() const {
        std::lock_guard lock(mutex_);
        return queue_.size();
    }

  private:
    void wake() {
        {
            std::lock_guard lock(mutex_);
            ++wakeups_;
        }
        cv_.notify_one();
    }

    void run(std::stop_token stop) {
        std::unique_lock lock(mutex_);
        while (!stop.stop_requested()) {
            auto due = queue_.pop_due(clock_.now());
            if (!due.empty()) {
                lock.unlock();
                for (auto& [link, item] : due) {
                    // A cut made while the message was in flight loses it, as
                    // pulling a cable loses the packets on it.
                    if (emulator_.is_cut(link)) {
                        if (on_drop_) on_drop_(link, std::move(item), Decision::Verdict::Cut);
                    } else {
                        deliver_(link, std::move(item));
                    }
                }
                lock.lock();
                continue;
            }
            const std::uint64_t seen = wakeups_;
            const auto woken = [&] { return wakeups_ != seen; };
            const auto next = queue_.next_deadline();
            const auto real = next ? clock_.real_wait(*next) : std::nullopt;
            if (real) {
                cv_.wait_for(lock, stop, *real, woken);
            } else {
                cv_.wait(lock, stop, woken);  // empty, or frozen: wait for send/clock change
            }
        }
    }

    Emulator& emulator_;
    LabClock& clock_;
    Deliver deliver_;
    Drop on_drop_;
    mutable std::mutex mutex_;
    std::condition_variable_any cv_;
    DelayQueue<std::pair<LinkId, T>> queue_;
    std::uint64_t wakeups_ = 0;
    LabClock::ListenerId listener_ = 0;
    std::jthread thread_;  // last member: started after, and stopped before, the rest
};

}  // namespace raftlab::netem
