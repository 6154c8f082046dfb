#include "failpoint_cluster.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "scenarios/runner/lab_client.h"

namespace raftlab::failpoint_test {

using Clock = std::chrono::steady_clock;

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (cond()) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
}

FpCluster::FpCluster(int nodes, const std::string& raft_toml) : voters_(nodes) {
    // RAFTLAB_KEEP_RUN=1 keeps configs, data and node logs for a post-mortem.
    if (qEnvironmentVariableIsSet("RAFTLAB_KEEP_RUN")) {
        dir_.setAutoRemove(false);
        std::fprintf(stderr, "run directory kept: %s\n", dir_.path().toUtf8().constData());
    }
    scenario::SupervisorOptions o;
    o.run_dir = dir_.path().toStdString();
    o.node_bin = std::string(RAFTLAB_BIN_DIR) + "/raftlab-node-failpoints";
    o.raft_toml = raft_toml;
    o.lab = true;
    sup_ = std::make_unique<scenario::Supervisor>(o);
    for (int i = 1; i <= nodes; ++i)
        sup_->plan(static_cast<NodeId>(i), false);
}

FpCluster::~FpCluster() {
    sup_->kill_all();
}

void FpCluster::plan_learner(NodeId id) {
    sup_->plan(id, true);
}

std::string FpCluster::start_all() {
    for (int i = 1; i <= voters_; ++i) {
        std::string e = sup_->start(static_cast<NodeId>(i));
        if (!e.empty()) return e;
    }
    return {};
}

std::vector<std::string> FpCluster::endpoints() const {
    std::vector<std::string> out;
    for (int i = 1; i <= voters_; ++i)
        out.push_back(address(static_cast<NodeId>(i)));
    return out;
}

api::NodeStatus FpCluster::status(NodeId id) {
    api::RemoteOptions o;
    o.timeout = 1000ms;
    o.attempt_timeout = 500ms;
    api::RemoteClient c({address(id)}, o);
    return c.status(address(id));
}

std::optional<NodeId> FpCluster::leader(std::chrono::milliseconds timeout) {
    std::optional<NodeId> found;
    wait_until(
        [&] {
            std::uint64_t max_term = 0, leader_term = 0;
            found.reset();
            for (auto id : ids()) {
                if (sup_->state(id) != scenario::ProcessState::Running) continue;
                auto s = status(id);
                if (!s.error.ok()) continue;
                max_term = std::max<std::uint64_t>(max_term, s.status.term());
                if (s.status.role() == 2 && s.status.term() >= leader_term) {
                    found = id;
                    leader_term = s.status.term();
                }
            }
            if (found && leader_term < max_term) found.reset();
            return found.has_value();
        },
        timeout);
    return found;
}

std::optional<NodeId> FpCluster::follower(NodeId leader) const {
    for (int i = 1; i <= voters_; ++i) {
        const auto id = static_cast<NodeId>(i);
        if (id != leader && sup_->state(id) == scenario::ProcessState::Running) return id;
    }
    return std::nullopt;
}

void FpCluster::arm(NodeId id) {
    ::kill(sup_->pid(id), SIGUSR2);
}

std::string FpCluster::wait_failpoint_crash(NodeId id, const std::string& name,
                                            std::chrono::milliseconds timeout) {
    const bool exited =
        wait_until([&] { return sup_->state(id) == scenario::ProcessState::Exited; }, timeout);
    if (!exited) {
        return "node " + std::to_string(id) + " did not reach failpoint " + name + " within " +
               std::to_string(timeout.count()) + " ms; its last lines:\n" + log_tail(id);
    }
    const std::string tail = sup_->log_tail(id, 30);
    if (tail.find("failpoint " + name + " fired") == std::string::npos ||
        sup_->exit_code(id) != 128 + SIGKILL) {
        return "node " + std::to_string(id) + " exited (code " +
               std::to_string(sup_->exit_code(id)) + ") but not at failpoint " + name +
               "; its last lines:\n" + tail;
    }
    return {};
}

