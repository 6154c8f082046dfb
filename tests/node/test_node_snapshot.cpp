// A follower left behind past log compaction catches up through
// InstallSnapshot (§7), and says so in its log.
#include <QtTest>

#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

class TestNodeSnapshot : public QObject {
    Q_OBJECT

  private slots:
    void lagging_follower_catches_up_by_snapshot() {
        ClusterOptions options;
        options.extra_toml = "[raft]\nsnapshot_threshold = 50\n";
        Cluster cluster(options);
        QVERIFY(cluster.start_all());
        auto leader = cluster.wait_leader();
        QVERIFY(leader);
        std::uint64_t lagging = *leader == 3 ? 2 : 3;
        cluster.node(lagging).kill9();
        auto lag_last = cluster.status(*leader).status.last_index();

        // Enough writes for several snapshots; the leader compacts its log
        // past everything the stopped follower has.
        for (int i = 0; i < 300; ++i) {
            auto r = cluster.client().put("k" + std::to_string(i), std::string(100, 'x'));
            QVERIFY2(r.error.ok(), r.error.message.c_str());
        }
        QVERIFY2(wait_until(
                     [&] {
                         auto s = cluster.status(*leader);
                         return s.error.ok() && s.status.first_index() > lag_last + 1;
                     },
                     10s),
                 "the leader did not compact its log");

        QVERIFY(cluster.node(lagging).start());
        auto target = cluster.status(*leader).status.commit_index();
        QVERIFY2(wait_until(
                     [&] {
                         auto s = cluster.status(lagging);
                         return s.error.ok() && s.status.applied_index() >= target;
                     },
                     15s),
                 "the lagging follower did not catch up");
        QVERIFY2(cluster.node(lagging).log_contains("installed snapshot via InstallSnapshot"),
                 cluster.node(lagging).log().c_str());
        auto c = cluster.client_for(lagging);
        auto r = c->get("k0", api::Consistency::Eventual, cluster.address(lagging));
        QVERIFY2(r.error.ok(), r.error.message.c_str());
        QCOMPARE(r.value.value_or("<none>"), std::string(100, 'x'));
        r = c->get("k299", api::Consistency::Eventual, cluster.address(lagging));
        QVERIFY(r.value.has_value());
    }
};

QTEST_APPLESS_MAIN(TestNodeSnapshot)
#include "test_node_snapshot.moc"
