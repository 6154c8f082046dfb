// The lab plane on real raftlab-node processes (issue 5 "Must show"): link
// delay raises commit latency and removing it restores it; a partitioned
// leader's writes never commit and its log converges after the heal; a
// frozen cluster holds no election; loss on one follower's links leaves
// writes committing through the other; Watch streams every event class.
#include <QtTest>
#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "lab_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

// Long election timeouts for the latency test: a 200 ms delay opens one
// 250 ms gap in the heartbeats, which must not look like a dead leader.
const char* kSlowElections =
    "[raft]\nelection_timeout_min_ms = 800\nelection_timeout_max_ms = 1600\nlease_ms = 600\n";

std::vector<std::uint64_t> others(const std::vector<std::uint64_t>& ids, std::uint64_t not_this) {
    std::vector<std::uint64_t> out;
    for (auto id : ids)
        if (id != not_this) out.push_back(id);
    return out;
}

bool same_logs(LabCluster& lc) {
    std::vector<std::vector<pb::LogEntryMeta>> logs;
    for (auto id : lc.cluster().ids())
        logs.push_back(lc.read_log(id));
    for (const auto& log : logs) {
        if (log.size() != logs[0].size() || log.empty()) return false;
        for (std::size_t i = 0; i < log.size(); ++i) {
            if (log[i].index() != logs[0][i].index() || log[i].hash() != logs[0][i].hash())
                return false;
        }
    }
    return true;
}

}  // namespace

class TestLabFaults : public QObject {
    Q_OBJECT

  private slots:
    void delay_raises_commit_latency_and_clearing_restores_it();
    void partitioned_leader_steps_down_and_logs_converge();
    void frozen_cluster_holds_no_election_and_writes_wait();
    void loss_on_one_follower_still_commits_through_the_other();
    void disk_delay_slows_commits();
    void watch_starts_with_state_then_streams_events();
    void lab_refuses_a_non_loopback_listen_address();
    void snapshot_progress_names_the_peer();
};

void TestLabFaults::delay_raises_commit_latency_and_clearing_restores_it() {
    LabCluster lc(kSlowElections);
    QVERIFY(lc.start_all());
    auto leader = lc.cluster().wait_leader(15s);
    QVERIFY(leader);
    auto client = lc.cluster().client_for(*leader, 10s);
    QVERIFY(client->put("warm", "up").error.ok());

    const double base = median_put_ms(*client, 15, "base/");
    QVERIFY(base >= 0);
    std::vector<pb::LinkRule> rules;
    for (auto f : others(lc.cluster().ids(), *leader)) {
        auto r = link_rule(f);
        r.set_delay_ms(200);
        rules.push_back(r);
    }
    QCOMPARE(lc.set_rules(*leader, rules), std::string());
    const double delayed = median_put_ms(*client, 10, "slow/");
    QVERIFY(delayed >= 0);
    QCOMPARE(lc.clear_faults(*leader), std::string());
    const double after = median_put_ms(*client, 15, "after/");
    QVERIFY(after >= 0);
    qInfo(
        "commit latency p50: %.1f ms before, %.1f ms with 200 ms on leader->followers, %.1f "
        "ms after clearing",
        base, delayed, after);
    // A write commits once one follower acknowledges it, and every append now
    // reaches a follower 200 ms late (netem rounds up, never early). The
    // leader's own fsync runs in parallel with the followers' round trip, so
    // when it was the slower half of `base` the rise can fall short of 200 ms
    // by up to that fsync: allow 5 ms for it.
    QVERIFY2(delayed >= 200.0 && delayed - base >= 195.0,
             qPrintable(QString("delay raised latency by only %1 ms").arg(delayed - base)));
    QVERIFY2(
        after < base + 50.0,
        qPrintable(
            QString("latency stayed at %1 ms after clearing (base %2 ms)").arg(after).arg(base)));
    QCOMPARE(lc.term(*leader), lc.term(others(lc.cluster().ids(), *leader)[0]));
}

