// What every peer RPC is checked for, against real processes (docs/security.md):
// - a message from another cluster or from a non-member is refused with
//   PERMISSION_DENIED and logged once per sender, not once per message;
// - a request larger than the node's gRPC cap ([limits] max_rpc_bytes) is
//   refused cleanly with RESOURCE_EXHAUSTED, peer and client alike;
// - a snapshot chunk that fails its CRC-32C, or arrives at the wrong offset,
//   is refused with DATA_LOSS.
// After each, the node is alive, its term untouched and the cluster commits.
#include <QtTest>
#include <regex>

#include "engine/net/channel.h"
#include "engine/proto/kv.grpc.pb.h"
#include "engine/proto/lab.grpc.pb.h"
#include "engine/proto/raft.grpc.pb.h"
#include "engine/storage/storage.h"
#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

int count_lines(const std::string& log, const std::string& needle) {
    int n = 0;
    std::size_t pos = 0;
    while ((pos = log.find(needle, pos)) != std::string::npos) {
        ++n;
        pos += needle.size();
    }
    return n;
}

struct Target {
    std::uint64_t leader = 0;
    std::uint64_t follower = 0;
    std::uint64_t term = 0;
};

Target settle(Cluster& cluster) {
    Target t;
    auto leader = cluster.wait_leader(20s);
    if (!leader) return t;
    t.leader = *leader;
    t.follower = *leader == 1 ? 2 : 1;
    if (!cluster.client().put("before", "1").error.ok()) return t;
    t.term = cluster.status(t.follower).status.term();
    return t;
}

// The node answers, kept its term, and the cluster still commits.
void expect_unharmed(Cluster& cluster, const Target& t) {
    auto s = cluster.status(t.follower);
    QVERIFY2(s.error.ok(), s.error.message.c_str());
    QCOMPARE(s.status.term(), t.term);
    auto w = cluster.client().put("after", "2");
    QVERIFY2(w.error.ok(), w.error.message.c_str());
    auto r = cluster.client_for(t.follower, 10s)->get("after", api::Consistency::Linearizable);
    QVERIFY2(r.error.ok(), r.error.message.c_str());
    QCOMPARE(r.value.value_or("<none>"), std::string("2"));
}

}  // namespace

class TestPeerChecks : public QObject {
    Q_OBJECT

