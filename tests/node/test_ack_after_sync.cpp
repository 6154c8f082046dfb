// Durability (Raft Figure 2: "updated on stable storage before responding
// to RPCs"): a follower acknowledges AppendEntries only for entries that are
// already synced to disk. Three real Nodes in this process (real RocksDB with
// fsync, real gRPC on loopback); each follower records, in raft-loop order,
// every synced log write (Storage's sync observer, after RocksDB returned)
// and every AppendEntries acknowledgement handed to the transport. Every
// ack's index must be covered by an earlier sync.
//
// broken_engine_is_caught runs the same check against a Node switched to
// send its acks before the sync (NodeOptions::test.ack_before_sync): the
// check must fail there, or it proves nothing.
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "engine/server/node.h"
#include "node_harness.h"

using namespace raftlab;
using namespace std::chrono_literals;

namespace {

struct Event {
    bool sync = false;  // else an ack
    core::Index index = 0;
};

struct Recorder {
    std::mutex mu;
    std::vector<Event> events;
};

struct Verdict {
    int acks = 0;        // acknowledgements of new entries checked
    int violations = 0;  // acks of an index no earlier sync covered
    std::string first;
};

Verdict check(const std::vector<Event>& events, core::NodeId node) {
    Verdict v;
    core::Index synced = 0;
    for (const auto& e : events) {
        if (e.sync) {
            synced = std::max(synced, e.index);
            continue;
        }
        ++v.acks;
        if (e.index > synced) {
            if (v.violations++ == 0) {
                v.first = "node " + std::to_string(node) + " acknowledged index " +
                          std::to_string(e.index) + " when only " + std::to_string(synced) +
                          " was synced";
            }
        }
    }
    return v;
}

// Starts 3 Nodes, writes `writes` keys through the leader, and checks both
// followers' event orders.
Verdict run(bool broken, int writes) {
    QTemporaryDir dir;
    std::vector<std::string> addresses;
    for (int i = 0; i < 3; ++i)
        addresses.push_back("127.0.0.1:" + std::to_string(testing::free_port()));
    std::vector<std::unique_ptr<Recorder>> recorders;
    std::vector<std::unique_ptr<server::Node>> nodes;
    for (int id = 1; id <= 3; ++id) {
        std::string toml = "[cluster]\nnode_id = " + std::to_string(id) + "\nlisten_address = \"" +
                           addresses[id - 1] + "\"\ndb_root_dir = \"" + dir.path().toStdString() +
                           "\"\ninitial_cluster = [\n";
        for (int j = 1; j <= 3; ++j) {
            toml += "  { id = " + std::to_string(j) + ", address = \"" + addresses[j - 1] +
                    "\", role = 0, status = 2 },\n";
        }
        toml += "]\n";
        server::NodeOptions options;
        options.config = config::parse_node_config(toml, "test_ack_after_sync");
        options.op_timeout = 20s;
        auto* rec = recorders.emplace_back(std::make_unique<Recorder>()).get();
        options.test.on_sync = [rec](core::Index last) {
            std::lock_guard lock(rec->mu);
            rec->events.push_back({true, last});
        };
        options.test.on_send = [rec](const core::Message& m) {
            if (m.type != core::MessageType::AppendResp || m.reject || m.index == 0) return;
            std::lock_guard lock(rec->mu);
            rec->events.push_back({false, m.index});
        };
        options.test.ack_before_sync = broken;
        nodes.push_back(server::Node::start(std::move(options)));
    }
    server::Node* leader = nullptr;
    testing::wait_until(
        [&] {
            for (auto& n : nodes) {
                auto st = n->status();
                if (n->is_leader() && st.commit_index > 0) leader = n.get();
            }
            return leader != nullptr;
        },
        30s);
    if (!leader) qFatal("no leader elected within 30 s");

    // Sequential writes (one entry per AppendEntries), then bursts that the
    // leader batches (many entries per AppendEntries and per sync).
    std::atomic<int> ok{0};
    for (int i = 0; i < writes; ++i) {
        std::promise<bool> done;
        leader->put("k" + std::to_string(i), "v",
                    [&](server::WriteResult r) { done.set_value(r.error.ok()); });
        if (done.get_future().get()) ++ok;
    }
    std::atomic<int> burst_left{writes};
    std::promise<void> burst_done;
    for (int i = 0; i < writes; ++i) {
        leader->put("b" + std::to_string(i), "v", [&](server::WriteResult r) {
            if (r.error.ok()) ++ok;
            if (--burst_left == 0) burst_done.set_value();
        });
    }
    burst_done.get_future().wait();
    if (ok != 2 * writes) qWarning("only %d of %d writes succeeded", ok.load(), 2 * writes);

    Verdict total;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].get() == leader) continue;
        std::vector<Event> events;
        {
            std::lock_guard lock(recorders[i]->mu);
            events = recorders[i]->events;
        }
        Verdict v = check(events, nodes[i]->id());
        total.acks += v.acks;
        total.violations += v.violations;
        if (total.first.empty()) total.first = v.first;
    }
    for (auto& n : nodes)
        n->stop();
    return total;
}

}  // namespace

class TestAckAfterSync : public QObject {
    Q_OBJECT
  private slots:
    void follower_acks_only_synced_entries() {
        Verdict v = run(false, 60);
        qInfo("correct engine: %d acks checked, %d acked before their sync", v.acks, v.violations);
        QVERIFY2(v.acks >= 60, qPrintable("too few acks observed: " + QString::number(v.acks)));
        QVERIFY2(v.violations == 0, v.first.c_str());
    }

    void broken_engine_is_caught() {
        // Acks sent before the sync: the same check must see it.
        Verdict v = run(true, 60);
        qInfo("broken engine: %d acks checked, %d acked before their sync (first: %s)", v.acks,
              v.violations, v.first.c_str());
        QVERIFY(v.acks >= 60);
        QVERIFY2(v.violations > 0,
                 "a follower that acks before syncing went unnoticed: the check is blind");
    }
};

QTEST_GUILESS_MAIN(TestAckAfterSync)
#include "test_ack_after_sync.moc"