namespace {
std::string set_rules(scenario::Supervisor& sup, const std::function<bool(NodeId, NodeId)>& cut) {
    for (auto from : sup.ids()) {
        if (sup.state(from) != scenario::ProcessState::Running) continue;
        std::vector<pb::LinkRule> rules;
        for (auto to : sup.ids()) {
            if (to == from) continue;
            pb::LinkRule r;
            r.set_to(to);
            r.set_cut(cut(from, to));
            rules.push_back(r);
        }
        scenario::LabClient lab(from, sup.node(from).address);
        std::string e = lab.set_link_rules(rules, 1);
        if (!e.empty()) return e;
    }
    return {};
}
}  // namespace

std::string FpCluster::isolate(NodeId id) {
    return set_rules(*sup_, [id](NodeId a, NodeId b) { return a == id || b == id; });
}

std::string FpCluster::heal() {
    return set_rules(*sup_, [](NodeId, NodeId) { return false; });
}

std::string FpCluster::check_acked(const std::map<std::string, std::string>& acked) {
    api::RemoteOptions o;
    o.timeout = 5000ms;
    o.attempt_timeout = 1000ms;
    api::RemoteClient c(endpoints(), o);
    std::size_t lost = 0;
    std::string examples;
    for (const auto& [key, value] : acked) {
        api::ReadResult r;
        // A read that fails (no leader yet) is retried; a read that answers
        // is the verdict.
        for (int attempt = 0; attempt < 10; ++attempt) {
            r = c.get(key, api::Consistency::Linearizable);
            if (r.error.ok()) break;
        }
        if (!r.error.ok()) {
            return "cannot read acknowledged key " + key + " back: " + r.error.message;
        }
        if (r.value != value) {
            if (++lost <= 5) {
                examples += "\n  " + key + ": acknowledged \"" + value + "\", read " +
                            (r.value ? "\"" + *r.value + "\"" : std::string("missing"));
            }
        }
    }
    if (lost == 0) return {};
    return std::to_string(lost) + " of " + std::to_string(acked.size()) +
           " acknowledged writes are lost (missing or changed):" + examples;
}

std::string FpCluster::check_progress(std::chrono::milliseconds timeout) {
    api::RemoteOptions o;
    o.timeout = timeout;
    api::RemoteClient c(endpoints(), o);
    auto w = c.put("progress-probe", "after-recovery");
    if (!w.error.ok()) return "the cluster does not commit a write: " + w.error.message;
    std::string stuck;
    const bool ok = wait_until(
        [&] {
            stuck.clear();
            for (auto id : ids()) {
                if (sup_->state(id) != scenario::ProcessState::Running) continue;
                auto s = status(id);
                if (!s.error.ok() || s.status.applied_index() < w.index) {
                    stuck += " node " + std::to_string(id) + " (applied " +
                             std::to_string(s.status.applied_index()) + ")";
                }
            }
            return stuck.empty();
        },
        timeout);
    if (ok) return {};
    return "write at index " + std::to_string(w.index) + " not applied within " +
           std::to_string(timeout.count()) + " ms by" + stuck;
}