void TestLabFaults::partitioned_leader_steps_down_and_logs_converge() {
    LabCluster lc;
    QVERIFY(lc.start_all());
    auto old_leader = lc.cluster().wait_leader(15s);
    QVERIFY(old_leader);
    const auto majority = others(lc.cluster().ids(), *old_leader);
    auto to_old = lc.cluster().client_for(*old_leader, 1500ms);
    QVERIFY(to_old->put("before", "cut").error.ok());

    // A watcher on one follower sees the election: role changes and votes.
    grpc::ClientContext watch_ctx;
    watch_ctx.set_deadline(std::chrono::system_clock::now() + 30s);
    pb::WatchRequest watch_req;
    watch_req.set_max_batch(64);
    auto watch = lc.lab(majority[0]).Watch(&watch_ctx, watch_req);
    std::mutex seen_mu;
    std::set<int> seen;
    std::vector<std::string> reasons;
    std::atomic<bool> attached{false};
    auto watching = std::async(std::launch::async, [&] {
        pb::WatchEvent carrier;
        while (watch->Read(&carrier)) {
            attached = true;
            std::vector<pb::WatchEvent> evs(carrier.batch().begin(), carrier.batch().end());
            if (evs.empty()) evs.push_back(carrier);
            std::lock_guard lock(seen_mu);
            for (const auto& ev : evs) {
                seen.insert(static_cast<int>(ev.event_case()));
                if (ev.has_role_changed()) reasons.push_back(ev.role_changed().reason());
            }
        }
    });

    // Cancel the stream however this test ends, before `watching` is joined.
    struct CancelOnExit {
        grpc::ClientContext& ctx;
        ~CancelOnExit() { ctx.TryCancel(); }
    } cancel_watch{watch_ctx};
    // The stream's first message (the NodeState) means the node has attached
    // the watcher: from here on it misses nothing.
    QVERIFY(wait_until([&] { return attached.load(); }, 5s));

    // 1. Cut the leader off from both followers, both ways.
    QCOMPARE(lc.isolate(*old_leader), std::string());
    // 2. Its writes do not commit.
    const std::uint64_t commit_at_cut = lc.commit_index(*old_leader);
    auto lost = to_old->put("lost", "never committed");
    QVERIFY2(!lost.error.ok(), "a write on the isolated leader was acknowledged");
    pb::ReadLogResponse head;
    auto old_log = lc.read_log(*old_leader, &head);
    QVERIFY(!old_log.empty());
    const pb::LogEntryMeta uncommitted = old_log.back();
    QCOMPARE(uncommitted.key(), std::string("lost"));
    QVERIFY(uncommitted.index() > head.commit_index());
    QCOMPARE(head.commit_index(), commit_at_cut);

    // 3. The majority elects a new leader and commits writes.
    std::uint64_t new_leader = 0;
    QVERIFY(wait_until(
        [&] {
            for (auto id : majority) {
                auto st = lc.cluster().status(id);
                if (st.error.ok() && st.status.role() == 2) new_leader = id;
            }
            return new_leader != 0;
        },
        10s));
    std::vector<std::string> majority_endpoints;
    for (auto id : majority)
        majority_endpoints.push_back(lc.cluster().address(id));
    api::RemoteClient to_majority(majority_endpoints);
    for (int i = 0; i < 5; ++i)
        QVERIFY(to_majority.put("after/" + std::to_string(i), "v").error.ok());
    const std::uint64_t new_term = lc.term(new_leader);
    QVERIFY2(
        wait_until(
            [&] {
                std::lock_guard lock(seen_mu);
                // Whether it won or voted for the other, it took part
                // in the election; only the winner changes role.
                return (new_leader != majority[0] || seen.count(pb::WatchEvent::kRoleChanged)) &&
                       seen.count(pb::WatchEvent::kVote) &&
                       seen.count(pb::WatchEvent::kFaultApplied);
            },
            5s),
        "the follower's Watch stream missed the election (role change, vote) or the fault");
    watch_ctx.TryCancel();
    QVERIFY(watching.wait_for(5s) == std::future_status::ready);
    for (const auto& r : reasons)
        qInfo("node %llu role change: %s", static_cast<unsigned long long>(majority[0]), r.c_str());
    QVERIFY(new_term > lc.term(*old_leader) || lc.role(*old_leader) != 2);

    // 4. Heal. The transport must reconnect promptly (gRPC backoff is the
    // classic slow-heal source): time until the old leader follows.
    QCOMPARE(lc.clear_all(), std::string());
    const auto healed_at = std::chrono::steady_clock::now();
    QVERIFY2(wait_until(
                 [&] {
                     auto st = lc.cluster().status(*old_leader);
                     return st.error.ok() && st.status.role() == 0 &&
                            st.status.term() >= new_term &&
                            st.status.commit_index() >= lc.commit_index(new_leader);
                 },
                 5s),
             "the old leader did not rejoin within 5 s of the heal");
    const double heal_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - healed_at)
            .count();
    qInfo("old leader %llu followed new leader %llu %.0f ms after the heal",
          static_cast<unsigned long long>(*old_leader), static_cast<unsigned long long>(new_leader),
          heal_ms);
    QVERIFY2(heal_ms < 2000, "healing took longer than 2 s: reconnect backoff too slow?");

    // 5. The uncommitted entry is replaced and all logs converge.
    QVERIFY(to_majority.put("converge", "v").error.ok());
    QVERIFY2(wait_until([&] { return same_logs(lc); }, 10s), "logs did not converge");
    for (const auto& e : lc.read_log(*old_leader)) {
        QVERIFY2(e.key() != "lost", "the partitioned leader's uncommitted write survived");
        if (e.index() == uncommitted.index()) QVERIFY(e.hash() != uncommitted.hash());
    }
}

