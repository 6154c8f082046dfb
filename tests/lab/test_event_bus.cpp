// EventBus on its own: a new watcher's stream starts with a NodeState, a
// watcher that does not keep up loses events without blocking the publisher
// and is told exactly how many (dropped_before), then gets a fresh NodeState;
// filters apply before the queue; with no watcher, publishing does nothing.
#include <QtTest>
#include <atomic>
#include <mutex>

#include "engine/lab/event_bus.h"
#include "node_harness.h"  // wait_until

using namespace raftlab;
using namespace std::chrono_literals;

namespace {

pb::NodeState a_state() {
    pb::NodeState st;
    st.set_term(7);
    return st;
}

pb::WatchEvent role_event(std::uint64_t term) {
    pb::WatchEvent ev;
    ev.mutable_role_changed()->set_term(term);
    return ev;
}

// A stream whose writes complete only when the test says so: a stalled watcher.
struct FakeStream {
    std::mutex mu;
    std::vector<pb::WatchEvent> written;
    std::shared_ptr<lab::Subscriber> sub;
    std::atomic<bool> stalled{false};
    std::atomic<int> in_flight{0};

    lab::Subscriber::Write writer() {
        return [this](const pb::WatchEvent& ev, bool) {
            {
                std::lock_guard lock(mu);
                written.push_back(ev);
            }
            if (stalled) {
                ++in_flight;  // completes later, in release()
            } else {
                sub->written(true);
            }
        };
    }
    void release() {
        stalled = false;
        if (in_flight.exchange(0) != 0) sub->written(true);
    }
    std::size_t count() {
        std::lock_guard lock(mu);
        return written.size();
    }
};

}  // namespace

class TestEventBus : public QObject {
    Q_OBJECT

  private slots:
    void publish_without_watcher_is_a_no_op() {
        lab::EventBus bus(3, a_state, 16);
        QVERIFY(!bus.active());
        auto ev = role_event(1);
        bus.publish(ev);
        QCOMPARE(bus.published(), std::uint64_t{0});
        QCOMPARE(ev.seq(), std::uint64_t{0});
    }

    void stream_starts_with_state_then_events_in_order() {
        lab::EventBus bus(3, a_state, 16);
        FakeStream s;
        pb::WatchRequest req;
        s.sub = bus.make_subscriber(req, s.writer());
        bus.attach(s.sub);
        QVERIFY(bus.active());
        for (std::uint64_t t = 1; t <= 5; ++t) {
            auto ev = role_event(t);
            bus.publish(ev);
        }
        QVERIFY(testing::wait_until([&] { return s.count() == 6; }, 2s));
        std::lock_guard lock(s.mu);
        QVERIFY(s.written[0].has_state());
        QCOMPARE(s.written[0].state().term(), std::uint64_t{7});
        for (std::size_t i = 0; i < s.written.size(); ++i) {
            QCOMPARE(s.written[i].node_id(), std::uint64_t{3});
            QCOMPARE(s.written[i].seq(), std::uint64_t{i + 1});
            QCOMPARE(s.written[i].dropped_before(), std::uint64_t{0});
            if (i > 0) QVERIFY(s.written[i].mono_ns() >= s.written[i - 1].mono_ns());
        }
        bus.detach(s.sub);
        QVERIFY(!bus.active());
    }

