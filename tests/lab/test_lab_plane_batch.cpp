// LabPlane::Batch: the events a thread queues during a turn reach the bus
// together and in order, and successful client requests completing together
// become one ClientRequests event (lab.proto) while failures, and requests
// completing alone, stay ClientRequest events.
#include <QtTest>
#include <mutex>

#include "engine/lab/lab_plane.h"
#include "node_harness.h"  // wait_until

using namespace raftlab;
using namespace std::chrono_literals;

namespace {

// A watcher whose writes complete at once, collecting what it was sent.
struct Collector {
    std::mutex mu;
    std::vector<pb::WatchEvent> events;  // batches flattened
    std::shared_ptr<lab::Subscriber> sub;

    lab::Subscriber::Write writer() {
        return [this](const pb::WatchEvent& ev, bool) {
            {
                std::lock_guard lock(mu);
                if (ev.batch_size() == 0) events.push_back(ev);
                for (const auto& e : ev.batch())
                    events.push_back(e);
            }
            sub->written(true);
        };
    }
    std::size_t count() {
        std::lock_guard lock(mu);
        return events.size();
    }
};

}  // namespace

class TestLabPlaneBatch : public QObject {
    Q_OBJECT

  private slots:
    void client_successes_in_one_batch_become_one_event() {
        netem::LabClock clock;
        lab::LabPlane plane(1, clock, [] { return pb::NodeState(); });
        Collector c;
        pb::WatchRequest req;
        req.set_include_client(true);
        req.set_max_batch(64);
        c.sub = plane.bus().make_subscriber(req, c.writer());
        plane.bus().attach(c.sub);
        QVERIFY(testing::wait_until([&] { return c.count() == 1; }, 2s));  // the NodeState
        {
            lab::LabPlane::Batch batch(plane);
            plane.on_client("put", "a", true, "", 0, 5);
            plane.on_client("put", "b", true, "", 0, 6);
            plane.on_client("put", "c", false, "Timeout", 0, 0);
            plane.on_client("put", "d", true, "", 0, 8);
            plane.fault_applied("not batched: another thread's kind of event");
        }
        plane.on_client("put", "e", true, "", 0, 9);  // no Batch: alone
        QVERIFY(testing::wait_until([&] { return c.count() == 6; }, 2s));
        std::lock_guard lock(c.mu);
        const auto& ev = c.events;
        // fault_applied publishes at once, before the batch is flushed.
        QVERIFY(ev[1].has_fault_applied());
        QVERIFY(ev[2].has_client_requests());
        const auto& g = ev[2].client_requests();
        QCOMPARE(g.op(), std::string("put"));
        QCOMPARE(g.keys_size(), 2);
        QCOMPARE(g.keys(0), std::string("a"));
        QCOMPARE(g.keys(1), std::string("b"));
        QCOMPARE(g.indexes(1), std::uint64_t{6});
        QVERIFY(ev[3].has_client_request());
        QVERIFY(!ev[3].client_request().ok());
        QCOMPARE(ev[3].client_request().error(), std::string("Timeout"));
        QVERIFY(ev[4].has_client_request());
        QCOMPARE(ev[4].client_request().key(), std::string("d"));
        QVERIFY(ev[5].has_client_request());
        QCOMPARE(ev[5].client_request().key(), std::string("e"));
        for (std::size_t i = 1; i < ev.size(); ++i)
            QVERIFY(ev[i].seq() > ev[i - 1].seq());
        plane.bus().detach(c.sub);
    }
};

QTEST_GUILESS_MAIN(TestLabPlaneBatch)
#include "test_lab_plane_batch.moc"