void TestLabFaults::frozen_cluster_holds_no_election_and_writes_wait() {
    LabCluster lc;
    QVERIFY(lc.start_all());
    auto leader = lc.cluster().wait_leader(15s);
    QVERIFY(leader);
    auto client = lc.cluster().client_for(*leader, 30s);
    QVERIFY(client->put("before", "freeze").error.ok());
    std::map<std::uint64_t, std::uint64_t> terms;
    for (auto id : lc.cluster().ids())
        terms[id] = lc.term(id);

    // Frozen at one instant on every node (SetClock's at_mono_ns): one call
    // after another, a loaded machine could let the last node's election
    // timer run out while the first ones already stood still.
    QCOMPARE(lc.set_clock_all(0), std::string());
    auto frozen_write =
        std::async(std::launch::async, [&] { return client->put("during", "freeze"); });
    // Five seconds of frozen lab time: many election timeouts of real time.
    // Nothing may happen: no term changes and the write waits.
    const bool something_moved = wait_until(
        [&] {
            if (frozen_write.wait_for(0s) == std::future_status::ready) return true;
            for (auto id : lc.cluster().ids())
                if (lc.term(id) != terms[id]) return true;
            return false;
        },
        5s, 100ms);
    QVERIFY2(!something_moved, "a frozen cluster changed term or finished a write");

    QCOMPARE(lc.set_clock_all(1), std::string());
    QVERIFY(frozen_write.wait_for(10s) == std::future_status::ready);
    auto r = frozen_write.get();
    QVERIFY2(r.error.ok(), r.error.message.c_str());
    for (int i = 0; i < 10; ++i)
        QVERIFY(client->put("after/" + std::to_string(i), "v").error.ok());
    for (auto id : lc.cluster().ids())
        QCOMPARE(lc.term(id), terms[id]);
}

void TestLabFaults::loss_on_one_follower_still_commits_through_the_other() {
    LabCluster lc;
    QVERIFY(lc.start_all());
    auto leader = lc.cluster().wait_leader(15s);
    QVERIFY(leader);
    const auto followers = others(lc.cluster().ids(), *leader);
    const std::uint64_t lossy = followers[0], healthy = followers[1];
    // 30% loss on every link touching the lossy follower, both directions.
    for (auto id : lc.cluster().ids()) {
        if (id == lossy) continue;
        auto in = link_rule(lossy);
        in.set_loss_pct(30);
        QCOMPARE(lc.set_rules(id, {in}, 42), std::string());
        auto out = link_rule(id);
        out.set_loss_pct(30);
        QCOMPARE(lc.set_rules(lossy, {out}, 42), std::string());
    }
    auto client = lc.cluster().client_for(*leader, 10s);
    const std::uint64_t term = lc.term(*leader);
    std::uint64_t last = 0;
    for (int i = 0; i < 50; ++i) {
        auto r = client->put("k" + std::to_string(i), "v");
        QVERIFY2(r.error.ok(), r.error.message.c_str());
        last = r.index;
    }
    QVERIFY(wait_until([&] { return lc.commit_index(healthy) >= last; }, 5s));
    QCOMPARE(lc.term(*leader), term);
    // The lossy follower catches up too once the loss is gone.
    QCOMPARE(lc.clear_all(), std::string());
    QVERIFY(wait_until([&] { return lc.commit_index(lossy) >= last; }, 5s));
}

