// A real 3-node cluster of raftlab-node processes on loopback: replication,
// reads at every consistency level, failover under a writer with kill -9,
// restart and catch-up, and a full-cluster crash (issue 3, "Must show").
#include <grpcpp/grpcpp.h>

#include <QtTest>
#include <atomic>
#include <mutex>
#include <thread>

#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

std::string key_of(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "w/%06d", i);
    return buf;
}

// Writes w/000000, w/000001, ... one at a time and records what was
// acknowledged. Bounded in count and time.
class Writer {
  public:
    Writer(std::vector<std::string> endpoints, int max_ops = 100000)
        : endpoints_(std::move(endpoints)), max_ops_(max_ops) {
        thread_ = std::thread([this] { run(); });
    }
    ~Writer() { stop(); }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    int acked_count() {
        std::lock_guard lock(mu_);
        return static_cast<int>(acked_.size());
    }
    std::vector<int> acked() {
        std::lock_guard lock(mu_);
        return acked_;
    }

  private:
    void run() {
        api::RemoteOptions ro;
        ro.timeout = 3s;
        ro.attempt_timeout = 500ms;
        api::RemoteClient client(endpoints_, ro);
        auto end = std::chrono::steady_clock::now() + 60s;
        for (int i = 0; i < max_ops_ && !stop_ && std::chrono::steady_clock::now() < end;) {
            auto r = client.put(key_of(i), "v" + std::to_string(i));
            if (r.error.ok()) {
                std::lock_guard lock(mu_);
                acked_.push_back(i);
                ++i;
            }
            // Not acknowledged: retry the same key (a put is idempotent).
        }
    }
    std::vector<std::string> endpoints_;
    int max_ops_;
    std::atomic<bool> stop_{false};
    std::mutex mu_;
    std::vector<int> acked_;
    std::thread thread_;
};

// Every acknowledged key must be readable with its value.
void verify_acked(api::RemoteClient& client, const std::vector<int>& acked) {
    auto r = client.scan("w/", 1000000, api::Consistency::Linearizable);
    QVERIFY2(r.error.ok(), r.error.message.c_str());
    std::map<std::string, std::string> have;
    for (auto& kv : r.items)
        have[kv.key] = kv.value;
    for (int i : acked) {
        auto it = have.find(key_of(i));
        QVERIFY2(it != have.end(), ("acknowledged write lost: " + key_of(i)).c_str());
        QCOMPARE(it->second, "v" + std::to_string(i));
    }
}

}  // namespace

class TestNodeCluster : public QObject {
    Q_OBJECT

  private slots:
    void replicates_and_reads_at_every_level() {
        Cluster cluster;
        QVERIFY(cluster.start_all());
        auto leader = cluster.wait_leader();
        QVERIFY2(leader, "no leader within 10 s");

        auto put = cluster.client().put("greeting", "hello");
        QVERIFY2(put.error.ok(), put.error.message.c_str());

        for (auto id : cluster.ids()) {
            // Eventual: each node's own applied state, once replication reaches it.
            auto c = cluster.client_for(id);
            QVERIFY2(wait_until(
                         [&] {
                             auto r = c->get("greeting", api::Consistency::Eventual,
                                             cluster.address(id));
                             return r.error.ok() && r.value == std::string("hello");
                         },
                         5s),
                     ("eventual read on node " + std::to_string(id)).c_str());
            // Linearizable through this node (a follower asks the leader for
            // the read index).
            auto r = c->get("greeting", api::Consistency::Linearizable, cluster.address(id));
            QVERIFY2(r.error.ok(), r.error.message.c_str());
            QCOMPARE(r.value.value_or("<none>"), std::string("hello"));
            QCOMPARE(r.served_by, id);
        }
        // Lease read on the leader.
        auto lc = cluster.client_for(*leader);
        auto lr = lc->get("greeting", api::Consistency::Lease, cluster.address(*leader));
        QVERIFY2(lr.error.ok(), lr.error.message.c_str());
        QCOMPARE(lr.value.value_or("<none>"), std::string("hello"));

        // A write sent to a follower is refused with the leader's address.
        std::uint64_t follower = *leader == 1 ? 2 : 1;
        auto fc = cluster.client_for(follower);
        pb::PutRequest req;
        req.set_key("x");
        req.set_value("y");
        auto channel =
            grpc::CreateChannel(cluster.address(follower), grpc::InsecureChannelCredentials());
        auto stub = pb::KV::NewStub(channel);
        grpc::ClientContext ctx;
        pb::PutResponse resp;
        QVERIFY(stub->Put(&ctx, req, &resp).ok());
        QCOMPARE(resp.error().code(), pb::NOT_LEADER);
        QCOMPARE(resp.error().leader_id(), *leader);
        QCOMPARE(resp.error().leader_address(), cluster.address(*leader));
    }

