// Bad input is refused with a clear message and the node keeps running with
// its data intact: port in use, empty key, key and value over [limits], and
// peer messages from another cluster or from a non-member.
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QtTest>
#include <fstream>
#include <sstream>

#include "engine/proto/raft.grpc.pb.h"
#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

class TestNodeBadInput : public QObject {
    Q_OBJECT

  private slots:
    void port_in_use_is_a_clear_error() {
        // Hold a port, then start a node configured to listen on it.
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        QCOMPARE(::listen(fd, 1), 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
        int port = ntohs(addr.sin_port);

        QTemporaryDir dir;
        std::string cfg = dir.path().toStdString() + "/n1.toml";
        std::string address = "127.0.0.1:" + std::to_string(port);
        {
            std::ofstream out(cfg);
            out << "[cluster]\nnode_id = 1\nlisten_address = \"" << address
                << "\"\ninitial_cluster = [ { id = 1, address = \"" << address
                << "\", role = 2, status = 2 } ]\ndb_root_dir = \"./db\"\n";
        }
        NodeProcess node(cfg, dir.path().toStdString() + "/n1.log", dir.path().toStdString());
        QVERIFY(node.start());
        int code = node.wait_exit(10s);
        ::close(fd);
        QVERIFY2(code > 0, "a node on a port in use must exit non-zero");
        QVERIFY2(node.log_contains("port " + std::to_string(port) + " is already in use"),
                 node.log().c_str());
        // It did not touch a data dir it could not serve.
        QVERIFY(!QDir(dir.path() + "/db/node1").exists());
    }

    void malformed_config_is_one_clear_line() {
        QTemporaryDir dir;
        std::string cfg = dir.path().toStdString() + "/broken.toml";
        {
            std::ofstream out(cfg);
            out << "[cluster]\nnode_id = 1\nlisten_address = \"127.0.0.1:1\"\n"
                   "initial_cluster = [ { id = 1, address = \"127.0.0.1:1\", role = 7, "
                   "status = 2 } ]\n";
        }
        NodeProcess node(cfg, dir.path().toStdString() + "/n.log", dir.path().toStdString());
        QVERIFY(node.start());
        QCOMPARE(node.wait_exit(10s), 1);
        // File, field and the fix, on one line.
        QVERIFY2(node.log_contains("broken.toml") && node.log_contains("role") &&
                     node.log_contains("3=Learner"),
                 node.log().c_str());
    }

    void data_dir_of_another_cluster_is_refused() {
        ClusterOptions options;
        options.nodes = 1;
        Cluster cluster(options);
        QVERIFY(cluster.start_all());
        QVERIFY(cluster.wait_leader());
        QVERIFY(cluster.client().put("precious", "data").error.ok());
        QCOMPARE(cluster.node(1).terminate(), 0);  // SIGTERM: clean exit

        // Same data dir, but the file now claims another cluster.
        std::string path = cluster.config_path(1);
        {
            std::ofstream out(path, std::ios::app);
            out << "\n";
        }
        std::string text;
        {
            std::ifstream in(path);
            std::stringstream ss;
            ss << in.rdbuf();
            text = ss.str();
        }
        auto pos = text.find("db_root_dir");
        text.insert(pos, "cluster_id = \"someone-else\"\n");
        {
            std::ofstream out(path);
            out << text;
        }
        QVERIFY(cluster.node(1).start());
        int code = cluster.node(1).wait_exit(10s);
        QVERIFY2(code > 0, "a node must refuse a data dir of another cluster");
        QVERIFY2(cluster.node(1).log_contains("someone-else"), cluster.node(1).log().c_str());

        // Put the right cluster back: the data is intact.
        const std::string line = "cluster_id = \"someone-else\"\n";
        text.erase(text.find(line), line.size());
        {
            std::ofstream out(path);
            out << text;
        }
        QVERIFY(cluster.node(1).start());
        QVERIFY(cluster.wait_leader());
        auto r = cluster.client().get("precious");
        QVERIFY2(r.error.ok(), r.error.message.c_str());
        QCOMPARE(r.value.value_or("<none>"), std::string("data"));
    }

    void bad_keys_and_values_are_refused() {
        ClusterOptions options;
        options.nodes = 1;
        options.extra_toml = "[limits]\nmax_key_bytes = 16\nmax_value_bytes = 64\n";
        Cluster cluster(options);
        QVERIFY(cluster.start_all());
        QVERIFY(cluster.wait_leader());
        auto& c = cluster.client();
        QVERIFY(c.put("ok", "fine").error.ok());

        auto r = c.put("", "v");
        QCOMPARE(r.error.code, api::Code::InvalidArgument);
        QVERIFY2(r.error.message.find("empty") != std::string::npos, r.error.message.c_str());

        r = c.put(std::string(17, 'k'), "v");
        QCOMPARE(r.error.code, api::Code::InvalidArgument);
        QVERIFY2(r.error.message.find("17 bytes") != std::string::npos &&
                     r.error.message.find("max_key_bytes") != std::string::npos,
                 r.error.message.c_str());

        r = c.put("k", std::string(65, 'v'));
        QCOMPARE(r.error.code, api::Code::InvalidArgument);
        QVERIFY2(r.error.message.find("max_value_bytes") != std::string::npos,
                 r.error.message.c_str());

        auto g = c.get("");
        QCOMPARE(g.error.code, api::Code::InvalidArgument);

        // Nothing was written by the refused calls; the good one is intact.
        auto ok = c.get("ok");
        QCOMPARE(ok.value.value_or("<none>"), std::string("fine"));
    }

    void foreign_and_non_member_peers_are_refused() {
        Cluster cluster;
        QVERIFY(cluster.start_all());
        auto leader = cluster.wait_leader();
        QVERIFY(leader);
        QVERIFY(cluster.client().put("keep", "me").error.ok());
        std::uint64_t target = *leader == 1 ? 2 : 1;
        auto term_before = cluster.status(target).status.term();

        auto channel =
            grpc::CreateChannel(cluster.address(target), grpc::InsecureChannelCredentials());
        auto stub = pb::RaftPeer::NewStub(channel);
        // A vote request with a huge term: if it got through, it would
        // depose the cluster's leader.
        auto vote = [&](const std::string& cluster_id, std::uint64_t from) {
            pb::PeerMessage m;
            m.mutable_header()->set_cluster_id(cluster_id);
            m.mutable_header()->set_from(from);
            m.mutable_header()->set_to(target);
            m.set_type(2);  // Vote
            m.set_term(term_before + 100);
            m.set_index(1000000);
            m.set_log_term(term_before + 100);
            grpc::ClientContext ctx;
            pb::PeerAck ack;
            return stub->RequestVote(&ctx, m, &ack);
        };
        auto st = vote("another-cluster", *leader);
        QCOMPARE(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        QVERIFY2(st.error_message().find("another-cluster") != std::string::npos,
                 st.error_message().c_str());

        st = vote("raftlab", 99);
        QCOMPARE(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        QVERIFY2(st.error_message().find("node 99 is not a member") != std::string::npos,
                 st.error_message().c_str());

        // Streamed AppendEntries from a non-member is refused too.
        {
            grpc::ClientContext ctx;
            pb::PeerAck ack;
            auto writer = stub->AppendEntries(&ctx, &ack);
            pb::PeerMessage m;
            m.mutable_header()->set_cluster_id("raftlab");
            m.mutable_header()->set_from(42);
            m.mutable_header()->set_to(target);
            m.set_type(6);
            m.set_term(term_before + 100);
            writer->Write(m);
            writer->WritesDone();
            auto fst = writer->Finish();
            QCOMPARE(fst.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        }

        // The node is alive, its term untouched, the data intact, the
        // leader unchanged.
        auto s = cluster.status(target);
        QVERIFY(s.error.ok());
        QCOMPARE(s.status.term(), term_before);
        QCOMPARE(cluster.wait_leader().value_or(0), *leader);
        auto c = cluster.client_for(target);
        auto r = c->get("keep", api::Consistency::Linearizable, cluster.address(target));
        QVERIFY2(r.error.ok(), r.error.message.c_str());
        QCOMPARE(r.value.value_or("<none>"), std::string("me"));
        QVERIFY(cluster.node(target).log_contains("is not a member"));
    }
};

QTEST_APPLESS_MAIN(TestNodeBadInput)
#include "test_node_bad_input.moc"
