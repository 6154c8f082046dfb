// LabPlane::Batch: the events a thread queues during a turn reach the bus
// together and in order, and successful client requests completing together
// become one ClientRequests event (lab.proto) while failures, and requests
// completing alone, stay ClientRequest events. Likewise messages sent (or
// received) one after another become one MessageEvents group, which every
// reader expands back into the MessageEvents it stands for.
#include <QtTest>
#include <mutex>

#include "engine/lab/lab_plane.h"
#include "engine/lab/message_group.h"
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
    void attach(lab::LabPlane& plane, const pb::WatchRequest& req) {
        sub = plane.bus().make_subscriber(req, writer());
        plane.bus().attach(sub);
    }
};

core::Message message(core::MessageType type, core::NodeId from, core::NodeId to,
                      core::Index index) {
    core::Message m;
    m.type = type;
    m.from = from;
    m.to = to;
    m.term = 3;
    m.index = index;
    m.commit = index;
    return m;
}

// Every message `events` stands for, as "Type>peer" (sent) or "Type<peer".
QStringList expanded(const std::vector<pb::WatchEvent>& events) {
    QStringList out;
    for (const auto& ev : events) {
        lab::for_each_message(ev, [&](const pb::MessageEvent& m) {
            out << QString("%1%2%3")
                       .arg(QString::fromStdString(m.type()))
                       .arg(m.direction() == pb::MessageEvent::SENT ? ">" : "<")
                       .arg(m.peer());
        });
    }
    return out;
}

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

    void messages_in_a_row_become_one_group() {
        netem::LabClock clock;
        lab::LabPlane plane(1, clock, [] { return pb::NodeState(); });
        Collector all, no_heartbeats;
        pb::WatchRequest req;
        req.set_include_messages(true);
        req.set_include_heartbeats(true);
        req.set_max_batch(64);
        all.attach(plane, req);
        req.set_include_heartbeats(false);
        no_heartbeats.attach(plane, req);
        QVERIFY(testing::wait_until([&] { return all.count() == 1 && no_heartbeats.count() == 1; },
                                    2s));  // the NodeStates
        using T = core::MessageType;
        {
            lab::LabPlane::Batch batch(plane);
            // A turn: two responses in, a heartbeat response, then appends out.
            plane.on_received(message(T::AppendResp, 2, 1, 7));
            plane.on_received(message(T::AppendResp, 3, 1, 8));
            plane.on_received(message(T::HeartbeatResp, 2, 1, 0));
            core::Ready rd;
            rd.send_now = {message(T::Append, 1, 2, 8), message(T::Append, 1, 3, 8),
                           message(T::Heartbeat, 1, 2, 0)};
            plane.on_ready(rd, core::Membership{});
        }
        plane.on_received(message(T::AppendResp, 2, 1, 9));  // no Batch: alone
        QVERIFY(testing::wait_until([&] { return all.count() == 6; }, 2s));
        QVERIFY(testing::wait_until([&] { return no_heartbeats.count() == 4; }, 2s));
        std::lock_guard lock(all.mu);
        const auto& ev = all.events;
        QVERIFY(ev[1].has_messages());
        QCOMPARE(ev[1].messages().direction(), pb::MessageEvent::RECEIVED);
        QCOMPARE(lab::group_size(ev[1].messages()), 2);
        QVERIFY(ev[2].has_message());  // a heartbeat never joins an append group
        QVERIFY(ev[3].has_messages());
        QCOMPARE(ev[3].messages().direction(), pb::MessageEvent::SENT);
        QVERIFY(ev[4].has_message());
        QVERIFY(ev[5].has_message());
        const QStringList want{"AppendResp<2", "AppendResp<3", "HeartbeatResp<2", "Append>2",
                               "Append>3",     "Heartbeat>2",  "AppendResp<2"};
        QCOMPARE(expanded(ev), want);
        // The same stream without heartbeats: the groups whole, in order.
        std::lock_guard lock2(no_heartbeats.mu);
        QCOMPARE(
            expanded(no_heartbeats.events),
            (QStringList{"AppendResp<2", "AppendResp<3", "Append>2", "Append>3", "AppendResp<2"}));
        // A group's numbers read back exactly (index, commit, bytes).
        pb::MessageEvent m;
        lab::message_at(ev[3].messages(), 1, &m);
        QCOMPARE(m.index(), std::uint64_t{8});
        QCOMPARE(m.commit(), std::uint64_t{8});
        QCOMPARE(m.term(), std::uint64_t{3});
        QVERIFY(m.bytes() > 0);
        plane.bus().detach(all.sub);
        plane.bus().detach(no_heartbeats.sub);
    }

    void unwanted_classes_are_not_built() {
        netem::LabClock clock;
        lab::LabPlane plane(1, clock, [] { return pb::NodeState(); });
        Collector c;
        pb::WatchRequest req;
        req.set_include_client(true);  // no messages, no entries
        c.attach(plane, req);
        QVERIFY(!plane.bus().wants(lab::EventClass::Message));
        QVERIFY(!plane.bus().wants(lab::EventClass::Entries));
        QVERIFY(plane.bus().wants(lab::EventClass::Client));
        const auto before = plane.bus().published();
        plane.on_received(message(core::MessageType::AppendResp, 2, 1, 7));
        QCOMPARE(plane.bus().published(), before);  // not even stamped
        plane.bus().detach(c.sub);
        QVERIFY(!plane.bus().wants(lab::EventClass::Client));
    }

    void group_type_numbers_are_core_message_types() {
        // MessageEvents.types carries core::MessageType numbers; readers name
        // them with message_group's table, which must match core's names.
        for (std::uint32_t t = 0; t <= static_cast<std::uint32_t>(core::MessageType::ReadIndexResp);
             ++t) {
            const char* core_name = core::to_string(static_cast<core::MessageType>(t));
            QCOMPARE(lab::message_type_name(t), core_name);
            std::uint32_t back = 99;
            QVERIFY(lab::message_type_number(core_name, &back));
            QCOMPARE(back, t);
        }
        QCOMPARE(lab::message_type_name(200), "UnknownMessage");
        // A malformed group (arrays of different lengths) reads to its shortest.
        pb::WatchEvent ev;
        ev.mutable_messages()->add_types(4);
        ev.mutable_messages()->add_types(4);
        ev.mutable_messages()->add_peers(2);
        int n = 0;
        lab::for_each_message(ev, [&](const pb::MessageEvent&) { ++n; });
        QCOMPARE(n, 0);
    }
};

QTEST_GUILESS_MAIN(TestLabPlaneBatch)
#include "test_lab_plane_batch.moc"
