// Log hygiene (docs/security.md): user data (keys and values) never reaches a
// node's log unless --log-values asks for it. A cluster writes distinctive
// keys and values through puts, CAS, deletes, a snapshot and a leader change;
// every node's log is searched for them. The same run with --log-values
// shows the search would find them (the check can fail).
#include <QtTest>
#include <random>

#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

struct Secrets {
    std::string key, value, cas_value;
};

Secrets make_secrets() {
    std::mt19937_64 rng(std::random_device{}());
    const std::string tag = std::to_string(rng());
    return {"k-private-" + tag, "v-confidential-" + tag, "v-swapped-" + tag};
}

// Drives every write path that could plausibly log user data.
void exercise(Cluster& cluster, const Secrets& s) {
    auto& c = cluster.client();
    QVERIFY(cluster.wait_leader(20s));
    auto w = c.put(s.key, s.value);
    QVERIFY2(w.error.ok(), w.error.message.c_str());
    auto cas = c.compare_and_swap(s.key, s.value, s.cas_value);
    QVERIFY2(cas.error.ok() && cas.succeeded, cas.error.message.c_str());
    // Past [raft] snapshot_threshold: a snapshot is taken and logged.
    for (int i = 0; i < 30; ++i) {
        auto more = c.put(s.key + "-" + std::to_string(i), s.value + "-" + std::to_string(i));
        QVERIFY2(more.error.ok(), more.error.message.c_str());
    }
    auto r = c.get(s.key);
    QVERIFY(r.error.ok());
    QCOMPARE(r.value.value_or("<none>"), s.cas_value);
    auto d = c.del(s.key + "-0");
    QVERIFY2(d.error.ok(), d.error.message.c_str());
    // A leader change (the new leader logs its election and commits).
    auto leader = cluster.wait_leader(10s);
    QVERIFY(leader);
    cluster.node(*leader).kill9();
    QVERIFY(cluster.wait_leader(20s, *leader));
    QVERIFY(c.put(s.key + "-after", s.value + "-after").error.ok());
    QVERIFY(cluster.node(*leader).start());
    QVERIFY(wait_until(
        [&] {
            auto st = cluster.status(*leader);
            return st.error.ok() && st.status.applied_index() > 30;
        },
        20s));
}

std::string all_logs(Cluster& cluster) {
    std::string out;
    for (auto id : cluster.ids())
        out += cluster.node(id).log();
    return out;
}

}  // namespace

class TestLogHygiene : public QObject {
    Q_OBJECT

  private slots:
    void values_and_keys_stay_out_of_the_logs() {
        ClusterOptions options;
        options.extra_toml = "[raft]\nsnapshot_threshold = 20\n";
        Cluster cluster(options);
        QVERIFY(cluster.start_all());
        const Secrets s = make_secrets();
        exercise(cluster, s);
        const std::string logs = all_logs(cluster);
        QVERIFY(logs.find("snapshot at index") != std::string::npos);  // the paths ran
        QVERIFY2(logs.find(s.value) == std::string::npos, "a value reached a node log");
        QVERIFY2(logs.find(s.cas_value) == std::string::npos, "a value reached a node log");
        QVERIFY2(logs.find(s.key) == std::string::npos, "a key reached a node log");
    }

    void log_values_flag_shows_them() {
        ClusterOptions options;
        options.extra_toml = "[raft]\nsnapshot_threshold = 20\n";
        Cluster cluster(options);
        for (auto id : cluster.ids())
            QVERIFY(cluster.node(id).start({"--log-values"}));
        const Secrets s = make_secrets();
        exercise(cluster, s);
        const std::string logs = all_logs(cluster);
        QVERIFY2(logs.find("key=\"" + s.key + "\" value=\"" + s.value + "\"") != std::string::npos,
                 "--log-values did not log the put");
        QVERIFY(logs.find(s.cas_value) != std::string::npos);
        QVERIFY(logs.find("(--log-values)") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestLogHygiene)
#include "test_log_hygiene.moc"
