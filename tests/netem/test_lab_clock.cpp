// LabClock driven by a hand-moved "monotonic" source: rates, freezing, steps
// and real-wait conversion without any real sleeping.
#include <QtTest>
#include <atomic>
#include <thread>

#include "netem/delay_queue.h"
#include "netem/emulator.h"
#include "netem/lab_clock.h"

using namespace raftlab::netem;
using namespace std::chrono_literals;

namespace {
constexpr std::int64_t kMs = 1'000'000;

// A fake CLOCK_MONOTONIC the test moves by hand.
struct FakeMonotonic {
    std::atomic<std::int64_t> ns{1'000 * kMs};
    LabClock::MonotonicSource source() {
        return [this] { return ns.load(); };
    }
    void advance(std::int64_t by) { ns += by; }
};
}  // namespace

class LabClockTest : public QObject {
    Q_OBJECT
  private slots:
    void realTimeAtRateOne() {
        FakeMonotonic mono;
        LabClock clock(mono.source());
        const auto t0 = clock.now();
        QCOMPARE(t0, mono.ns.load());  // lab time starts at monotonic time
        mono.advance(250 * kMs);
        QCOMPARE(clock.now() - t0, 250 * kMs);
    }

    // A change scheduled at a CLOCK_MONOTONIC instant takes effect exactly
    // there, however late anyone reads the clock afterwards: this is what lets
    // a controller freeze every node of a cluster at one instant.
    void scheduledFreezeTakesEffectAtItsInstant() {
        FakeMonotonic mono;
        LabClock clock(mono.source());
        const auto t0 = clock.now();
        clock.set_rate_at(0, mono.ns.load() + 100 * kMs);
        QCOMPARE(clock.rate(), 1.0);  // not yet
        mono.advance(40 * kMs);
        QCOMPARE(clock.now() - t0, 40 * kMs);
        // A sleeper due in 500 ms of lab time must wake at the instant, 60 ms
        // from now, to find the clock frozen.
        QCOMPARE(clock.real_wait(t0 + 500 * kMs), std::optional<std::chrono::nanoseconds>(60ms));
        mono.advance(5000 * kMs);  // nobody read the clock across the instant
        QCOMPARE(clock.now() - t0, 100 * kMs);
        QCOMPARE(clock.rate(), 0.0);
        QCOMPARE(clock.real_wait(t0 + 500 * kMs), std::nullopt);
        // A scheduled resume: frozen until its instant, then real time.
        clock.set_rate_at(1, mono.ns.load() + 20 * kMs);
        QCOMPARE(clock.real_wait(t0 + 500 * kMs), std::optional<std::chrono::nanoseconds>(20ms));
        mono.advance(30 * kMs);
        QCOMPARE(clock.now() - t0, 110 * kMs);
    }

    void scheduledChangeInThePastAppliesAtOnceAndALaterSetRateWins() {
        FakeMonotonic mono;
        LabClock clock(mono.source());
        const auto t0 = clock.now();
        clock.set_rate_at(0, mono.ns.load() - 1);  // late: applies now
        mono.advance(10 * kMs);
        QCOMPARE(clock.now(), t0);
        clock.set_rate_at(0.5, mono.ns.load() + 10 * kMs);
        clock.set_rate(1);  // replaces the pending change
        mono.advance(100 * kMs);
        QCOMPARE(clock.now() - t0, 100 * kMs);
        QCOMPARE(clock.rate(), 1.0);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, clock.set_rate_at(-1, mono.ns.load()));
    }

