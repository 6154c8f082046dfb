// What each step does. A step returns "" when it did what it says, else a
// sentence naming what failed and what to do.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "engine/proto/cluster.grpc.pb.h"
#include "scenarios/runner/channel.h"
#include "scenarios/runner/kv_call.h"
#include "scenarios/runner/lab_client.h"
#include "scenarios/runner/runner.h"

namespace raftlab::scenario {

namespace {

using Clock = std::chrono::steady_clock;

std::string list(const std::vector<NodeId>& ids) {
    std::string out;
    for (auto id : ids)
        out += (out.empty() ? "" : ", ") + std::to_string(id);
    return out;
}

// 20 for 20.0, 0.1 for 0.1: numbers as a person writes them.
std::string number(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    return buf;
}

// "1→2, 2→1": directed links, as the narration shows them.
std::string arrows(const std::vector<std::pair<NodeId, NodeId>>& links) {
    std::string out;
    for (auto [f, t] : links)
        out += (out.empty() ? "" : ", ") + std::to_string(f) + "→" + std::to_string(t);
    return out;
}

bool wait_until(const std::function<bool()>& cond, std::uint64_t timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        if (cond()) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace

std::string Runner::execute(const Step& step) {
    const std::string& a = step.action;
    if (a == "start" || a == "join" || a == "kill" || a == "stop" || a == "pause" ||
        a == "resume" || a == "restart" || a == "bind") {
        return process_step(step);
    }
    if (a == "remove" || a == "transfer" || a == "promote") return membership_step(step);
    if (a == "partition" || a == "heal" || a == "delay" || a == "loss") return network_step(step);
    if (a == "clock" || a == "disk-delay") return clock_or_disk_step(step);
    if (a == "put" || a == "get" || a == "delete") return client_step(step);
    if (a == "workload") return workload_step(step);
    if (a == "wait-for" || a == "expect") return wait_step(step);
    if (a == "nemesis") return nemesis_step(step);
    if (a == "note") return {};
    return "the runner does not know do = \"" + a + "\"";
}

std::string Runner::process_step(const Step& step) {
    std::string error;
    std::vector<NodeId> ids;
    if (step.nodes.empty()) {
        if (step.action != "start") return "a " + step.action + " step needs node = ...";
        for (int i = 1; i <= scenario_.cluster.nodes; ++i)
            ids.push_back(i);
    } else if (step.action == "join") {
        for (const auto& r : step.nodes) {
            if (!r.id) return "join needs node ids (the new node's id), not \"" + r.name + "\"";
            ids.push_back(r.id);
        }
    } else {
        ids = resolve_all(step.nodes, error);
        if (ids.empty()) return error;
    }
    if (!step.as.empty()) names_[step.as] = ids.front();
    const std::string who = (ids.size() == 1 ? "node " : "nodes ") + list(ids);
    const std::string bound = step.as.empty() ? "" : " (now called \"" + step.as + "\")";
    const std::string& a = step.action;
    if (a == "bind") {
        monitor_->say(who + " is now called \"" + step.as + "\"");
        return {};
    }
    for (auto id : ids) {
        if (a == "start" || a == "join") {
            if (a == "join" && !supervisor_->planned(id)) supervisor_->plan(id, true);
            std::string e = supervisor_->start(id);
            if (!e.empty()) return e;
            expected_running_.insert(id);
            start_observing(id);
            fault(a, id);
        } else if (a == "kill") {
            expected_running_.erase(id);
            supervisor_->kill9(id);
            partitioned_.erase(id);
            pending_rules_.erase(id);  // a new process starts with no rules
            fault("kill", id, "SIGKILL");
        } else if (a == "stop") {
            expected_running_.erase(id);
            int code = supervisor_->stop(id);
            partitioned_.erase(id);
            pending_rules_.erase(id);  // a new process starts with no rules
            fault("stop", id, "SIGTERM, exit code " + std::to_string(code));
            if (code != 0) {
                return "node " + std::to_string(id) + " did not stop cleanly on SIGTERM (exit " +
                       std::to_string(code) + "); see " + supervisor_->log_path(id).string();
            }
        } else if (a == "pause") {
            if (supervisor_->state(id) != ProcessState::Running) {
                return "node " + std::to_string(id) + " is " + to_string(supervisor_->state(id)) +
                       ", so it cannot be paused";
            }
            supervisor_->pause(id);
            fault("pause", id, "SIGSTOP");
        } else if (a == "resume") {
            supervisor_->resume(id);
            fault("resume", id, "SIGCONT");
            auto pending = pending_rules_.find(id);
            if (pending != pending_rules_.end()) {
                auto rules = std::move(pending->second);
                pending_rules_.erase(pending);
                std::string e = lab_call(
                    id, [&](LabClient& l) { return l.set_link_rules(rules, options_.seed); });
                if (!e.empty()) return e;
                monitor_->say("node " + std::to_string(id) +
                              "'s own link rules, set while it was paused, now applied");
            }
        } else if (a == "restart") {
            expected_running_.erase(id);
            supervisor_->stop(id);
            partitioned_.erase(id);
            pending_rules_.erase(id);  // a new process starts with no rules
            if (step.wipe) supervisor_->wipe(id);
            std::string e = supervisor_->start(id);
            if (!e.empty()) return e;
            expected_running_.insert(id);
            start_observing(id);
            fault("restart", id, step.wipe ? "empty data dir" : "");
        }
    }
    const char* verb = a == "start"    ? "started"
                       : a == "join"   ? "started as learner(s) joining the cluster"
                       : a == "kill"   ? "killed (SIGKILL)"
                       : a == "stop"   ? "stopped (SIGTERM)"
                       : a == "pause"  ? "paused (SIGSTOP)"
                       : a == "resume" ? "resumed (SIGCONT)"
                                       : "restarted";
    monitor_->say(who + bound + " " + verb);
    // A process that dies right after start (bad config, port taken) is a
    // failure of this step; say why from its own output.
    if (a == "start" || a == "join" || a == "restart") {
        wait_until(
            [&] {
                for (auto id : ids) {
                    if (supervisor_->state(id) != ProcessState::Running) return true;
                }
                return false;
            },
            150);
        for (auto id : ids) {
            if (supervisor_->state(id) == ProcessState::Exited) {
                return "node " + std::to_string(id) + " exited at start (code " +
                       std::to_string(supervisor_->exit_code(id)) + "):\n" +
                       supervisor_->log_tail(id, 5);
            }
        }
    }
    return {};
}

std::string Runner::leader_rpc(const std::string& what,
                               const std::function<std::string(NodeId)>& call,
                               std::uint64_t timeout_ms) {
    // Admin calls go to the leader; while there is none, wait (bounded).
    std::string last = "no leader to send it to";
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
        if (auto leader = current_leader()) {
            last = call(*leader);
            if (last.empty()) return {};
            if (last.rfind("retry:", 0) != 0) return what + ": " + last;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return what + " did not succeed within " + std::to_string(timeout_ms) + " ms: " + last;
}

std::string Runner::membership_step(const Step& step) {
    std::string error;
    auto target = resolve(step.nodes.front(), error);
    if (!target) return error;
    if (!step.as.empty()) names_[step.as] = *target;
    const std::string who = "node " + std::to_string(*target);
    auto call = [&](NodeId leader) -> std::string {
        auto stub = pb::Cluster::NewStub(lab_channel(supervisor_->node(leader).address));
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        pb::ChangeResponse resp;
        grpc::Status st;
        if (step.action == "remove") {
            pb::RemoveNodeRequest req;
            req.set_node_id(*target);
            st = stub->RemoveNode(&ctx, req, &resp);
        } else if (step.action == "promote") {
            pb::PromoteLearnerRequest req;
            req.set_node_id(*target);
            st = stub->PromoteLearner(&ctx, req, &resp);
        } else {
            pb::TransferLeaderRequest req;
            req.set_node_id(*target);
            st = stub->TransferLeader(&ctx, req, &resp);
        }
        if (!st.ok()) return "retry: gRPC " + st.error_message();
        const auto code = resp.error().code();
        if (code == pb::OK) return {};
        const std::string msg = pb::ErrorCode_Name(code) + ": " + resp.error().message();
        if (code == pb::NOT_LEADER || code == pb::NO_LEADER || code == pb::BUSY ||
            code == pb::RETRY) {
            return "retry: " + msg;
        }
        return msg;
    };
    std::string e = leader_rpc(step.action + " " + who, call, step.timeout_ms);
    if (!e.empty()) return e;
    fault(step.action, *target);
    monitor_->say(step.action == "remove"    ? who + " removed from the cluster"
                  : step.action == "promote" ? who + " promoted to voter"
                                             : "leadership transfer to " + who + " accepted");
    return {};
}

std::string Runner::network_step(const Step& step) {
    std::string error;
    // Directed cuts / rules: map from sender -> rules for its peers.
    std::map<NodeId, std::vector<pb::LinkRule>> rules;
    std::vector<NodeId> all = supervisor_->ids();
    auto add = [&](NodeId from, NodeId to, const std::function<void(pb::LinkRule&)>& fill) {
        pb::LinkRule r;
        r.set_to(to);
        fill(r);
        rules[from].push_back(r);
    };
    std::string description;
    if (step.action == "heal") {
        for (auto from : all) {
            for (auto to : all) {
                if (from != to) add(from, to, [](pb::LinkRule&) {});
            }
        }
        description = "every link healed";
    } else if (step.action == "partition" && !step.groups.empty()) {
        std::map<NodeId, int> group_of;
        std::string text;
        for (std::size_t g = 0; g < step.groups.size(); ++g) {
            auto ids = resolve_all(step.groups[g], error);
            if (ids.empty()) return error;
            for (auto id : ids)
                group_of[id] = static_cast<int>(g);
            text += (text.empty() ? "" : " | ") + list(ids);
        }
        for (auto [a, ga] : group_of) {
            for (auto [b, gb] : group_of) {
                if (ga != gb) add(a, b, [](pb::LinkRule& r) { r.set_cut(true); });
            }
            partitioned_.insert(a);
        }
        description = "partition " + text;
    } else {
        // A link (from -> to, both ways unless one_way) or every link of `node`.
        std::vector<std::pair<NodeId, NodeId>> links;
        if (step.from && step.to) {
            auto f = resolve(*step.from, error);
            auto t = f ? resolve(*step.to, error) : std::nullopt;
            if (!t) return error;
            links.push_back({*f, *t});
            if (!step.one_way) links.push_back({*t, *f});
        } else if (!step.nodes.empty()) {
            auto n = resolve(step.nodes.front(), error);
            if (!n) return error;
            if (!step.as.empty()) names_[step.as] = *n;
            for (auto other : all) {
                if (other == *n) continue;
                links.push_back({*n, other});
                if (!step.one_way) links.push_back({other, *n});
            }
        } else {
            return "name the link (from = A, to = B) or the node (node = N)";
        }
        for (auto [f, t] : links) {
            add(f, t, [&](pb::LinkRule& r) {
                if (step.action == "partition") r.set_cut(true);
                r.set_delay_ms(static_cast<std::uint32_t>(step.delay_ms));
                r.set_jitter_ms(static_cast<std::uint32_t>(step.jitter_ms));
                r.set_loss_pct(step.loss_pct);
            });
            if (step.action == "partition") partitioned_.insert(f);
        }
        description = step.action + " on links " + arrows(links);
        if (step.action == "delay") {
            description += ": " + std::to_string(step.delay_ms) + " ms ± " +
                           std::to_string(step.jitter_ms) + " ms";
        }
        if (step.action == "loss") description += ": " + number(step.loss_pct) + " %";
    }
    std::vector<NodeId> later;
    for (auto& [from, r] : rules) {
        const ProcessState st = supervisor_->state(from);
        if (st == ProcessState::Paused) {
            // Rules live on the sending node, which cannot answer while it
            // is stopped: apply them when it resumes.
            pending_rules_[from] = r;
            later.push_back(from);
            continue;
        }
        if (st != ProcessState::Running) continue;
        std::string e =
            lab_call(from, [&](LabClient& l) { return l.set_link_rules(r, options_.seed); });
        if (!e.empty()) return e;
    }
    if (!later.empty()) {
        description += " (the rules of paused node(s) " + list(later) +
                       " on their own sending side apply when they resume)";
    }
    if (step.action == "heal") partitioned_.clear();
    fault(step.action, 0, description);
    monitor_->say(description);
    return {};
}

std::string Runner::clock_or_disk_step(const Step& step) {
    std::vector<NodeId> ids;
    std::string error;
    if (step.action == "disk-delay" && !step.nodes.empty()) {
        ids = resolve_all(step.nodes, error);
        if (ids.empty()) return error;
    } else {
        for (auto id : supervisor_->ids()) {
            if (supervisor_->state(id) == ProcessState::Running) ids.push_back(id);
        }
    }
    std::string description;
    const std::int64_t at = LabClient::shared_instant(ids.size());
    for (auto id : ids) {
        std::string e;
        if (step.action == "disk-delay") {
            e = lab_call(id, [&](LabClient& l) {
                return l.set_disk_delay(static_cast<std::uint32_t>(step.delay_ms));
            });
            description =
                "disk delay " + std::to_string(step.delay_ms) + " ms on node(s) " + list(ids);
        } else if (step.clock_rate) {
            e = lab_call(id, [&](LabClient& l) { return l.set_clock(*step.clock_rate, at); });
            clock_altered_ = *step.clock_rate != 1.0;
            description = "lab clock rate " + number(*step.clock_rate) +
                          (*step.clock_rate == 0 ? " (frozen)" : "");
        } else {
            e = lab_call(id, [&](LabClient& l) { return l.step_clock(*step.clock_step_ms); });
            description = "lab clock stepped by " + std::to_string(*step.clock_step_ms) + " ms";
        }
        if (!e.empty()) return e;
    }
    fault(step.action, 0, description);
    monitor_->say(description);
    return {};
}

Runner::ClientAnswer Runner::client_op(lincheck::Operation op, std::optional<NodeId> node,
                                       int consistency, std::uint64_t timeout_ms) {
    // To a given node: one attempt. Otherwise to the leader, following hints
    // and waiting out elections until the timeout, as a real client would.
    ClientAnswer answer;
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    NodeId target = node ? *node : current_leader().value_or(supervisor_->ids().front());
    for (int attempt = 0; attempt < 200; ++attempt) {
        auto stub = pb::KV::NewStub(lab_channel(supervisor_->node(target).address));
        op.client = 0;
        const std::uint64_t id = recorder_->invoke(op, target);
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        CallResult r =
            call_kv(*stub, op, consistency,
                    static_cast<std::uint64_t>(std::max<std::int64_t>(left.count(), 50)));
        recorder_->complete(id, r.outcome, r.value, r.swapped, r.error);
        answer.node = target;
        answer.error = r.error;
        if (r.outcome == lincheck::Outcome::Ok) {
            answer.ok = true;
            answer.value = r.value;
            return answer;
        }
        // Retrying a write whose outcome is unknown would be a second write;
        // the history records both honestly, so that is safe for the check.
        if (node || Clock::now() >= deadline) return answer;
        if (r.leader_hint && supervisor_->planned(r.leader_hint)) {
            target = r.leader_hint;
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            target = current_leader().value_or(target);
        }
    }
    return answer;
}

std::string Runner::client_step(const Step& step) {
    std::optional<NodeId> node;
    std::string error;
    if (!step.nodes.empty()) {
        node = resolve(step.nodes.front(), error);
        if (!node) return error;
    }
    lincheck::Operation op;
    op.key = step.key;
    if (step.action == "put") {
        op.kind = lincheck::OpKind::Put;
        op.value = step.value;
    } else if (step.action == "delete") {
        op.kind = lincheck::OpKind::Delete;
    } else {
        op.kind = lincheck::OpKind::Get;
    }
    const std::string via = node ? " via node " + std::to_string(*node) : "";
    ClientAnswer a = client_op(op, node, consistency_number(step.consistency), step.timeout_ms);
    std::string what = step.action == "put" ? "put " + step.key + " = \"" + *step.value + "\"" + via
                       : step.action == "delete"
                           ? "delete " + step.key + via
                           : "get " + step.key + " (" + step.consistency + ")" + via;
    if (!a.ok) {
        monitor_->say(what + ": not acknowledged by node " + std::to_string(a.node) + " (" +
                      a.error + ")");
        if (step.must_fail || step.may_fail) return {};
        return what + " failed: " + a.error +
               " (add may_fail = true if a refusal is acceptable here)";
    }
    if (step.action != "get") {
        monitor_->say(what + ": ok (node " + std::to_string(a.node) + ")");
    } else {
        monitor_->say(what + " -> " + (a.value ? "\"" + *a.value + "\"" : "missing") + " (node " +
                      std::to_string(a.node) + ")");
    }
    if (step.must_fail) {
        return what + " succeeded, but must_fail = true: the node should have refused it";
    }
    if (step.action == "get") {
        if (step.expect_missing && a.value) {
            return what + " read \"" + *a.value + "\", expected the key to be missing";
        }
        if (step.expect_value && a.value != step.expect_value) {
            return what + " read " + (a.value ? "\"" + *a.value + "\"" : "missing") +
                   ", expected \"" + *step.expect_value + "\"";
        }
    }
    return {};
}

std::string Runner::workload_step(const Step& step) {
    if (step.workload_action == "stop") {
        if (!workload_) return "no workload is running; start one with action = \"start\"";
        workload_->stop();
        auto c = recorder_->counts();
        monitor_->say("workload stopped (" + std::to_string(c.ok) + " ok, " +
                      std::to_string(c.failed) + " failed, " + std::to_string(c.unknown) +
                      " unknown so far)");
        return {};
    }
    if (workload_) workload_->stop();
    std::map<std::uint64_t, std::string> endpoints;
    for (auto id : supervisor_->ids())
        endpoints[id] = supervisor_->node(id).address;
    WorkloadOptions w;
    w.clients = step.clients;
    w.keys = step.keys;
    w.rate = step.rate;
    w.max_ops = step.max_ops;
    w.duration_ms = step.duration_ms;
    w.op_timeout_ms = step.op_timeout_ms;
    w.read_fraction = step.read_fraction;
    w.cas_fraction = step.cas_fraction;
    w.seed = options_.seed + workload_runs_++;
    workload_ = std::make_unique<Workload>(endpoints, w, *recorder_);
    workload_->start();
    monitor_->say("workload started: " + std::to_string(w.clients) + " clients over " +
                  std::to_string(w.keys) + " keys, " +
                  (w.rate > 0 ? std::to_string(static_cast<int>(w.rate)) + " ops/s each"
                              : std::string("as fast as they can")) +
                  ", at most " + std::to_string(w.max_ops) + " ops" +
                  (w.duration_ms ? " or " + std::to_string(w.duration_ms) + " ms" : ""));
    return {};
}

std::string Runner::wait_step(const Step& step) {
    const auto begin = Clock::now();
    Check c;
    if (step.action == "expect") {
        c = evaluate(step.condition, step);
    } else {
        const auto deadline = begin + std::chrono::milliseconds(step.timeout_ms);
        for (;;) {
            c = evaluate(step.condition, step);
            if (c.held || Clock::now() >= deadline) break;
            if (options_.cancelled && options_.cancelled()) break;
            check_crashes();
            update_quorum();
            monitor_->tick();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    const auto waited =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - begin).count();
    QJsonObject o;
    o.insert("kind", "expect");
    o.insert("index", step.index);
    o.insert("condition", QString::fromStdString(step.condition.text()));
    o.insert("held", c.held);
    o.insert("seen", QString::fromStdString(c.seen));
    trace_->record(o);
    if (c.held) {
        monitor_->say(
            (step.action == "expect" ? "✓ " : "✓ after " + std::to_string(waited) + " ms: ") +
            step.condition.text() + (c.seen.empty() ? "" : " — " + c.seen));
        return {};
    }
    return (step.action == "expect" ? "expected "
                                    : "waited " + std::to_string(waited) + " ms for ") +
           step.condition.text() + ", but " + (c.seen.empty() ? "it did not hold" : c.seen);
}

// Runner::nemesis_step is in nemesis.cpp.

}  // namespace raftlab::scenario
