// mTLS with real processes: a 3-node cluster whose nodes and clients all hold
// certificates from one throwaway CA (made by the openssl CLI in the test's
// temp dir). Writes commit and reads work through RemoteClient and
// raftlab-ctl with a client certificate; a client or node without a valid
// certificate (none at all, or one from another CA) is refused at the TLS
// handshake, cannot join, and the cluster carries on unaffected.
#include <QProcess>
#include <QtTest>
#include <fstream>

#include "certs.h"
#include "engine/net/tls.h"
#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

struct CtlRun {
    int code = -1;
    std::string out, err;
};

CtlRun ctl(const QStringList& args) {
    QProcess p;
    p.start(QString::fromStdString(bin_dir() + "/raftlab-ctl"), args);
    CtlRun r;
    if (!p.waitForFinished(30000)) {
        p.kill();
        p.waitForFinished(5000);
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput().toStdString();
    r.err = p.readAllStandardError().toStdString();
    return r;
}

std::string tls_toml(const TestCerts& certs, const std::string& name, const std::string& ca) {
    return "[tls]\ncert_file = \"" + certs.pem(name) + "\"\nkey_file = \"" + certs.key(name) +
           "\"\nca_file = \"" + certs.pem(ca) + "\"\nrequire_client_cert = true\n";
}

std::unique_ptr<api::RemoteClient> client_with(const std::vector<std::string>& endpoints,
                                               const net::TlsMaterial* tls,
                                               std::chrono::milliseconds timeout) {
    api::RemoteOptions ro;
    ro.timeout = timeout;
    ro.attempt_timeout = std::min<std::chrono::milliseconds>(timeout, 2s);
    ro.credentials = net::channel_credentials(tls);
    return std::make_unique<api::RemoteClient>(endpoints, ro);
}

}  // namespace

class TestSecurityTls : public QObject {
    Q_OBJECT

  private slots:
    void mtls_cluster_serves_holders_and_refuses_strangers() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        TestCerts certs(dir);
        if (!certs.ok()) QSKIP(certs.error().c_str());
        for (const char* n : {"n1", "n2", "n3", "n4", "client"})
            QVERIFY(certs.issue(n));
        QVERIFY(certs.issue("stranger", "otherca"));
        QVERIFY(certs.issue("strangernode", "otherca"));

        // Three voters with mTLS; node 4 and node 5 try to join as learners.
        std::map<int, std::string> addr;
        for (int i = 1; i <= 5; ++i)
            addr[i] = "127.0.0.1:" + std::to_string(free_port());
        auto write = [&](int id, const std::string& tls) {
            const std::string path = dir + "/n" + std::to_string(id) + ".toml";
            std::ofstream out(path);
            out << "[cluster]\nnode_id = " << id << "\nlisten_address = \"" << addr[id]
                << "\"\ndb_root_dir = \"./db\"\ninitial_cluster = [\n";
            for (int m = 1; m <= 3; ++m)
                out << "  { id = " << m << ", address = \"" << addr[m] << "\" },\n";
            if (id > 3)
                out << "  { id = " << id << ", address = \"" << addr[id]
                    << "\", role = 3, status = 0 },\n";
            out << "]\n" << tls;
            return path;
        };
        std::map<int, std::unique_ptr<NodeProcess>> nodes;
        for (int i = 1; i <= 3; ++i) {
            nodes[i] = std::make_unique<NodeProcess>(
                write(i, tls_toml(certs, "n" + std::to_string(i), "ca")),
                dir + "/n" + std::to_string(i) + ".log", dir);
            QVERIFY(nodes[i]->start());
        }
        std::vector<std::string> endpoints = {addr[1], addr[2], addr[3]};
        auto good = net::load_client_tls(certs.pem("ca"), certs.pem("client"), certs.key("client"));
        auto client = client_with(endpoints, &good, 20s);

        // Writes commit and reads work for a client with a certificate.
        auto w = client->put("greeting", "over-mtls");
        if (!w.error.ok()) {
            for (auto& [id, proc] : nodes)
                qWarning("node %d log:\n%s", id, proc->log().c_str());
        }
        QVERIFY2(w.error.ok(), w.error.message.c_str());
        auto r = client->get("greeting");
        QVERIFY2(r.error.ok(), r.error.message.c_str());
        QCOMPARE(r.value.value_or("<none>"), std::string("over-mtls"));

        // raftlab-ctl with --cacert/--cert/--key, the way a person runs it.
        const QString eps = QString::fromStdString(addr[1] + "," + addr[2] + "," + addr[3]);
        const QStringList tls_args = {"--cacert", QString::fromStdString(certs.pem("ca")),
                                      "--cert",   QString::fromStdString(certs.pem("client")),
                                      "--key",    QString::fromStdString(certs.key("client"))};
        auto put = ctl(QStringList{"--endpoints", eps} + tls_args + QStringList{"put", "k", "v1"});
        QVERIFY2(put.code == 0, put.err.c_str());
        auto get = ctl(QStringList{"--endpoints", eps} + tls_args + QStringList{"get", "k"});
        QVERIFY2(get.code == 0, get.err.c_str());
        QCOMPARE(get.out, std::string("v1\n"));

