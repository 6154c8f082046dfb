// The scale-out guide end to end, through the Makefile targets a person
// types (scenarios/single-node-expansion/), on the guide's own ports
// 9081..9083 with the guide's own config files:
//   1. make start-node1                 node 1 alone elects itself
//   2. 1,000 keys written               (plus one through `make put`)
//   3. make join-node2                  learner, caught up, promoted
//   4. make join-node3                  the same, promoted after node 2
//   5. every key on nodes 2 and 3       their own applied state (eventual)
//   6. make kill-leader                 kill -9; a new leader; writes go on
//   7. restart the killed node          with its original file: a follower
//                                       that catches up, never a new cluster
// Node 1 runs from step 1 to step 6 without a restart.
#include <signal.h>

#include <QtTest>
#include <atomic>
#include <map>
#include <thread>

#include "guide_dir.h"
#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

const std::vector<std::string> kEndpoints = {"127.0.0.1:9081", "127.0.0.1:9082", "127.0.0.1:9083"};

std::string endpoint(int node) {
    return kEndpoints.at(static_cast<std::size_t>(node - 1));
}

std::string key_of(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "guide/%04d", i);
    return buf;
}

std::string value_of(int i) {
    return "value-" + std::to_string(i) + "-" + std::string(static_cast<std::size_t>(i % 50), 'x');
}

// Writes keys [from, to) with `clients` concurrent clients; returns the first
// error message, or "" if every put was acknowledged.
std::string write_keys(int from, int to, int clients = 8) {
    std::mutex mu;
    std::string first_error;
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            api::RemoteOptions ro;
            ro.timeout = 15s;
            api::RemoteClient client(kEndpoints, ro);
            for (int i = from + c; i < to; i += clients) {
                auto r = client.put(key_of(i), value_of(i));
                if (!r.error.ok()) {
                    std::lock_guard lock(mu);
                    if (first_error.empty()) first_error = key_of(i) + ": " + r.error.message;
                    return;
                }
            }
        });
    }
    for (auto& t : threads)
        t.join();
    return first_error;
}

// Node `node`'s own copy of the guide/ keys (an eventual read: no leader
// involved, exactly what that node has applied).
std::map<std::string, std::string> keys_on(int node) {
    api::RemoteOptions ro;
    ro.timeout = 3s;
    api::RemoteClient client({endpoint(node)}, ro);
    auto r = client.scan("guide/", 100000, api::Consistency::Eventual, endpoint(node));
    std::map<std::string, std::string> out;
    if (!r.error.ok()) return out;
    for (const auto& kv : r.items)
        out[kv.key] = kv.value;
    return out;
}

std::map<std::string, std::string> expected_keys(int count) {
    std::map<std::string, std::string> out;
    for (int i = 0; i < count; ++i)
        out[key_of(i)] = value_of(i);
    return out;
}

// The leader as node `ask` sees it, if that node itself is the leader or
// names one.
std::optional<int> leader_seen_by(int ask) {
    api::RemoteOptions ro;
    ro.attempt_timeout = 500ms;
    api::RemoteClient c({endpoint(ask)}, ro);
    auto s = c.status(endpoint(ask));
    if (!s.error.ok() || s.status.leader_id() == 0) return std::nullopt;
    return static_cast<int>(s.status.leader_id());
}

}  // namespace

class TestGuideFlow : public QObject {
    Q_OBJECT

