// The guide's three files load as printed, and their meaning (bootstrap or
// join, seeds, timing in ticks) is what the guide and issue 4 expect.
#include <QFile>
#include <QTest>

#include "engine/config/config.h"

using namespace raftlab;
using config::NodeConfig;

namespace {
std::string data(const char* name) {
    return std::string(RAFTLAB_CONFIG_TEST_DATA) + "/" + name;
}
}  // namespace

class ConfigLoaderTest : public QObject {
    Q_OBJECT
  private slots:
    void guideNode1BootstrapsOneVoter() {
        const NodeConfig c = config::load_node_config(data("n1.toml"));
        QCOMPARE(c.cluster.node_id, 1u);
        QCOMPARE(c.cluster.listen_address, std::string("0.0.0.0:9081"));
        QCOMPARE(c.cluster.db_root_dir, std::filesystem::path("./db"));
        QCOMPARE(c.cluster.cluster_id, std::string("raftlab"));
        QVERIFY(!c.joins_as_learner());
        QVERIFY(c.join_seeds().empty());
        const core::Membership m = c.bootstrap_membership();
        QCOMPARE(m.members.size(), std::size_t(1));
        QVERIFY(m.members.at(1).voter);
        QCOMPARE(m.members.at(1).status, core::NodeStatus::Active);
        QVERIFY(c.warnings.empty());
        // Data lives in <cwd>/db/node1, so all three guide nodes share ./db.
        QCOMPARE(c.data_dir(),
                 (std::filesystem::current_path() / "db" / "node1").lexically_normal());
    }

    void guideNode2JoinsAsLearner() {
        const NodeConfig c = config::load_node_config(data("n2.toml"));
        QCOMPARE(c.cluster.node_id, 2u);
        QCOMPARE(c.cluster.initial_cluster.size(), std::size_t(2));
        QCOMPARE(c.self().role, core::Role::Learner);
        QCOMPARE(c.self().status, core::NodeStatus::Promotable);
        QVERIFY(c.joins_as_learner());
        QVERIFY(c.bootstrap_membership().members.empty());
        QCOMPARE(c.join_seeds(), std::vector<std::string>{"127.0.0.1:9081"});
        QCOMPARE(c.data_dir().filename(), std::filesystem::path("node2"));
    }

    void guideNode3JoinsDespiteStaleHint() {
        // n3.toml lists node 2 as role = 1 (Candidate): a hint, not binding.
        const NodeConfig c = config::load_node_config(data("n3.toml"));
        QCOMPARE(c.cluster.initial_cluster[1].role, core::Role::Candidate);
        QVERIFY(c.joins_as_learner());
        QVERIFY(c.bootstrap_membership().members.empty());
        // The hinted leader is asked first, then the other members.
        QCOMPARE(c.join_seeds(), (std::vector<std::string>{"127.0.0.1:9081", "127.0.0.1:9082"}));
        QVERIFY(c.warnings.empty());
    }