void TestLabFaults::disk_delay_slows_commits() {
    LabCluster lc(kSlowElections);
    QVERIFY(lc.start_all());
    auto leader = lc.cluster().wait_leader(15s);
    QVERIFY(leader);
    auto client = lc.cluster().client_for(*leader, 10s);
    QVERIFY(client->put("warm", "up").error.ok());
    const double base = median_put_ms(*client, 10, "base/");
    // Both followers get a slow disk: a follower acknowledges only after its
    // sync, so every commit waits for one slow sync.
    for (auto f : others(lc.cluster().ids(), *leader))
        QCOMPARE(lc.set_disk_delay(f, 100), std::string());
    const double slow = median_put_ms(*client, 8, "slow/");
    QCOMPARE(lc.clear_all(), std::string());
    const double after = median_put_ms(*client, 10, "after/");
    qInfo("commit latency p50: %.1f ms, %.1f ms with 100 ms per follower sync, %.1f ms after", base,
          slow, after);
    QVERIFY(base >= 0 && slow >= 0 && after >= 0);
    QVERIFY2(slow - base >= 95.0, qPrintable(QString("rose by only %1 ms").arg(slow - base)));
    QVERIFY(after < base + 50.0);
}

void TestLabFaults::watch_starts_with_state_then_streams_events() {
    LabCluster lc;
    QVERIFY(lc.start_all());
    auto leader = lc.cluster().wait_leader(15s);
    QVERIFY(leader);

    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 20s);
    pb::WatchRequest req;
    req.set_include_heartbeats(true);
    req.set_include_messages(true);
    req.set_include_entries(true);
    req.set_include_client(true);
    auto reader = lc.lab(*leader).Watch(&ctx, req);

    std::set<int> kinds;
    bool first_is_state = false;
    std::uint64_t events = 0, last_seq = 0, dropped = 0;
    bool seq_ok = true, stamps_ok = true;
    std::int64_t last_ns = 0;
    auto drain = std::async(std::launch::async, [&] {
        pb::WatchEvent ev;
        while (reader->Read(&ev)) {
            if (events++ == 0) first_is_state = ev.has_state();
            // A message alone or a group of them (lab.proto MessageEvents)
            // is the same kind of thing here.
            kinds.insert(
                static_cast<int>(ev.has_messages() ? pb::WatchEvent::kMessage : ev.event_case()));
            dropped += ev.dropped_before();
            if (ev.seq() <= last_seq || ev.node_id() != *leader) seq_ok = false;
            if (ev.mono_ns() < last_ns) stamps_ok = false;
            last_seq = ev.seq();
            last_ns = ev.mono_ns();
            if (ev.has_fault_applied()) break;
        }
    });
    auto client = lc.cluster().client_for(*leader, 5s);
    for (int i = 0; i < 20; ++i)
        QVERIFY(client->put("w" + std::to_string(i), "v").error.ok());
    // A fault is an event too, and it ends the drain loop above.
    auto r = link_rule(others(lc.cluster().ids(), *leader)[0]);
    r.set_delay_ms(1);
    QCOMPARE(lc.set_rules(*leader, {r}), std::string());
    QVERIFY(drain.wait_for(10s) == std::future_status::ready);
    ctx.TryCancel();
    qInfo("watch: %llu events, %llu dropped", static_cast<unsigned long long>(events),
          static_cast<unsigned long long>(dropped));
    QVERIFY(first_is_state);
    QVERIFY(seq_ok);
    QVERIFY(stamps_ok);
    for (auto c : {pb::WatchEvent::kMessage, pb::WatchEvent::kEntriesAppended,
                   pb::WatchEvent::kEntriesCommitted, pb::WatchEvent::kEntriesApplied,
                   pb::WatchEvent::kClientRequest, pb::WatchEvent::kFaultApplied}) {
        QVERIFY2(kinds.count(static_cast<int>(c)),
                 qPrintable(QString("no event of kind %1").arg(static_cast<int>(c))));
    }
}