        // Refused: plaintext, TLS without a client certificate, and a
        // certificate from another CA. Each RPC fails; none reaches a service.
        auto plain = client_with(endpoints, nullptr, 2s);
        auto p = plain->put("intruder", "plaintext");
        QCOMPARE(p.error.code, api::Code::Unavailable);
        auto anon_tls = net::load_client_tls(certs.pem("ca"), "", "");
        auto anon = client_with(endpoints, &anon_tls, 2s);
        auto a = anon->put("intruder", "no-cert");
        QCOMPARE(a.error.code, api::Code::Unavailable);
        auto other =
            net::load_client_tls(certs.pem("ca"), certs.pem("stranger"), certs.key("stranger"));
        auto stranger = client_with(endpoints, &other, 2s);
        auto s = stranger->put("intruder", "other-ca");
        QCOMPARE(s.error.code, api::Code::Unavailable);
        auto st = stranger->status(addr[1]);
        QVERIFY(!st.error.ok());
        auto ctl_plain = ctl({"--endpoints", eps, "--timeout", "2000", "get", "k"});
        QVERIFY(ctl_plain.code != 0);
        QVERIFY2(ctl_plain.err.find("cannot reach any node") != std::string::npos,
                 ctl_plain.err.c_str());
        auto ctl_no_key =
            ctl(QStringList{"--endpoints", eps, "--cacert", QString::fromStdString(certs.pem("ca")),
                            "--cert", QString::fromStdString(certs.pem("client")), "get", "k"});
        QVERIFY(ctl_no_key.code != 0);
        QVERIFY2(ctl_no_key.err.find("needs both --cert and --key") != std::string::npos,
                 ctl_no_key.err.c_str());

        // Nodes without a valid certificate cannot join: node 4 speaks
        // plaintext, node 5 holds a certificate from another CA (its own
        // config verifies against that CA, so it starts and keeps trying).
        nodes[4] = std::make_unique<NodeProcess>(write(4, ""), dir + "/n4.log", dir);
        nodes[5] = std::make_unique<NodeProcess>(
            write(5, tls_toml(certs, "strangernode", "otherca")), dir + "/n5.log", dir);
        QVERIFY(nodes[4]->start());
        QVERIFY(nodes[5]->start());
        QVERIFY(wait_until(
            [&] {
                return nodes[4]->log_contains("cannot join the cluster yet") &&
                       nodes[5]->log_contains("cannot join the cluster yet");
            },
            20s));
        QVERIFY(nodes[4]->running());
        QVERIFY(nodes[5]->running());

        // The cluster is unaffected: still three members, still committing.
        auto members = client->members();
        QVERIFY2(members.error.ok(), members.error.message.c_str());
        QCOMPARE(members.membership.members.size(), std::size_t(3));
        for (int i = 0; i < 10; ++i) {
            auto more = client->put("after-" + std::to_string(i), "ok");
            QVERIFY2(more.error.ok(), more.error.message.c_str());
        }
        QCOMPARE(client->members().membership.members.size(), std::size_t(3));
        // Nothing the strangers sent was written.
        auto none = client->get("intruder");
        QVERIFY(none.error.ok());
        QVERIFY(!none.value);

        // Failover over mTLS: kill -9 the leader, the others elect and
        // commit, and the restarted node is reached again over TLS and
        // catches up (no TLS channel stays stuck on a peer that was down).
        core::NodeId leader = 0;
        QVERIFY(client->members(&leader).error.ok());
        QVERIFY(leader >= 1 && leader <= 3);
        nodes[leader]->kill9();
        auto during = client->put("during-failover", "ok");
        QVERIFY2(during.error.ok(), during.error.message.c_str());
        QVERIFY(nodes[leader]->start());
        auto back = client_with({addr[leader]}, &good, 3s);
        QVERIFY(wait_until(
            [&] {
                auto r = back->get("during-failover", api::Consistency::Eventual, addr[leader]);
                return r.error.ok() && r.value == std::optional<std::string>("ok");
            },
            20s, 100ms));

        // Strangers retrying their handshakes do not flood the nodes' logs:
        // gRPC's lines are routed through spdlog, once per 10 s per kind.
        for (int i = 1; i <= 3; ++i) {
            const std::string log = nodes[i]->log();
            int failed = 0;
            for (std::size_t pos = 0;
                 (pos = log.find("Handshake failed", pos)) != std::string::npos; ++pos)
                ++failed;
            qInfo("node %d: %d handshake-failure lines", i, failed);
            QVERIFY2(failed <= 12, log.c_str());
        }

        // Key material never reaches a log.
        std::vector<std::string> key_lines;
        for (const char* n : {"n1", "n2", "n3", "client", "strangernode"}) {
            std::ifstream in(certs.key(n));
            std::string line;
            while (std::getline(in, line))
                if (line.rfind("-----", 0) != 0 && line.size() > 16) key_lines.push_back(line);
        }
        QVERIFY(!key_lines.empty());
        for (auto& [id, proc] : nodes) {
            const std::string log = proc->log();
            QVERIFY(log.find("PRIVATE KEY") == std::string::npos);
            for (const auto& line : key_lines)
                QVERIFY2(log.find(line) == std::string::npos, "key material in a node log");
        }
    }
};

QTEST_APPLESS_MAIN(TestSecurityTls)
#include "test_security_tls.moc"