  private slots:
    void guide_flow_through_the_makefile() {
        GuideDir guide;
        QVERIFY2(guide.ok(), "could not copy scenarios/single-node-expansion to a temp dir");

        // Step 1: node 1 alone. A majority of one is itself.
        auto r = guide.make({"start-node1"});
        QVERIFY2(r.code == 0, r.output.c_str());
        QVERIFY2(r.output.find("node 1 is up") != std::string::npos, r.output.c_str());
        std::string log1 = guide.log(1);
        QVERIFY2(log1.find("[Node 1] Follower → Candidate (term 1)") != std::string::npos,
                 log1.c_str());
        QVERIFY2(log1.find("[Node 1] Candidate → Leader (term ") != std::string::npos,
                 log1.c_str());
        const int node1_pid = guide.pid(1);
        QVERIFY(node1_pid > 0);
        // Idempotent: a second start says so and starts nothing.
        r = guide.make({"start-node1"});
        QVERIFY2(r.code == 0 && r.output.find("already running") != std::string::npos,
                 r.output.c_str());
        QCOMPARE(guide.pid(1), node1_pid);

        // Step 2: data before anyone joins.
        const int kKeys = 1000;
        std::string error = write_keys(0, kKeys);
        QVERIFY2(error.empty(), error.c_str());
        r = guide.make({"put", "KEY=guide-greeting", "VALUE=hello"});
        QVERIFY2(r.code == 0 && r.output.find("OK (index") != std::string::npos, r.output.c_str());

        // Step 3: node 2 joins as a learner and is promoted on its own.
        r = guide.make({"join-node2"});
        QVERIFY2(r.code == 0 && r.output.find("node 2 is up") != std::string::npos,
                 r.output.c_str());
        std::string log2 = guide.log(2);
        QVERIFY2(log2.find("JoinCluster accepted by leader 1") != std::string::npos, log2.c_str());
        QVERIFY2(log2.find("[Node 2] Learner → Follower (term ") != std::string::npos,
                 log2.c_str());
        QVERIFY2(log2.find("🎊 NODE 2 PROMOTED TO VOTER!") != std::string::npos, log2.c_str());
        // Two voters tolerate no failure: the leader says so, with the numbers.
        QVERIFY2(guide.log(1).find("2 voters, an even number: a quorum is 2 of 2, so it "
                                   "survives 0 failure(s)") != std::string::npos,
                 guide.log(1).c_str());

        // Step 4: node 3 right away, with its file exactly as the guide prints
        // it (node 2 hinted as role = 1, status = 2).
        r = guide.make({"join-node3"});
        QVERIFY2(r.code == 0 && r.output.find("node 3 is up") != std::string::npos,
                 r.output.c_str());
        std::string log3 = guide.log(3);
        QVERIFY2(log3.find("[Node 3] Learner → Follower (term ") != std::string::npos,
                 log3.c_str());
        QVERIFY2(log3.find("🎊 NODE 3 PROMOTED TO VOTER!") != std::string::npos, log3.c_str());
        log1 = guide.log(1);
        std::size_t promoted2 = log1.find("🎊 NODE 2 PROMOTED TO VOTER!");
        std::size_t promoted3 = log1.find("🎊 NODE 3 PROMOTED TO VOTER!");
        QVERIFY2(promoted2 != std::string::npos && promoted3 != std::string::npos, log1.c_str());
        QVERIFY2(promoted2 < promoted3, "node 3 was promoted before node 2");
        api::RemoteClient admin(kEndpoints);
        core::NodeId leader = 0;
        auto members = admin.members(&leader);
        QVERIFY2(members.error.ok(), members.error.message.c_str());
        QCOMPARE(members.membership.voters().size(), std::size_t(3));
        // Issue 4 aims at no leader change during expansion. On this shared
        // 2-core machine a starved process can still miss heartbeats for an
        // election timeout, so a change is reported, with the role changes
        // that explain it, rather than failed; raftlab-catchup-bench
        // measures it under controlled load.
        if (leader != 1) {
            std::string why;
            for (int n = 1; n <= 3; ++n) {
                std::string log = guide.log(n);
                std::size_t at = 0;
                while ((at = log.find('\n', at)) != std::string::npos) {
                    std::size_t next = log.find('\n', at + 1);
                    std::string line = log.substr(at + 1, next - at - 1);
                    if (line.find("Candidate") != std::string::npos ||
                        line.find("timeout") != std::string::npos)
                        why += line + "\n";
                    at = next;
                }
            }
            qWarning("leader changed during expansion: now node %d\n%s", static_cast<int>(leader),
                     why.c_str());
        }

        // Step 5: every key on nodes 2 and 3, read from their own state.
        auto expected = expected_keys(kKeys);
        for (int node : {2, 3}) {
            QVERIFY2(
                wait_until([&] { return keys_on(node) == expected; }, 20s),
                ("node " + std::to_string(node) + " has " + std::to_string(keys_on(node).size()) +
                 " of " + std::to_string(kKeys) + " keys, or different values")
                    .c_str());
            r = guide.make({"get", "KEY=guide-greeting", "NODE=" + QString::number(node)});
            QVERIFY2(r.code == 0 && r.output.find("\nhello") != std::string::npos,
                     r.output.c_str());
        }
        r = guide.make({"status"});
        QVERIFY2(r.code == 0 && r.output.find("Leader") != std::string::npos, r.output.c_str());

        // Step 6: node 1 has run since step 1; now kill -9 the leader.
        QCOMPARE(guide.pid(1), node1_pid);
        log1 = guide.log(1);
        QVERIFY2(log1.find("restored from") == std::string::npos, log1.c_str());
        r = guide.make({"kill-leader"});
        QVERIFY2(r.code == 0 && r.output.find("killed leader node 1") != std::string::npos,
                 r.output.c_str());
        QVERIFY(wait_until([&] { return ::kill(node1_pid, 0) != 0; }, 5s));
        std::optional<int> new_leader;
        QVERIFY2(wait_until(
                     [&] {
                         auto a = leader_seen_by(2), b = leader_seen_by(3);
                         if (a && b && *a == *b && *a != 1) new_leader = a;
                         return new_leader.has_value();
                     },
                     10s),
                 "no new leader among nodes 2 and 3 within 10 s of killing node 1");
        error = write_keys(kKeys, kKeys + 200, 4);
        QVERIFY2(error.empty(), error.c_str());

        // Step 7: node 1 with its original one-node file. Its persisted
        // membership wins: it follows the new leader and catches up.
        r = guide.make({"start-node1"});
        QVERIFY2(r.code == 0 && r.output.find("node 1 is up") != std::string::npos,
                 r.output.c_str());
        log1 = guide.log(1);
        QVERIFY2(log1.find("restored from") != std::string::npos, log1.c_str());
        QVERIFY2(log1.find("voters {1, 2, 3}", log1.find("restored from")) != std::string::npos,
                 log1.c_str());
        auto all = expected_keys(kKeys + 200);
        QVERIFY2(wait_until([&] { return keys_on(1) == all; }, 20s),
                 ("node 1 has " + std::to_string(keys_on(1).size()) + " of " +
                  std::to_string(kKeys + 200) + " keys after its restart")
                     .c_str());
        // It came back as a follower (not a fresh one-node leader) and knows
        // the leader. On a loaded machine the leader may have changed again
        // since step 6; that is allowed, a second one-node cluster is not.
        std::string restarted = log1.substr(log1.find("restored from"));
        QVERIFY2(restarted.find("Follower (term ") != std::string::npos, restarted.c_str());
        QVERIFY2(restarted.find("bootstrapping") == std::string::npos, restarted.c_str());
        api::RemoteClient c1({endpoint(1)});
        auto s1 = c1.status(endpoint(1));
        QVERIFY(s1.error.ok());
        QVERIFY2(s1.status.leader_id() != 0, s1.status.role_name().c_str());
        if (static_cast<int>(s1.status.leader_id()) != *new_leader) {
            qInfo("leader changed again after step 6: node %d, then node %d (term %lu)",
                  *new_leader, static_cast<int>(s1.status.leader_id()),
                  static_cast<unsigned long>(s1.status.term()));
        }
        members = admin.members(&leader);
        QVERIFY(members.error.ok());
        QCOMPARE(members.membership.voters().size(), std::size_t(3));
        QVERIFY(members.membership.learners().empty());
    }
};

QTEST_APPLESS_MAIN(TestGuideFlow)
#include "test_guide_flow.moc"