std::string FpCluster::check_converged(std::chrono::milliseconds timeout) {
    // Members per the leader; only they must converge (a learner whose join
    // never committed is not part of the cluster).
    auto l = leader(timeout);
    if (!l) return "no leader to ask for the membership";
    std::vector<NodeId> members;
    const api::NodeStatus leader_status = status(*l);
    for (const auto& m : leader_status.status.membership().members()) {
        if (sup_->planned(m.id()) && sup_->state(m.id()) == scenario::ProcessState::Running)
            members.push_back(m.id());
    }
    std::string seen;
    const bool same = wait_until(
        [&] {
            std::set<std::string> states;
            seen.clear();
            for (auto id : members) {
                auto s = status(id);
                if (!s.error.ok()) {
                    seen += " node " + std::to_string(id) + " does not answer;";
                    states.insert("down" + std::to_string(id));
                    continue;
                }
                const auto& st = s.status;
                seen += " node " + std::to_string(id) + ": commit " +
                        std::to_string(st.commit_index()) + " applied " +
                        std::to_string(st.applied_index()) + " last " +
                        std::to_string(st.last_index()) + ";";
                states.insert(std::to_string(st.commit_index()) + "/" +
                              std::to_string(st.applied_index()) + "/" +
                              std::to_string(st.last_index()));
                if (st.applied_index() != st.commit_index()) states.insert("lag");
            }
            return states.size() == 1;
        },
        timeout);
    if (!same)
        return "nodes did not converge within " + std::to_string(timeout.count()) + " ms:" + seen;
    // Log Matching by hash (Figure 3): where two logs overlap, they hold the
    // same entries.
    std::map<NodeId, std::map<std::uint64_t, std::uint64_t>> hashes;
    for (auto id : members) {
        scenario::LabClient lab(id, address(id));
        std::vector<pb::LogEntryMeta> entries;
        scenario::LabClient::LogBounds bounds;
        std::string e = lab.read_log(entries, bounds);
        if (!e.empty()) return "ReadLog on node " + std::to_string(id) + ": " + e;
        for (const auto& m : entries)
            hashes[id][m.index()] = m.hash();
    }
    for (auto a : members) {
        for (auto b : members) {
            if (a >= b) continue;
            for (const auto& [index, hash] : hashes[a]) {
                auto it = hashes[b].find(index);
                if (it == hashes[b].end()) continue;
                if (it->second != hash) {
                    return "nodes " + std::to_string(a) + " and " + std::to_string(b) +
                           " hold different entries at index " + std::to_string(index);
                }
            }
        }
    }
    // With small snapshots, logs may not overlap at all: then the equal
    // commit, applied and last index above are the evidence (entries below
    // a snapshot are in the state machine, which the acked-writes check reads).
    return {};
}

WriteLoad::WriteLoad(std::vector<std::string> endpoints, std::string prefix, int writers,
                     int max_writes, std::chrono::milliseconds max_time)
    : endpoints_(std::move(endpoints)),
      prefix_(std::move(prefix)),
      writers_(writers),
      max_writes_(max_writes),
      max_time_(max_time) {}

WriteLoad::~WriteLoad() {
    stop();
}

void WriteLoad::start() {
    for (int w = 0; w < writers_; ++w)
        threads_.emplace_back([this, w] { run(w); });
}

void WriteLoad::stop() {
    stop_ = true;
    for (auto& t : threads_)
        t.join();
    threads_.clear();
}

std::map<std::string, std::string> WriteLoad::acked() const {
    std::lock_guard lock(mu_);
    return acked_;
}

std::uint64_t WriteLoad::acked_count() const {
    std::lock_guard lock(mu_);
    return acked_.size();
}

void WriteLoad::run(int writer) {
    api::RemoteOptions o;
    o.timeout = 2000ms;
    o.attempt_timeout = 700ms;
    api::RemoteClient c(endpoints_, o);
    const auto deadline = Clock::now() + max_time_;
    while (!stop_ && Clock::now() < deadline) {
        const int n = issued_++;
        if (n >= max_writes_) break;
        const std::string key = prefix_ + "-" + std::to_string(writer) + "-" + std::to_string(n);
        const std::string value = "v" + std::to_string(n);
        auto r = c.put(key, value);
        if (r.error.ok()) {
            std::lock_guard lock(mu_);
            acked_[key] = value;
            continue;
        }
        using api::Code;
        const Code code = r.error.code;
        // Only a refusal that says "not applied" is a failure; anything that
        // may have been applied is unknown (and is not checked either way).
        if (code == Code::NotLeader || code == Code::NoLeader || code == Code::Retry ||
            code == Code::Busy || code == Code::InvalidArgument) {
            ++failed_;
        } else {
            ++unknown_;
        }
        std::this_thread::sleep_for(20ms);
    }
}

}  // namespace raftlab::failpoint_test
