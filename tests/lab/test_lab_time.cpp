// Lab time on real raftlab-node processes (issue 5 "Lab time"): slow motion
// stretches an election by the clock's rate; a frozen cluster moves only
// when stepped, one loop turn per step, with no election while the steps are
// heartbeat-sized and an election once a step passes the election timeout;
// the disk delay (Lab.SetDiskDelay) runs on lab time too.
#include <QtTest>
#include <future>

#include "lab_harness.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

constexpr std::uint32_t kFollower = 0, kLeader = 2;

std::vector<std::uint64_t> others(const std::vector<std::uint64_t>& ids, std::uint64_t not_this) {
    std::vector<std::uint64_t> out;
    for (auto id : ids)
        if (id != not_this) out.push_back(id);
    return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Kills the leader and returns how long (s) until another node leads; -1 if
// none did within `timeout`.
double failover_s(LabCluster& lc, std::uint64_t leader, std::chrono::milliseconds timeout) {
    lc.cluster().node(leader).kill9();
    const auto t0 = std::chrono::steady_clock::now();
    if (!lc.cluster().wait_leader(timeout, leader)) return -1;
    return seconds_since(t0);
}

}  // namespace

class TestLabTime : public QObject {
    Q_OBJECT

  private slots:
    void slow_motion_stretches_an_election();
    void step_clock_moves_a_frozen_cluster_one_turn_at_a_time();
    void disk_delay_runs_on_lab_time();
    void a_sync_held_by_a_frozen_disk_delay_does_not_block_shutdown();
};

void TestLabTime::slow_motion_stretches_an_election() {
    LabCluster lc;  // election timeout 200..400 ms of lab time
    QVERIFY(lc.start_all());
    auto leader = lc.cluster().wait_leader(15s);
    QVERIFY(leader);

    // Rate 1: a reference failover.
    const double real_time = failover_s(lc, *leader, 15s);
    QVERIFY2(real_time >= 0, "no new leader at rate 1");
    QVERIFY(lc.cluster().node(*leader).start({"--lab"}));
    auto second = lc.cluster().wait_leader(15s);
    QVERIFY(second);
    QVERIFY(wait_until(
        [&] {
            for (auto id : lc.cluster().ids())
                if (lc.cluster().status(id).status.leader_id() != *second) return false;
            return true;
        },
        15s));

    // Rate 0.1 on the two followers: their election timers run 10x slower,
    // so the earliest election is 200 ms / 0.1 = 2 s of real time away.
    const auto followers = others(lc.cluster().ids(), *second);
    for (auto f : followers)
        QCOMPARE(lc.set_clock(f, 0.1), std::string());
    pb::WatchRequest req;
    req.set_state_interval_ms(200);
    WatchLog log(lc.lab(followers[0]), req);
    QVERIFY(log.wait_attached(5s));
    const double slow = failover_s(lc, *second, 30s);
    qInfo("failover: %.2f s at rate 1, %.2f s with the followers at rate 0.1 (x%.1f)", real_time,
          slow, slow / real_time);
    QVERIFY2(slow >= 1.5, qPrintable(QString("slow-motion election after only %1 s").arg(slow)));

    // The states the follower streamed say the same: lab time ran at 0.1.
    std::vector<pb::WatchEvent> states;
    for (const auto& ev : log.events())
        if (ev.has_state() && ev.state().clock_rate() < 0.5) states.push_back(ev);
    QVERIFY2(states.size() >= 2, "no periodic NodeState at rate 0.1");
    const auto& a = states.front();
    const auto& b = states.back();
    const double rate =
        double(b.state().lab_now_ns() - a.state().lab_now_ns()) / double(b.mono_ns() - a.mono_ns());
    qInfo("lab time advanced %.3f s per real second", rate);
    QVERIFY2(rate > 0.05 && rate < 0.2, qPrintable(QString("measured rate %1").arg(rate)));
}