    void sleeperWakesAtAScheduledFreeze() {
        LabClock clock;  // real CLOCK_MONOTONIC
        const auto start = LabClock::monotonic_now_ns();
        clock.set_rate_at(0, start + 30 * kMs);
        std::atomic<bool> woke{false};
        std::jthread sleeper([&](std::stop_token stop) {
            woke = clock.sleep_until(clock.now() + 60'000 * kMs, stop);
        });
        // Frozen after 30 ms: a 60 s lab deadline can never come, so the
        // sleeper is still asleep, and lab time stopped at the instant.
        QTRY_VERIFY_WITH_TIMEOUT(clock.rate() == 0.0, 5000);
        const auto frozen = clock.now();
        QVERIFY(frozen - start <= 30 * kMs);
        QVERIFY(!woke);
        clock.step(std::chrono::milliseconds(60'000));
        sleeper.join();
        QVERIFY(woke);
    }

    void slowMotion() {
        FakeMonotonic mono;
        LabClock clock(mono.source());
        clock.set_rate(0.1);
        const auto t0 = clock.now();
        mono.advance(1000 * kMs);
        QCOMPARE(clock.now() - t0, 100 * kMs);
        QCOMPARE(clock.rate(), 0.1);
    }

    void frozenStandsStillAndResumesWithoutAJump() {
        FakeMonotonic mono;
        LabClock clock(mono.source());
        mono.advance(10 * kMs);
        clock.set_rate(0);
        const auto frozen_at = clock.now();
        mono.advance(5000 * kMs);
        QCOMPARE(clock.now(), frozen_at);
        clock.set_rate(1);
        QCOMPARE(clock.now(), frozen_at);  // the 5 s spent frozen never happened
        mono.advance(7 * kMs);
        QCOMPARE(clock.now(), frozen_at + 7 * kMs);
    }

    void stepAdvancesByHandEvenWhenFrozen() {
        FakeMonotonic mono;
        LabClock clock(mono.source());
        clock.set_rate(0);
        const auto t0 = clock.now();
        clock.step(30ms);
        QCOMPARE(clock.now(), t0 + 30 * kMs);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, clock.step(-1ms));
    }

    void badRatesAreRefused() {
        LabClock clock;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, clock.set_rate(-0.5));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, clock.set_rate(std::nan("")));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, clock.set_rate(LabClock::kMaxRate * 2));
        QCOMPARE(clock.rate(), 1.0);
    }

    void realWaitFollowsTheRate() {
        FakeMonotonic mono;
        LabClock clock(mono.source());
        const auto t0 = clock.now();
        QCOMPARE(clock.real_wait(t0 + 100 * kMs), std::optional(std::chrono::nanoseconds(100ms)));
        QCOMPARE(clock.real_wait(t0 - 1), std::optional(std::chrono::nanoseconds(0)));
        clock.set_rate(0.1);
        QCOMPARE(clock.real_wait(t0 + 100 * kMs), std::optional(std::chrono::nanoseconds(1s)));
        clock.set_rate(0);
        QVERIFY(!clock.real_wait(t0 + 100 * kMs).has_value());
        QCOMPARE(clock.real_wait(t0), std::optional(std::chrono::nanoseconds(0)));
    }

    void listenersHearEveryChange() {
        LabClock clock;
        int calls = 0;
        const auto id = clock.add_listener([&] { ++calls; });
        clock.set_rate(0.5);
        clock.step(1ms);
        QCOMPARE(calls, 2);
        clock.remove_listener(id);
        clock.set_rate(1);
        QCOMPARE(calls, 2);
    }

    // The promise: messages held in netem stay held while lab time is
    // frozen, however long that lasts in real time, and go out after resume.
    void frozenClockHoldsMessagesInNetem() {
        FakeMonotonic mono;
        LabClock clock(mono.source());
        Emulator netem;
        netem.set_rules({1, 2}, {.delay_ns = 100 * kMs});
        DelayQueue<int> in_flight;
        in_flight.push(netem.admit({1, 2}, 10, clock.now()).deliver_at[0], 1);
        mono.advance(40 * kMs);
        clock.set_rate(0);
        mono.advance(60'000 * kMs);  // a minute of real time, frozen
        QVERIFY(in_flight.pop_due(clock.now()).empty());
        clock.set_rate(1);
        mono.advance(59 * kMs);
        QVERIFY(in_flight.pop_due(clock.now()).empty());
        mono.advance(1 * kMs);
        QCOMPARE(in_flight.pop_due(clock.now()), std::vector<int>{1});
    }

    void slowMotionStretchesNetemDelays() {
        FakeMonotonic mono;
        LabClock clock(mono.source());
        clock.set_rate(0.1);
        Emulator netem;
        netem.set_rules({1, 2}, {.delay_ns = 100 * kMs});
        DelayQueue<int> in_flight;
        in_flight.push(netem.admit({1, 2}, 10, clock.now()).deliver_at[0], 1);
        mono.advance(999 * kMs);  // 99.9 ms of lab time
        QVERIFY(in_flight.pop_due(clock.now()).empty());
        mono.advance(1 * kMs);
        QCOMPARE(in_flight.pop_due(clock.now()).size(), std::size_t(1));
    }

    // The real clock: a sleeper on a frozen clock wakes when another thread
    // steps it. The deadline guards the test; nothing sleeps for a fixed time.
    void sleepUntilWakesOnStep() {
        LabClock clock;
        clock.set_rate(0);
        const auto target = clock.now() + 10 * kMs;
        std::atomic<bool> woke{false};
        std::jthread sleeper([&] { woke = clock.sleep_until(target); });
        clock.step(10ms);
        QTRY_VERIFY_WITH_TIMEOUT(woke.load(), 5000);
    }

    void sleepUntilReturnsFalseWhenStopped() {
        LabClock clock;
        clock.set_rate(0);
        std::atomic<int> result{-1};
        std::jthread sleeper(
            [&](std::stop_token stop) { result = clock.sleep_until(clock.now() + 1, stop); });
        sleeper.request_stop();
        QTRY_COMPARE_WITH_TIMEOUT(result.load(), 0, 5000);
    }

    void concurrentReadersSeeMonotonicTime() {
        LabClock clock;
        std::atomic<bool> backwards{false};
        {
            std::vector<std::jthread> readers;
            for (int r = 0; r < 3; ++r) {
                readers.emplace_back([&] {
                    std::int64_t last = 0;
                    for (int i = 0; i < 20000; ++i) {
                        const auto t = clock.now();
                        if (t < last) backwards = true;
                        last = t;
                    }
                });
            }
            for (int i = 0; i < 200; ++i)
                clock.set_rate(i % 2 ? 0.1 : 3.0);
        }
        QVERIFY(!backwards.load());
    }
};

QTEST_APPLESS_MAIN(LabClockTest)
#include "test_lab_clock.moc"