  private slots:
    // Safe default: a node started without --lab has no Lab service at all
    // (nothing can freeze its clock or cut its links), and its generated
    // test config binds loopback only.
    void lab_service_exists_only_with_lab() {
        Cluster cluster(ClusterOptions{1});
        QVERIFY(cluster.start_all());
        QVERIFY(cluster.wait_leader(20s));
        QVERIFY(cluster.address(1).rfind("127.0.0.1:", 0) == 0);
        auto lab = pb::Lab::NewStub(net::make_channel(cluster.address(1)));
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + 5s);
        pb::LabReply reply;
        auto st = lab->ClearFaults(&ctx, pb::ClearFaultsRequest(), &reply);
        QCOMPARE(st.error_code(), grpc::StatusCode::UNIMPLEMENTED);
        QVERIFY(!cluster.node(1).log_contains("lab plane on"));
    }

    void refusals_are_logged_once_not_per_message() {
        Cluster cluster;
        QVERIFY(cluster.start_all());
        const Target t = settle(cluster);
        QVERIFY(t.leader != 0 && t.term != 0);
        auto stub = pb::RaftPeer::NewStub(net::make_channel(cluster.address(t.follower)));
        auto vote = [&](const std::string& cluster_id, std::uint64_t from) {
            pb::PeerMessage m;
            m.mutable_header()->set_cluster_id(cluster_id);
            m.mutable_header()->set_from(from);
            m.mutable_header()->set_to(t.follower);
            m.set_type(2);  // Vote, with a term that would depose the leader
            m.set_term(t.term + 100);
            m.set_index(1000000);
            m.set_log_term(t.term + 100);
            grpc::ClientContext ctx;
            ctx.set_deadline(std::chrono::system_clock::now() + 5s);
            pb::PeerAck ack;
            return stub->RequestVote(&ctx, m, &ack);
        };
        const int kEach = 200;
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < kEach; ++i) {
            QCOMPARE(vote("intruder-cluster", t.leader).error_code(),
                     grpc::StatusCode::PERMISSION_DENIED);
            QCOMPARE(vote("raftlab", 77).error_code(), grpc::StatusCode::PERMISSION_DENIED);
        }
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        // One line per sender per 2 s window (peer_service.cpp), however
        // many messages it sends.
        const int allowed = 1 + static_cast<int>(secs / 2.0) + 1;
        QVERIFY(wait_until(
            [&] { return cluster.node(t.follower).log_contains("node 77 is not a member"); }, 5s));
        const std::string log = cluster.node(t.follower).log();
        const int foreign = count_lines(log, "cluster 'intruder-cluster'");
        const int stranger = count_lines(log, "node 77 is not a member");
        qInfo("%d + %d refused messages in %.2f s -> %d and %d log lines (allowed %d each)", kEach,
              kEach, secs, foreign, stranger, allowed);
        QVERIFY(foreign >= 1 && foreign <= allowed);
        QVERIFY(stranger >= 1 && stranger <= allowed);
        expect_unharmed(cluster, t);
    }

    void oversized_requests_are_refused_cleanly() {
        ClusterOptions options;
        // 2 MiB messages (+1 MiB of framing room the server adds).
        options.extra_toml = "[limits]\nmax_rpc_bytes = 2097152\n";
        Cluster cluster(options);
        QVERIFY(cluster.start_all());
        const Target t = settle(cluster);
        QVERIFY(t.leader != 0 && t.term != 0);
        const std::string huge(4u << 20, 'x');

        // A client request over the cap: RESOURCE_EXHAUSTED from gRPC itself,
        // before the node parses or allocates it.
        auto kv = pb::KV::NewStub(net::make_channel(cluster.address(t.leader)));
        {
            pb::PutRequest req;
            req.set_key("huge");
            req.set_value(huge);
            grpc::ClientContext ctx;
            pb::PutResponse resp;
            auto st = kv->Put(&ctx, req, &resp);
            QCOMPARE(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
        }
        // RemoteClient turns that into a message a person can act on.
        auto w = cluster.client().put("huge", huge);
        QCOMPARE(w.error.code, api::Code::InvalidArgument);
        QVERIFY2(w.error.message.find("too large") != std::string::npos, w.error.message.c_str());

        // A peer message over the cap, from a member: refused the same way.
        auto peer = pb::RaftPeer::NewStub(net::make_channel(cluster.address(t.follower)));
        {
            grpc::ClientContext ctx;
            pb::PeerAck ack;
            auto writer = peer->AppendEntries(&ctx, &ack);
            pb::PeerMessage m;
            m.mutable_header()->set_cluster_id("raftlab");
            m.mutable_header()->set_from(t.leader);
            m.mutable_header()->set_to(t.follower);
            m.set_type(4);
            m.set_term(t.term);
            m.add_entries()->set_data(huge);
            writer->Write(m);
            writer->WritesDone();
            QCOMPARE(writer->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
        }
        // Nothing was written; the node and cluster carry on.
        auto r = cluster.client().get("huge");
        QVERIFY(r.error.ok());
        QVERIFY(!r.value);
        expect_unharmed(cluster, t);
    }

    void corrupted_or_misplaced_snapshot_chunks_are_refused() {
        Cluster cluster;
        QVERIFY(cluster.start_all());
        const Target t = settle(cluster);
        QVERIFY(t.leader != 0 && t.term != 0);
        auto peer = pb::RaftPeer::NewStub(net::make_channel(cluster.address(t.follower)));
        // One InstallSnapshot stream of one chunk, as the leader would send it.
        auto send = [&](const std::string& data, std::uint32_t crc, std::uint64_t offset) {
            pb::SnapshotChunk c;
            c.mutable_header()->set_cluster_id("raftlab");
            c.mutable_header()->set_from(t.leader);
            c.mutable_header()->set_to(t.follower);
            c.set_term(t.term);
            c.mutable_meta()->set_index(1000);
            c.mutable_meta()->set_term(t.term);
            c.set_offset(offset);
            c.set_data(data);
            c.set_crc32c(crc);
            c.set_done(true);
            c.set_total_bytes(offset + data.size());
            grpc::ClientContext ctx;
            ctx.set_deadline(std::chrono::system_clock::now() + 10s);
            pb::PeerAck ack;
            auto writer = peer->InstallSnapshot(&ctx, &ack);
            writer->Write(c);
            writer->WritesDone();
            return writer->Finish();
        };
        const std::string data = "a snapshot chunk whose bytes were flipped on the way";
        std::string flipped = data;
        flipped[5] ^= 0x20;
        auto st = send(flipped, storage::crc32c(data), 0);
        QCOMPARE(st.error_code(), grpc::StatusCode::DATA_LOSS);
        QVERIFY2(st.error_message().find("failed its CRC-32C check") != std::string::npos,
                 st.error_message().c_str());

        st = send(data, storage::crc32c(data), 4096);
        QCOMPARE(st.error_code(), grpc::StatusCode::DATA_LOSS);
        QVERIFY2(st.error_message().find("at offset 4096, expected 0") != std::string::npos,
                 st.error_message().c_str());

        QVERIFY(cluster.node(t.follower).log_contains("InstallSnapshot refused"));
        // The follower did not install anything from it.
        auto s = cluster.status(t.follower);
        QVERIFY(s.error.ok());
        QVERIFY(s.status.snapshot_index() < 1000);
        expect_unharmed(cluster, t);
    }
};

QTEST_APPLESS_MAIN(TestPeerChecks)
#include "test_peer_checks.moc"