void TestLabTime::step_clock_moves_a_frozen_cluster_one_turn_at_a_time() {
    LabCluster lc;  // ticks 10 ms, heartbeats 50 ms, election timeout 200..400 ms
    QVERIFY(lc.start_all());
    auto leader = lc.cluster().wait_leader(15s);
    QVERIFY(leader);
    auto client = lc.cluster().client_for(*leader, 60s);
    QVERIFY(client->put("before", "freeze").error.ok());
    const auto ids = lc.cluster().ids();
    std::map<std::uint64_t, std::uint64_t> terms;
    for (auto id : ids)
        terms[id] = lc.term(id);
    QCOMPARE(lc.set_clock_all(0), std::string());  // one instant on every node

    // A write to the frozen leader waits; steps of 20 ms on every node (one
    // loop turn each) carry it through append, acknowledgement and commit.
    auto write = std::async(std::launch::async, [&] { return client->put("stepped", "v"); });
    int rounds = 0;
    std::uint64_t stepped_ms = 0;
    // At least 40 rounds (800 ms of lab time, twice the longest election
    // timeout), at most 100: heartbeats keep up, so nobody campaigns.
    for (; rounds < 100; ++rounds) {
        if (rounds >= 40 && write.wait_for(0s) == std::future_status::ready) break;
        for (auto id : ids)
            QCOMPARE(lc.step_clock(id, 20), std::string());
        stepped_ms += 20;
    }
    QVERIFY2(write.wait_for(0s) == std::future_status::ready,
             "a write to a frozen cluster did not complete through 100 steps");
    auto r = write.get();
    QVERIFY2(r.error.ok(), r.error.message.c_str());
    qInfo("write committed through steps; %d rounds, %llu ms of lab time stepped", rounds,
          static_cast<unsigned long long>(stepped_ms));
    for (auto id : ids) {
        QCOMPARE(lc.term(id), terms[id]);
        QCOMPARE(lc.role(id), id == *leader ? kLeader : kFollower);
    }

    // Without steps, nothing moves: a frozen follower keeps its role.
    const auto follower = others(ids, *leader)[0];
    QVERIFY(!wait_until([&] { return lc.role(follower) != kFollower; }, 1s, 100ms));
    // One step past the election timeout: that follower's timer fires. Its
    // campaign can end within a millisecond (the others refuse the pre-vote
    // and it follows again, §9.6), quicker than Status polling looks, so the
    // role change is read from the follower's own Watch stream.
    pb::WatchRequest req;  // role changes are always sent
    WatchLog roles(lc.lab(follower), req);
    QVERIFY(roles.wait_attached(5s));
    QCOMPARE(lc.step_clock(follower, 1000), std::string());
    pb::WatchEvent campaign;
    QVERIFY2(roles.wait_for(
                 [](const pb::WatchEvent& e) {
                     return e.has_role_changed() && e.role_changed().to() != kFollower;
                 },
                 5s, &campaign),
             "stepping a follower past its election timeout started no election");
    qInfo("after a 1000 ms step node %llu became role %u (4 = PreCandidate, 1 = Candidate): %s",
          static_cast<unsigned long long>(follower), campaign.role_changed().to(),
          campaign.role_changed().reason().c_str());

    // Real time again: the cluster settles and takes writes.
    QCOMPARE(lc.set_clock_all(1), std::string());
    QVERIFY(lc.cluster().wait_leader(15s));
    QVERIFY(lc.cluster().client().put("after", "steps").error.ok());
}

void TestLabTime::disk_delay_runs_on_lab_time() {
    // Long election timeouts: slowed followers must not campaign meanwhile.
    LabCluster lc(
        "[raft]\nelection_timeout_min_ms = 800\nelection_timeout_max_ms = 1600\nlease_ms = "
        "600\n");
    QVERIFY(lc.start_all());
    auto leader = lc.cluster().wait_leader(15s);
    QVERIFY(leader);
    auto client = lc.cluster().client_for(*leader, 20s);
    QVERIFY(client->put("warm", "up").error.ok());
    const auto followers = others(lc.cluster().ids(), *leader);
    const double base = median_put_ms(*client, 9, "base/");
    for (auto f : followers)
        QCOMPARE(lc.set_disk_delay(f, 100), std::string());
    const double real_rate = median_put_ms(*client, 5, "rate1/");
    // At rate 0.25, 100 ms of lab time is 400 ms of real time.
    for (auto f : followers)
        QCOMPARE(lc.set_clock(f, 0.25), std::string());
    const double slow = median_put_ms(*client, 5, "rate025/");
    QCOMPARE(lc.clear_all(), std::string());
    const double after = median_put_ms(*client, 9, "after/");
    qInfo(
        "commit latency p50: %.1f ms; 100 ms disk delay on both followers: %.1f ms at rate 1, "
        "%.1f ms at rate 0.25; %.1f ms after clearing",
        base, real_rate, slow, after);
    QVERIFY(base >= 0 && real_rate >= 0 && slow >= 0 && after >= 0);
    QVERIFY2(real_rate - base >= 95.0,
             qPrintable(QString("rate 1: rose by only %1 ms").arg(real_rate - base)));
    QVERIFY2(slow - base >= 380.0,
             qPrintable(QString("rate 0.25: rose by only %1 ms").arg(slow - base)));
    QVERIFY(after < base + 50.0);
}

void TestLabTime::a_sync_held_by_a_frozen_disk_delay_does_not_block_shutdown() {
    LabCluster lc;
    QVERIFY(lc.start_all());
    auto leader = lc.cluster().wait_leader(15s);
    QVERIFY(leader);
    const auto follower = others(lc.cluster().ids(), *leader)[0];
    // The follower's next sync waits 5 s of lab time; freezing it then
    // holds that sync (and its raft loop) for as long as the clock stands.
    QCOMPARE(lc.set_disk_delay(follower, 5000), std::string());
    auto client = lc.cluster().client_for(*leader, 10s);
    const auto sent = std::chrono::steady_clock::now();
    QVERIFY(client->put("held", "by the slow disk").error.ok());  // through the other follower
    QCOMPARE(lc.set_clock(follower, 0), std::string());
    QVERIFY2(seconds_since(sent) < 4.0, "too slow to freeze the follower inside its sync");
    // SIGTERM: the node must stop cleanly, not wait for a clock that never runs.
    const auto t0 = std::chrono::steady_clock::now();
    QCOMPARE(lc.cluster().node(follower).terminate(15s), 0);
    qInfo("frozen node with a held sync stopped %.2f s after SIGTERM", seconds_since(t0));
    QVERIFY(lc.cluster().node(follower).log_contains("stopped cleanly"));
}

QTEST_GUILESS_MAIN(TestLabTime)
#include "test_lab_time.moc"
