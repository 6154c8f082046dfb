// A leader that was paused (SIGSTOP) past its lease must not serve a stale
// lease read when it wakes up: the node catches its ticks up from the clock
// before it judges the lease (thesis §6.4.1).
#include <QtTest>
#include <atomic>
#include <thread>

#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

class TestNodeLease : public QObject {
    Q_OBJECT

  private slots:
    void paused_leader_serves_no_stale_lease_read() {
        Cluster cluster;
        QVERIFY(cluster.start_all());
        auto old_leader = cluster.wait_leader();
        QVERIFY(old_leader);
        QVERIFY(cluster.client().put("x", "old").error.ok());

        // Freeze the leader; the others elect a new one and move on.
        cluster.node(*old_leader).pause();
        auto next = cluster.wait_leader(15s, *old_leader);
        QVERIFY2(next, "no new leader while the old one was paused");
        std::vector<std::string> others;
        for (auto id : cluster.ids()) {
            if (id != *old_leader) others.push_back(cluster.address(id));
        }
        api::RemoteClient survivors(others);
        auto w = survivors.put("x", "new");
        QVERIFY2(w.error.ok(), w.error.message.c_str());

        // Wake the old leader and immediately ask it for a lease read. It
        // must either refuse (not leader) or answer with the new value.
        cluster.node(*old_leader).resume();
        auto c = cluster.client_for(*old_leader, 5s);
        int answered = 0;
        for (int i = 0; i < 20; ++i) {
            auto r = c->get("x", api::Consistency::Lease, cluster.address(*old_leader));
            if (r.error.ok()) {
                ++answered;
                QVERIFY2(r.value == std::string("new"),
                         ("stale lease read from a paused leader: " + r.value.value_or("<none>"))
                             .c_str());
            } else {
                QVERIFY2(
                    r.error.code == api::Code::NotLeader || r.error.code == api::Code::NoLeader,
                    r.error.message.c_str());
            }
        }
        qInfo("lease reads after resume: %d answered with the new value, %d refused", answered,
              20 - answered);
    }
};

QTEST_APPLESS_MAIN(TestNodeLease)
#include "test_node_lease.moc"