void TestLabFaults::lab_refuses_a_non_loopback_listen_address() {
    LabCluster lc;
    const auto id = lc.cluster().ids().front();
    // Same config, but listening on every interface.
    QFile f(QString::fromStdString(lc.cluster().config_path(id)));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QString toml = QString::fromUtf8(f.readAll());
    f.close();
    const QString addr = QString::fromStdString(lc.cluster().address(id));
    toml.replace("listen_address = \"" + addr + "\"",
                 "listen_address = \"0.0.0.0:" + addr.section(':', -1) + "\"");
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(toml.toUtf8());
    f.close();
    auto& node = lc.cluster().node(id);
    QVERIFY(node.start({"--lab"}));
    QCOMPARE(node.wait_exit(10s), 1);
    QVERIFY2(node.log_contains("not a loopback address"), node.log().c_str());
}

void TestLabFaults::snapshot_progress_names_the_peer() {
    // Compaction every 50 entries: a follower cut off for 120 writes needs a
    // snapshot (§7) when the cut heals.
    LabCluster lc("[raft]\nsnapshot_threshold = 50\n");
    QVERIFY(lc.start_all());
    auto leader = lc.cluster().wait_leader(15s);
    QVERIFY(leader);
    const std::uint64_t lagging = others(lc.cluster().ids(), *leader)[0];
    pb::WatchRequest req;  // snapshot events are always sent
    WatchLog on_leader(lc.lab(*leader), req);
    WatchLog on_lagging(lc.lab(lagging), req);
    QVERIFY(on_leader.wait_attached(5s));
    QVERIFY(on_lagging.wait_attached(5s));

    QCOMPARE(lc.isolate(lagging), std::string());
    auto client = lc.cluster().client_for(*leader, 10s);
    for (int i = 0; i < 120; ++i)
        QVERIFY(client->put("k" + std::to_string(i), "v").error.ok());
    auto snapshot_kind = [](pb::SnapshotEvent::Kind kind) {
        return [kind](const pb::WatchEvent& ev) {
            return ev.has_snapshot() && ev.snapshot().kind() == kind;
        };
    };
    QVERIFY2(on_leader.wait_for(snapshot_kind(pb::SnapshotEvent::CREATED), 10s),
             "the leader took no snapshot");
    QCOMPARE(lc.clear_all(), std::string());

    pb::WatchEvent sent, received;
    // The core's note that it sent the snapshot is a SENT event too (no
    // bytes); the transport's per-chunk progress carries the bytes.
    auto chunk_sent = [](const pb::WatchEvent& ev) {
        return ev.has_snapshot() && ev.snapshot().kind() == pb::SnapshotEvent::SENT &&
               ev.snapshot().bytes() > 0;
    };
    QVERIFY2(on_leader.wait_for(chunk_sent, 15s, &sent), "no SENT progress on the leader");
    QVERIFY2(on_lagging.wait_for(snapshot_kind(pb::SnapshotEvent::RECEIVED), 15s, &received),
             "no RECEIVED progress on the lagging follower");
    QVERIFY(on_lagging.wait_for(snapshot_kind(pb::SnapshotEvent::INSTALLED), 15s));
    qInfo("leader %llu SENT to peer %llu (%llu bytes); node %llu RECEIVED from peer %llu",
          static_cast<unsigned long long>(*leader),
          static_cast<unsigned long long>(sent.snapshot().peer()),
          static_cast<unsigned long long>(sent.snapshot().bytes()),
          static_cast<unsigned long long>(lagging),
          static_cast<unsigned long long>(received.snapshot().peer()));
    // Progress names the other end of the transfer: leader side the
    // destination, follower side the leader. Every chunk, not just the first.
    for (const auto& ev : on_leader.events()) {
        if (ev.has_snapshot() && ev.snapshot().kind() == pb::SnapshotEvent::SENT)
            QCOMPARE(ev.snapshot().peer(), lagging);
    }
    for (const auto& ev : on_lagging.events()) {
        if (ev.has_snapshot() && ev.snapshot().kind() == pb::SnapshotEvent::RECEIVED)
            QCOMPARE(ev.snapshot().peer(), *leader);
    }
    QCOMPARE(sent.snapshot().peer(), lagging);
    QCOMPARE(received.snapshot().peer(), *leader);
    QVERIFY(received.snapshot().bytes() > 0);
}

QTEST_GUILESS_MAIN(TestLabFaults)
#include "test_lab_faults.moc"