    void slow_watcher_loses_events_and_is_told_how_many() {
        constexpr std::size_t kCapacity = 16;
        constexpr std::uint64_t kPublished = 1000;
        lab::EventBus bus(1, a_state, kCapacity);
        FakeStream s;
        s.stalled = true;
        pb::WatchRequest req;
        s.sub = bus.make_subscriber(req, s.writer());
        bus.attach(s.sub);
        // The first NodeState goes out and the stream stalls on it.
        QVERIFY(testing::wait_until([&] { return s.in_flight == 1; }, 2s));
        const auto t0 = std::chrono::steady_clock::now();
        for (std::uint64_t t = 1; t <= kPublished; ++t) {
            auto ev = role_event(t);
            bus.publish(ev);
        }
        const auto publish_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        QVERIFY2(publish_ms < 500, "publishing blocked on a stalled watcher");
        QCOMPARE(s.sub->dropped_total(), kPublished - kCapacity);

        // A later event, once there is room, carries the count; then a state.
        s.release();
        QVERIFY(testing::wait_until([&] { return s.count() >= 1 + kCapacity; }, 2s));
        auto late = role_event(5000);
        bus.publish(late);
        QVERIFY(testing::wait_until(
            [&] {
                std::lock_guard lock(s.mu);
                for (const auto& e : s.written)
                    if (e.has_role_changed() && e.role_changed().term() == 5000) return true;
                return false;
            },
            2s));
        std::lock_guard lock(s.mu);
        std::uint64_t told = 0;
        bool resync_state = false;
        for (std::size_t i = 1; i < s.written.size(); ++i) {
            told += s.written[i].dropped_before();
            if (s.written[i].has_state()) resync_state = true;
        }
        QCOMPARE(told, kPublished - kCapacity);
        QVERIFY2(resync_state, "a watcher that lost events got no fresh NodeState");
        bus.detach(s.sub);
    }

    void filters_apply_before_the_queue() {
        lab::EventBus bus(2, a_state, 4);
        FakeStream s;
        pb::WatchRequest req;  // no heartbeats, no messages, no entries
        s.sub = bus.make_subscriber(req, s.writer());
        bus.attach(s.sub);
        for (int i = 0; i < 100; ++i) {
            pb::WatchEvent hb;
            hb.mutable_message()->set_type("Heartbeat");
            bus.publish(hb, lab::EventClass::Heartbeat);
        }
        auto ev = role_event(9);
        bus.publish(ev);
        QVERIFY(testing::wait_until([&] { return s.count() == 2; }, 2s));
        QCOMPARE(s.sub->dropped_total(), std::uint64_t{0});
        std::lock_guard lock(s.mu);
        QVERIFY(s.written[1].has_role_changed());
        bus.detach(s.sub);
    }

    void publish_all_keeps_order_and_filters_for_every_watcher() {
        // The raft loop hands a turn's events over at once (LabPlane::Batch):
        // each watcher still gets exactly the events it asked for, in order,
        // with consecutive seqs, and the last watcher's copies are not shared.
        lab::EventBus bus(5, a_state, 64);
        FakeStream all, few;
        pb::WatchRequest want_all;
        want_all.set_include_entries(true);
        want_all.set_include_heartbeats(true);
        all.sub = bus.make_subscriber(want_all, all.writer());
        few.sub = bus.make_subscriber(pb::WatchRequest{}, few.writer());
        bus.attach(all.sub);
        bus.attach(few.sub);
        std::vector<lab::PendingEvent> turn(4);
        turn[0].event.mutable_message()->set_type("Heartbeat");
        turn[0].cls = lab::EventClass::Heartbeat;
        turn[1].event.mutable_entries_appended()->set_to(10);
        turn[1].cls = lab::EventClass::Entries;
        turn[2].event = role_event(3);
        turn[3].event.mutable_entries_applied()->set_to(10);
        turn[3].cls = lab::EventClass::Entries;
        bus.publish_all(turn);
        QVERIFY(testing::wait_until([&] { return all.count() == 5 && few.count() == 2; }, 2s));
        std::lock_guard lock_all(all.mu);
        std::lock_guard lock_few(few.mu);
        QVERIFY(all.written[1].has_message());
        QVERIFY(all.written[2].has_entries_appended());
        QVERIFY(all.written[3].has_role_changed());
        QVERIFY(all.written[4].has_entries_applied());
        for (std::size_t i = 2; i < all.written.size(); ++i)
            QCOMPARE(all.written[i].seq(), all.written[i - 1].seq() + 1);
        QVERIFY(few.written[1].has_role_changed());
        QCOMPARE(few.written[1].seq(), all.written[3].seq());
        QCOMPARE(few.written[1].mono_ns(), all.written[3].mono_ns());
        bus.detach(all.sub);
        bus.detach(few.sub);
    }
};

QTEST_GUILESS_MAIN(TestEventBus)
#include "test_event_bus.moc"