    void paused_follower_does_not_stall_writes_and_catches_up() {
        Cluster cluster;
        QVERIFY(cluster.start_all());
        auto leader = cluster.wait_leader();
        QVERIFY(leader);
        std::uint64_t paused = *leader == 1 ? 2 : 1;
        // SIGSTOP keeps its TCP connections open but reads nothing: the
        // leader's sends to it must not block replication to the other one.
        cluster.node(paused).pause();
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 500; ++i) {
            auto r = cluster.client().put("p/" + std::to_string(i), std::string(1000, 'p'));
            QVERIFY2(r.error.ok(), r.error.message.c_str());
        }
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        qInfo("500 writes with one follower paused: %.2f s", secs);
        cluster.node(paused).resume();
        auto target = cluster.status(*leader).status.commit_index();
        QVERIFY2(wait_until(
                     [&] {
                         auto s = cluster.status(paused);
                         return s.error.ok() && s.status.applied_index() >= target;
                     },
                     15s),
                 "the paused follower did not catch up after SIGCONT");
    }

    void failover_restart_and_full_crash_keep_acknowledged_writes() {
        Cluster cluster;
        QVERIFY(cluster.start_all());
        auto leader = cluster.wait_leader();
        QVERIFY(leader);

        Writer writer(cluster.endpoint_list());
        QVERIFY(wait_until([&] { return writer.acked_count() >= 200; }, 20s));

        // kill -9 the leader under load.
        cluster.node(*leader).kill9();
        auto before = writer.acked_count();
        auto next = cluster.wait_leader(10s, *leader);
        QVERIFY2(next, "no new leader within 10 s of killing the old one");
        QVERIFY(*next != *leader);
        QVERIFY2(wait_until([&] { return writer.acked_count() >= before + 200; }, 20s),
                 "writes did not resume after failover");

        // Restart the killed node: it catches up.
        QVERIFY(cluster.node(*leader).start());
        auto target = cluster.status(*next).status.commit_index();
        QVERIFY2(wait_until(
                     [&] {
                         auto s = cluster.status(*leader);
                         return s.error.ok() && s.status.applied_index() >= target;
                     },
                     15s),
                 "the restarted node did not catch up");
        writer.stop();
        auto acked = writer.acked();
        verify_acked(cluster.client(), acked);

        // The restarted node has every acknowledged write too.
        auto c = cluster.client_for(*leader);
        QVERIFY(wait_until(
            [&] {
                auto r = c->get(key_of(acked.back()), api::Consistency::Eventual,
                                cluster.address(*leader));
                return r.error.ok() && r.value.has_value();
            },
            10s));

        // kill -9 everyone, restart, and nothing acknowledged is missing.
        for (auto id : cluster.ids())
            cluster.node(id).kill9();
        QVERIFY(cluster.start_all());
        QVERIFY2(cluster.wait_leader(15s), "no leader after restarting all three");
        verify_acked(cluster.client(), acked);
        qInfo("acknowledged writes: %zu, all present after failover and full restart",
              acked.size());
    }
};

QTEST_APPLESS_MAIN(TestNodeCluster)
#include "test_node_cluster.moc"
