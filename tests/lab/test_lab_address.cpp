// Where the Lab service listens (issue 5 "Safety of the plane"), on real
// raftlab-node processes: a node that listens on every interface (the
// scale-out guide's 0.0.0.0 files) serves Lab only on a loopback listener of
// its own (--lab-address or [lab] address); a non-loopback lab address is
// refused at start with the fix in the message; a node on loopback keeps
// serving Lab on its listen address too.
#include <grpcpp/grpcpp.h>

#include <QtTest>

#include "lab_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

// Rewrites node 1's config to listen on 0.0.0.0 (same port).
bool listen_on_every_interface(Cluster& cluster) {
    QFile f(QString::fromStdString(cluster.config_path(1)));
    if (!f.open(QIODevice::ReadOnly)) return false;
    QString toml = QString::fromUtf8(f.readAll());
    f.close();
    const QString addr = QString::fromStdString(cluster.address(1));
    toml.replace("listen_address = \"" + addr + "\"",
                 "listen_address = \"0.0.0.0:" + addr.section(':', -1) + "\"");
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    f.write(toml.toUtf8());
    return true;
}

std::unique_ptr<pb::Lab::Stub> lab_at(const std::string& address) {
    return pb::Lab::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

// A full Watch round trip: the stream starts with node 1's NodeState, and a
// write through the KV port shows up on it as a ClientRequest.
void watch_serves(Cluster& cluster, const std::string& lab_address) {
    QVERIFY(cluster.wait_leader(15s));  // up and serving: the Watch is not retried
    auto lab = lab_at(lab_address);
    pb::WatchRequest req;
    req.set_include_client(true);
    WatchLog log(*lab, req);
    pb::WatchEvent first;
    QVERIFY2(log.wait_for([](const pb::WatchEvent& ev) { return ev.has_state(); }, 10s, &first),
             ("no NodeState from Lab.Watch at " + lab_address).c_str());
    QCOMPARE(first.node_id(), std::uint64_t{1});
    QVERIFY(cluster.client().put("seen", "on the lab listener").error.ok());
    QVERIFY(log.wait_for(
        [](const pb::WatchEvent& ev) {
            return ev.has_client_request() && ev.client_request().key() == "seen";
        },
        10s));
}

grpc::Status clear_faults(const std::string& address) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 5s);
    pb::LabReply reply;
    return lab_at(address)->ClearFaults(&ctx, pb::ClearFaultsRequest(), &reply);
}

}  // namespace

class TestLabAddress : public QObject {
    Q_OBJECT

  private slots:
    void every_interface_node_serves_lab_on_its_loopback_lab_address() {
        Cluster cluster(ClusterOptions{1});
        QVERIFY(listen_on_every_interface(cluster));
        const std::string lab = "127.0.0.1:" + std::to_string(free_port());
        QVERIFY(cluster.node(1).start({"--lab", "--lab-address", lab}));
        watch_serves(cluster, lab);
        QVERIFY2(cluster.node(1).log_contains("Lab service on " + lab),
                 cluster.node(1).log().c_str());
        // Not on the 0.0.0.0 listener: only KV, Cluster and the peer service.
        QCOMPARE(clear_faults(cluster.address(1)).error_code(), grpc::StatusCode::UNIMPLEMENTED);
        QCOMPARE(clear_faults(lab).error_code(), grpc::StatusCode::OK);
        // A viewer attached to the lab address can be a client there too.
        api::RemoteClient via_lab({lab});
        QVERIFY(via_lab.put("via", "lab listener").error.ok());
        QVERIFY(via_lab.status(lab).error.ok());
    }

    void lab_address_from_the_config_file() {
        const std::string lab = "127.0.0.1:" + std::to_string(free_port());
        // [lab] enabled = true is --lab; no flag on the command line.
        Cluster cluster(ClusterOptions{1, "[lab]\nenabled = true\naddress = \"" + lab + "\"\n"});
        QVERIFY(listen_on_every_interface(cluster));
        QVERIFY(cluster.node(1).start());
        watch_serves(cluster, lab);
    }

    void loopback_node_serves_lab_on_both_addresses() {
        // The runner's and the GUI's clusters dial Lab on the listen address.
        Cluster cluster(ClusterOptions{1});
        const std::string lab = "127.0.0.1:" + std::to_string(free_port());
        QVERIFY(cluster.node(1).start({"--lab-address", lab}));  // implies --lab
        watch_serves(cluster, lab);
        watch_serves(cluster, cluster.address(1));
    }

    void non_loopback_lab_address_is_refused() {
        Cluster cluster(ClusterOptions{1});
        QVERIFY(listen_on_every_interface(cluster));
        const std::string lab = "0.0.0.0:" + std::to_string(free_port());
        auto& node = cluster.node(1);
        QVERIFY(node.start({"--lab", "--lab-address", lab}));
        QCOMPARE(node.wait_exit(10s), 1);
        QVERIFY2(node.log_contains("lab address " + lab + " is not a loopback address"),
                 node.log().c_str());
        QVERIFY2(node.log_contains("Use --lab-address 127.0.0.1:PORT"), node.log().c_str());
    }

    void lab_on_every_interface_without_lab_address_is_refused() {
        Cluster cluster(ClusterOptions{1});
        QVERIFY(listen_on_every_interface(cluster));
        auto& node = cluster.node(1);
        QVERIFY(node.start({"--lab"}));
        QCOMPARE(node.wait_exit(10s), 1);
        QVERIFY2(node.log_contains("which is not a loopback address"), node.log().c_str());
        QVERIFY2(node.log_contains("--lab-address 127.0.0.1:PORT"), node.log().c_str());
    }
};

QTEST_GUILESS_MAIN(TestLabAddress)
#include "test_lab_address.moc"
