// The nemesis step: random faults, alone or two at a time, each undone before
// the next round, and after every round a measured recovery: the time from
// "every fault healed" to the next acknowledged write. A round whose
// recovery exceeds the step's bound (recovery_ms) fails the run, so "the
// cluster serves writes again within N ms after a fault heals" is asserted,
// not hoped for. docs/reliability.md explains the fault menu and the figures.
#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "scenarios/runner/lab_client.h"
#include "scenarios/runner/runner.h"

namespace raftlab::scenario {

namespace {

using Clock = std::chrono::steady_clock;

// Which faults may be combined in one round: two faults of one class would
// fight over the same knob (two link-rule sets, a kill of a paused node).
int fault_class(const std::string& f) {
    if (f == "kill" || f == "pause") return 0;                      // the process
    if (f == "partition" || f == "delay" || f == "loss") return 1;  // the links
    return 2;                                                       // clock, disk-delay
}

std::string ids_text(const std::vector<NodeId>& ids) {
    std::string out;
    for (auto id : ids)
        out += (out.empty() ? "" : ",") + std::to_string(id);
    return out;
}

}  // namespace

std::string Runner::nemesis_step(const Step& step) {
    // Between rounds every fault is undone, so a quorum is healthy again and
    // the cluster must make progress (Raft's liveness under a stable,
    // connected majority; paper §5.2, §9.3).
    std::mt19937_64 rng(options_.seed * 104729 + static_cast<std::uint64_t>(step.index));
    const std::uint64_t duration =
        options_.nemesis_duration_ms ? options_.nemesis_duration_ms : step.duration_ms;
    std::string menu;
    for (const auto& x : step.faults)
        menu += (menu.empty() ? "" : ", ") + x;
    monitor_->say("nemesis for " + std::to_string(duration / 1000) + " s: faults " + menu +
                  "; after each round a write must be acknowledged within " +
                  std::to_string(step.recovery_ms) + " ms");
    const auto end = Clock::now() + std::chrono::milliseconds(duration);
    const auto hold = std::chrono::milliseconds(step.interval_ms);
    std::map<std::string, int> by_kind;
    int rounds = 0, combined = 0;
    std::int64_t longest_ms = 0;
    std::string longest_what;
    std::int64_t total_recovery_ms = 0;
    std::int64_t longest_gap_ms = 0;  // longest stretch without an acknowledged write
    std::string longest_gap_what;

    // The nemesis talks to the Lab service itself: the run already proved
    // the nodes have it, so a failed call here is a fault of the round (a
    // node not serving), reported as such, not as "no lab plane".
    // Lab calls are idempotent (set rules, clock, disk delay), so one that
    // fails is retried for up to 10 s: on a shared, overloaded machine a
    // call can miss its deadline while every process is starved.
    auto direct_lab = [this](NodeId id, const std::function<std::string(LabClient&)>& call) {
        const auto deadline = Clock::now() + std::chrono::seconds(10);
        for (;;) {
            LabClient lab(id, supervisor_->node(id).address);
            std::string e = call(lab);
            if (e.empty() || Clock::now() >= deadline ||
                supervisor_->state(id) != ProcessState::Running) {
                return e;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    };
    auto running = [&] {
        std::vector<NodeId> out;
        for (auto id : supervisor_->ids()) {
            if (supervisor_->state(id) == ProcessState::Running) out.push_back(id);
        }
        return out;
    };
    // Sends every running node its full rule set: `rule(from, to)` fills one link.
    auto set_rules = [&](const std::function<bool(NodeId, NodeId, pb::LinkRule&)>& rule) {
        std::string e;
        for (auto from : running()) {
            std::vector<pb::LinkRule> rules;
            for (auto to : supervisor_->ids()) {
                if (to == from) continue;
                pb::LinkRule r;
                r.set_to(to);
                if (rule(from, to, r)) rules.push_back(r);
            }
            e = direct_lab(from,
                           [&](LabClient& l) { return l.set_link_rules(rules, options_.seed); });
            if (!e.empty()) return e;
        }
        return e;
    };

    // Clears every link rule on every running node (retried like any Lab call).
    auto heal = [&]() -> std::string {
        std::string x = set_rules([](NodeId, NodeId, pb::LinkRule&) { return true; });
        partitioned_.clear();
        fault("heal", 0, "every link healed");
        monitor_->say("every link healed");
        return x;
    };

    while (Clock::now() < end && rounds < 10000) {
        ++rounds;
        // One fault, or (one round in three) two faults of different classes.
        std::vector<std::string> picked{step.faults[rng() % step.faults.size()]};
        if (rng() % 3 == 0) {
            std::vector<std::string> others;
            for (const auto& f : step.faults) {
                if (fault_class(f) != fault_class(picked[0])) others.push_back(f);
            }
            if (!others.empty()) picked.push_back(others[rng() % others.size()]);
        }
        if (picked.size() > 1) ++combined;
        const std::int64_t round_start_ns = mono_ns();

        std::vector<std::function<std::string()>> undo;
        std::string e;
        std::string what;
        for (const auto& f : picked) {
            if (!e.empty()) break;
            std::vector<NodeId> ids = running();
            if (ids.empty()) break;
            const auto leader = current_leader();
            // Half the node faults hit the leader: that is where failover lives.
            NodeId victim = ids[rng() % ids.size()];
            // (Only a running leader: the observer may still name a leader
            // this round has just paused or killed.)
            if (leader && rng() % 2 == 0 && std::find(ids.begin(), ids.end(), *leader) != ids.end())
                victim = *leader;
            std::string kind = f;
            Step s;
            s.index = step.index;
            s.nodes = {NodeRef{victim, {}}};
            if (f == "kill" || f == "pause") {
                s.action = f;
                e = process_step(s);
                undo.push_back([this, s]() mutable {
                    s.action = s.action == "kill" ? "restart" : "resume";
                    std::string x = process_step(s);
                    if (!x.empty() || s.action != "restart") return x;
                    // A restarted process is running before it serves: wait
                    // (bounded) until it answers, so the next round's link
                    // rules reach it instead of a refused connection.
                    const NodeId id = s.nodes.front().id;
                    const auto deadline = Clock::now() + std::chrono::seconds(10);
                    for (;;) {
                        x = LabClient(id, supervisor_->node(id).address).probe();
                        if (x.empty() || Clock::now() >= deadline) break;
                        std::this_thread::sleep_for(std::chrono::milliseconds(20));
                    }
                    return x.empty() ? x
                                     : "node " + std::to_string(id) +
                                           " did not answer within 10 s of its restart: " + x;
                });
                kind += " node " + std::to_string(victim) + (leader == victim ? " (leader)" : "");
            } else if (f == "partition") {
                // Jepsen's menu: an isolated node, the isolated leader, a
                // majority/minority split, and a ring (each node hears only
                // its two neighbours, so every node sees a majority but no
                // two majorities are the same; with 3 nodes a ring is
                // fully connected, so a split is used instead).
                std::vector<NodeId> all = supervisor_->ids();
                std::shuffle(all.begin(), all.end(), rng);
                const int shape = static_cast<int>(rng() % 4);
                std::map<NodeId, int> side;         // split: 0 minority, 1 majority
                std::map<NodeId, std::size_t> pos;  // ring position
                if (shape == 3 && all.size() >= 5) {
                    for (std::size_t i = 0; i < all.size(); ++i)
                        pos[all[i]] = i;
                    kind = "partition ring " + ids_text(all);
                    e = set_rules([&](NodeId a, NodeId b, pb::LinkRule& r) {
                        const std::size_t n = all.size();
                        const std::size_t d = (pos[a] + n - pos[b]) % n;
                        r.set_cut(d != 1 && d != n - 1);
                        return true;
                    });
                } else {
                    std::vector<NodeId> minority;
                    if (shape == 1 && leader) {
                        minority = {*leader};
                        kind = "partition isolated leader " + std::to_string(*leader);
                    } else if (shape == 2 || shape == 3) {
                        minority.assign(all.begin(), all.begin() + (all.size() - 1) / 2);
                        kind = "partition majority/minority split, minority " + ids_text(minority);
                    } else {
                        minority = {victim};
                        kind = "partition isolated node " + std::to_string(victim);
                    }
                    for (auto id : all)
                        side[id] = std::find(minority.begin(), minority.end(), id) != minority.end()
                                       ? 0
                                       : 1;
                    e = set_rules([&](NodeId a, NodeId b, pb::LinkRule& r) {
                        r.set_cut(side[a] != side[b]);
                        return true;
                    });
                }
                for (auto id : all)
                    partitioned_.insert(id);
                fault("partition", 0, kind);
                monitor_->say(kind);
                undo.push_back(heal);
            } else if (f == "delay" || f == "loss") {
                s.action = f;
                if (f == "delay") {
                    s.delay_ms = 20 + rng() % 230;
                    s.jitter_ms = s.delay_ms / 4;
                    kind = "delay " + std::to_string(s.delay_ms) + " ms on node " +
                           std::to_string(victim) + "'s links";
                } else {
                    s.loss_pct = static_cast<double>(5 + rng() % 26);
                    kind = "loss " + std::to_string(static_cast<int>(s.loss_pct)) + " % on node " +
                           std::to_string(victim) + "'s links";
                }
                e = network_step(s);
                undo.push_back(heal);
            } else if (f == "clock") {
                // Frozen lab time: either one node (a process that runs but
                // whose timers stand still) or every node at once.
                std::vector<NodeId> frozen = ids;
                if (rng() % 2 == 0) frozen = {victim};
                const std::int64_t at = LabClient::shared_instant(frozen.size());
                for (auto id : frozen) {
                    if (e.empty())
                        e = direct_lab(id, [at](LabClient& l) { return l.set_clock(0.0, at); });
                }
                clock_altered_ = true;
                kind = "clock freeze on node(s) " + ids_text(frozen);
                fault("clock", 0, kind);
                monitor_->say(kind);
                undo.push_back([this, frozen, direct_lab] {
                    std::string out;
                    const std::int64_t at = LabClient::shared_instant(frozen.size());
                    for (auto id : frozen) {
                        if (supervisor_->state(id) != ProcessState::Running) continue;
                        std::string x =
                            direct_lab(id, [at](LabClient& l) { return l.set_clock(1.0, at); });
                        if (out.empty()) out = x;
                    }
                    clock_altered_ = false;
                    return out;
                });
            } else if (f == "disk-delay") {
                const auto ms = static_cast<std::uint32_t>(10 + rng() % 91);
                e = direct_lab(victim, [&](LabClient& l) { return l.set_disk_delay(ms); });
                kind = "disk delay " + std::to_string(ms) + " ms on node " + std::to_string(victim);
                fault("disk-delay", victim, kind);
                monitor_->say(kind);
                undo.push_back([this, victim, direct_lab] {
                    if (supervisor_->state(victim) != ProcessState::Running) return std::string();
                    return direct_lab(victim, [](LabClient& l) { return l.set_disk_delay(0); });
                });
            }
            ++by_kind[f];
            what += (what.empty() ? "" : " + ") + kind;
        }
        if (e.empty()) {
            // Hold the faults, watching for crashes and checker violations.
            const auto until = Clock::now() + hold;
            while (Clock::now() < until) {
                check_crashes();
                update_quorum();
                monitor_->tick();
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }
        // Undo in reverse order (a restart before the heal that covers it).
        for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
            std::string x = (*it)();
            if (e.empty()) e = x;
        }
        check_crashes();
        update_quorum();
        const std::string where = "nemesis round " + std::to_string(rounds) + " (" + what + ")";
        if (!monitor_->violations().empty()) {
            return where + ": a checker fired (see above); stopping the nemesis";
        }
        if (!e.empty()) return where + ": " + e;

        // Recovery: every fault is healed; the cluster must acknowledge a
        // write within the bound. The probe goes through the run's history
        // like any client write, so it is judged by lincheck and the
        // end-of-run audit too.
        const auto healed = Clock::now();
        lincheck::Operation probe;
        probe.kind = lincheck::OpKind::Put;
        probe.key = "nemesis-probe";
        probe.value = "round-" + std::to_string(rounds);
        ClientAnswer a = client_op(probe, std::nullopt, 0, step.recovery_ms);
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - healed).count();
        if (!a.ok) {
            return where + ": no write was acknowledged within " +
                   std::to_string(step.recovery_ms) +
                   " ms after every fault healed (last answer: " + a.error + ")";
        }
        total_recovery_ms += ms;
        if (ms > longest_ms) {
            longest_ms = ms;
            longest_what = "round " + std::to_string(rounds) + ": " + what;
        }
        // What clients saw: the longest stretch without any acknowledged
        // write from the faults' start to the probe's ack.
        const std::int64_t gap_ms =
            recorder_->longest_write_gap_ns(round_start_ns, mono_ns()) / 1000000;
        if (gap_ms > longest_gap_ms) {
            longest_gap_ms = gap_ms;
            longest_gap_what = "round " + std::to_string(rounds) + ": " + what;
        }
        monitor_->say("round " + std::to_string(rounds) + " healed; a write was acknowledged " +
                      std::to_string(ms) + " ms later (longest write gap in the round " +
                      std::to_string(gap_ms) + " ms)");
        monitor_->tick();
        std::this_thread::sleep_for(hold / 2);
    }
    std::string kinds;
    for (const auto& [k, n] : by_kind)
        kinds += (kinds.empty() ? "" : ", ") + k + " " + std::to_string(n);
    monitor_->say("nemesis done: " + std::to_string(rounds) + " rounds (" +
                  std::to_string(combined) + " with two faults at once); faults by kind: " + kinds +
                  "; recovery after heal: longest " + std::to_string(longest_ms) + " ms (" +
                  longest_what + "), mean " +
                  std::to_string(rounds ? total_recovery_ms / rounds : 0) + " ms, bound " +
                  std::to_string(step.recovery_ms) +
                  " ms; longest stretch without an "
                  "acknowledged write " +
                  std::to_string(longest_gap_ms) + " ms (" + longest_gap_what + ")");
    return {};
}

}  // namespace raftlab::scenario