    void conservativeNode3VariantAndNames() {
        const NodeConfig c = config::parse_node_config(R"(
[cluster]
node_id = 3
listen_address = "127.0.0.1:9083"
initial_cluster = [
    { id = 1, address = "127.0.0.1:9081", role = "leader", status = "active" },
    { id = 2, address = "127.0.0.1:9082", role = 3, status = 0 },
    { id = 3, address = "127.0.0.1:9083", role = "Learner", status = "promotable" },
]
db_root_dir = "/tmp/raftlab-db"
cluster_id = "lab-7"
)",
                                                       "n3-conservative.toml");
        QVERIFY(c.joins_as_learner());
        QCOMPARE(c.cluster.cluster_id, std::string("lab-7"));
        QCOMPARE(c.data_dir(), std::filesystem::path("/tmp/raftlab-db/node3"));
        QCOMPARE(c.join_seeds(), (std::vector<std::string>{"127.0.0.1:9081", "127.0.0.1:9082"}));
    }

    void staticThreeVoterBootstrap() {
        // Every voter bootstraps the same configuration; listed learners join it as learners.
        const NodeConfig c = config::parse_node_config(R"(
[cluster]
node_id = 2
listen_address = "127.0.0.1:9082"
initial_cluster = [
    { id = 1, address = "127.0.0.1:9081", role = 0 },
    { id = 2, address = "127.0.0.1:9082", role = 0 },
    { id = 3, address = "127.0.0.1:9083", role = 1 },
    { id = 4, address = "127.0.0.1:9084", role = 3, status = "read_only" },
]
)",
                                                       "static.toml");
        QVERIFY(!c.joins_as_learner());
        const core::Membership m = c.bootstrap_membership();
        QCOMPARE(m.members.size(), std::size_t(4));
        QVERIFY(m.members.at(1).voter && m.members.at(2).voter && m.members.at(3).voter);
        QVERIFY(!m.members.at(4).voter);
        QCOMPARE(m.members.at(4).status, core::NodeStatus::ReadOnly);
        QVERIFY(c.warnings.empty());
    }

    void evenVoterBootstrapWarns() {
        const NodeConfig c = config::parse_node_config(R"(
[cluster]
node_id = 1
listen_address = "127.0.0.1:9081"
initial_cluster = [
    { id = 1, address = "127.0.0.1:9081", role = 2, status = 2 },
    { id = 2, address = "127.0.0.1:9082", role = 0, status = 2 },
]
)",
                                                       "two.toml");
        QCOMPARE(c.warnings.size(), std::size_t(1));
        const QString w = QString::fromStdString(c.warnings[0]);
        QVERIFY2(w.contains("2 voters") && w.contains("quorum is 2") &&
                     w.contains("tolerates 0 failure"),
                 qPrintable(w));
    }

    void defaultsAndTicks() {
        const NodeConfig c = config::load_node_config(data("n1.toml"));
        QCOMPARE(c.raft.tick_ms, 10);
        QCOMPARE(c.raft.heartbeat_interval_ms, 50);
        QCOMPARE(c.raft.election_timeout_min_ms, 200);
        QCOMPARE(c.raft.election_timeout_max_ms, 400);
        QCOMPARE(c.raft.lease_ms, 150);
        QCOMPARE(c.raft.snapshot_threshold, 1000u);
        QCOMPARE(c.raft.learner_catchup_lag, 100u);
        QVERIFY(c.raft.auto_promote && c.raft.pre_vote && c.raft.check_quorum);
        QCOMPARE(c.limits.max_key_bytes, 4096u);
        QCOMPARE(c.limits.max_value_bytes, 1u << 20);
        QVERIFY(!c.lab.enabled);
        const core::Config cc = c.core_config();
        QCOMPARE(cc.id, 1u);
        QCOMPARE(cc.heartbeat_ticks, 5);
        QCOMPARE(cc.election_ticks_min, 20);
        QCOMPARE(cc.election_ticks_max, 40);
        QCOMPARE(cc.lease_ticks, 15);
        QVERIFY(cc.lease_ticks < cc.election_ticks_min);
        QVERIFY(cc.auto_promote);
        QCOMPARE(cc.learner_catchup_lag, core::Index(100));
        QVERIFY(cc.seed != config::load_node_config(data("n2.toml")).core_config().seed);
    }

    void everySection() {
        const NodeConfig c = config::parse_node_config(R"(
[cluster]
node_id = 1
listen_address = "127.0.0.1:9081"
initial_cluster = [ { id = 1, address = "127.0.0.1:9081", role = 2, status = 2 } ]

[raft]
tick_ms = 5
heartbeat_interval_ms = 30
election_timeout_min_ms = 150
election_timeout_max_ms = 301
lease_ms = 100
snapshot_threshold = 50
learner_catchup_lag = 7
auto_promote = false
pre_vote = false
check_quorum = false
max_inflight_msgs = 8
max_inflight_bytes = 1000000
max_append_entries = 16
max_append_bytes = 65536
snapshot_chunk_bytes = 262144

[limits]
max_key_bytes = 100
max_value_bytes = 1000
max_rpc_bytes = 2000000

[lab]
enabled = true
address = "127.0.0.2:9181"
)",
                                                       "all.toml");
        const core::Config cc = c.core_config();
        QCOMPARE(cc.heartbeat_ticks, 6);
        QCOMPARE(cc.election_ticks_min, 30);
        QCOMPARE(cc.election_ticks_max, 61);  // rounded up, never shorter than asked
        QCOMPARE(cc.lease_ticks, 20);
        QVERIFY(!cc.pre_vote && !cc.check_quorum && !cc.auto_promote);
        QCOMPARE(cc.max_inflight_msgs, std::size_t(8));
        QCOMPARE(cc.max_entries_per_msg, std::size_t(16));
        QCOMPARE(cc.max_bytes_per_msg, std::size_t(65536));
        QCOMPARE(c.raft.snapshot_threshold, 50u);
        QCOMPARE(c.raft.snapshot_chunk_bytes, 262144u);
        QCOMPARE(c.limits.max_key_bytes, 100u);
        QCOMPARE(c.limits.max_rpc_bytes, 2000000u);
        QVERIFY(c.lab.enabled);
        QCOMPARE(c.lab.address, std::string("127.0.0.2:9181"));
    }

    void embeddedDefault() {
        const NodeConfig c = config::default_single_node("/tmp/raftlab-embedded");
        QCOMPARE(c.data_dir(), std::filesystem::path("/tmp/raftlab-embedded/node1"));
        QVERIFY(!c.joins_as_learner());
        QCOMPARE(c.bootstrap_membership().voters(), std::vector<core::NodeId>{1});
        QCOMPARE(config::parse_host_port(c.cluster.listen_address)->port, std::uint16_t(0));
    }

    void documentedExampleLoads() {
        // docs/configuration.md ends with a complete example; keep it true.
        QFile doc(RAFTLAB_CONFIG_DOC);
        QVERIFY(doc.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(doc.readAll());
        const qsizetype start = text.lastIndexOf("```toml\n");
        QVERIFY(start >= 0);
        const qsizetype body = start + 8;
        const qsizetype end = text.indexOf("```", body);
        QVERIFY(end > body);
        const NodeConfig c = config::parse_node_config(text.mid(body, end - body).toStdString(),
                                                       "docs/configuration.md");
        QVERIFY(c.joins_as_learner());
        QVERIFY(c.lab.enabled);
        QVERIFY(c.warnings.empty());
    }

    void addresses() {
        QCOMPARE(config::dial_address("0.0.0.0:9081"), std::string("127.0.0.1:9081"));
        QCOMPARE(config::dial_address("[::]:9081"), std::string("127.0.0.1:9081"));
        QCOMPARE(config::dial_address("10.1.2.3:80"), std::string("10.1.2.3:80"));
        const auto v6 = config::parse_host_port("[::1]:7");
        QVERIFY(v6 && v6->host == "::1" && v6->port == 7);
        QVERIFY(!config::parse_host_port("localhost"));
        QVERIFY(!config::parse_host_port("h:65536"));
        QVERIFY(!config::parse_host_port(":80"));
        QVERIFY(!config::parse_host_port("::1:80"));
        QVERIFY(!config::parse_host_port("h:8x"));
        QVERIFY(config::is_loopback_host("127.0.0.1"));
        QVERIFY(config::is_loopback_host("127.200.3.4"));
        QVERIFY(config::is_loopback_host("localhost"));
        QVERIFY(config::is_loopback_host("::1"));
        QVERIFY(!config::is_loopback_host("128.0.0.1"));
        QVERIFY(!config::is_loopback_host("127.0.0"));
        QVERIFY(!config::is_loopback_host("0.0.0.0"));
        QCOMPARE(config::parse_role("LEARNER"), std::optional(core::Role::Learner));
        QCOMPARE(config::parse_role("4"), std::optional<core::Role>());
        QCOMPARE(config::parse_status("read_only"), std::optional(core::NodeStatus::ReadOnly));
    }
};

QTEST_APPLESS_MAIN(ConfigLoaderTest)
#include "test_config_loader.moc"
