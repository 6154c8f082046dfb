// Dispatcher on the real LabClock, frozen and stepped by hand: messages go out
// when lab time reaches them, not when real time does.
#include <QtTest>
#include <mutex>
#include <vector>

#include "netem/dispatcher.h"

using namespace raftlab::netem;
using namespace std::chrono_literals;

namespace {
constexpr std::int64_t kMs = 1'000'000;

// Collects what the dispatcher hands on, from whichever thread.
struct Sink {
    std::mutex mutex;
    std::vector<int> delivered;
    std::vector<std::pair<int, Decision::Verdict>> dropped;

    Dispatcher<int>::Deliver deliver() {
        return [this](LinkId, int m) {
            std::lock_guard lock(mutex);
            delivered.push_back(m);
        };
    }
    Dispatcher<int>::Drop drop() {
        return [this](LinkId, int m, Decision::Verdict v) {
            std::lock_guard lock(mutex);
            dropped.emplace_back(m, v);
        };
    }
    std::size_t delivered_count() {
        std::lock_guard lock(mutex);
        return delivered.size();
    }
    std::size_t dropped_count() {
        std::lock_guard lock(mutex);
        return dropped.size();
    }
};
}  // namespace

class DispatcherTest : public QObject {
    Q_OBJECT
  private slots:
    void noRulesDeliversInlineOnTheCallersThread() {
        Emulator netem;
        LabClock clock;
        Sink sink;
        Dispatcher<int> out(netem, clock, sink.deliver(), sink.drop());
        out.send({1, 2}, 10, 7);
        QCOMPARE(sink.delivered, std::vector<int>{7});  // synchronously, no wait needed
        QCOMPARE(out.held(), std::size_t(0));
    }

    void heldWhileFrozenReleasedByStep() {
        Emulator netem;
        netem.set_rules({1, 2}, {.delay_ns = 50 * kMs});
        LabClock clock;
        clock.set_rate(0);
        Sink sink;
        Dispatcher<int> out(netem, clock, sink.deliver(), sink.drop());
        out.send({1, 2}, 10, 1);
        out.send({1, 2}, 10, 2);
        QCOMPARE(out.held(), std::size_t(2));
        clock.step(49ms);
        QCOMPARE(out.held(), std::size_t(2));  // due at 50 ms of lab time, not before
        clock.step(1ms);
        QTRY_COMPARE_WITH_TIMEOUT(sink.delivered_count(), std::size_t(2), 5000);
        QCOMPARE(sink.delivered, (std::vector<int>{1, 2}));
    }

    void resumingTheClockReleasesHeldMessages() {
        Emulator netem;
        netem.set_rules({1, 2}, {.delay_ns = 20 * kMs});
        LabClock clock;
        clock.set_rate(0);
        Sink sink;
        Dispatcher<int> out(netem, clock, sink.deliver(), sink.drop());
        out.send({1, 2}, 10, 1);
        QCOMPARE(out.held(), std::size_t(1));
        clock.set_rate(1);  // 20 ms of real time from here
        QTRY_COMPARE_WITH_TIMEOUT(sink.delivered_count(), std::size_t(1), 5000);
    }

    void cutDropsAtSendAndInFlight() {
        Emulator netem;
        netem.set_rules({1, 2}, {.delay_ns = 10 * kMs});
        LabClock clock;
        clock.set_rate(0);
        Sink sink;
        Dispatcher<int> out(netem, clock, sink.deliver(), sink.drop());
        out.send({1, 2}, 10, 1);  // in flight when the cut comes
        netem.set_rules({1, 2}, {.cut = true});
        out.send({1, 2}, 10, 2);  // refused at once
        QCOMPARE(sink.dropped_count(), std::size_t(1));
        clock.step(10ms);
        QTRY_COMPARE_WITH_TIMEOUT(sink.dropped_count(), std::size_t(2), 5000);
        QCOMPARE(sink.delivered_count(), std::size_t(0));
        for (const auto& [m, why] : sink.dropped)
            QCOMPARE(why, Decision::Verdict::Cut);
    }

    void duplicatesAreDeliveredTwice() {
        Emulator netem;
        netem.set_rules({1, 2}, {.delay_ns = 1 * kMs, .duplicate_percent = 100});
        LabClock clock;
        clock.set_rate(0);
        Sink sink;
        Dispatcher<int> out(netem, clock, sink.deliver(), sink.drop());
        out.send({1, 2}, 10, 5);
        clock.step(1ms);
        QTRY_COMPARE_WITH_TIMEOUT(sink.delivered_count(), std::size_t(2), 5000);
        QCOMPARE(sink.delivered, (std::vector<int>{5, 5}));
    }

    void destructionWithHeldMessagesDoesNotHang() {
        Emulator netem;
        netem.set_rules({1, 2}, {.delay_ns = 3600'000 * kMs});
        LabClock clock;
        Sink sink;
        {
            Dispatcher<int> out(netem, clock, sink.deliver(), sink.drop());
            for (int i = 0; i < 100; ++i)
                out.send({1, 2}, 10, i);
        }
        QCOMPARE(sink.delivered_count(), std::size_t(0));
    }
};

QTEST_APPLESS_MAIN(DispatcherTest)
#include "test_dispatcher.moc"
