#include "scenarios/runner/monitor.h"

#include <QJsonArray>
#include <cstdio>

namespace raftlab::scenario {

namespace {

std::string ids(const std::vector<NodeId>& v) {
    std::string out = "{";
    for (auto id : v)
        out += (out.size() > 1 ? "," : "") + std::to_string(id);
    return out + "}";
}

QJsonArray json_ids(const std::vector<NodeId>& v) {
    QJsonArray a;
    for (auto id : v)
        a.append(static_cast<qint64>(id));
    return a;
}

}  // namespace

Monitor::Monitor(TraceWriter& trace, std::ostream& out, std::int64_t start_ns,
                 std::int64_t liveness_limit_ns, bool liveness)
    : trace_(trace), out_(out), start_ns_(start_ns), liveness_(liveness_limit_ns) {
    liveness_.set_enabled(liveness);
}

double Monitor::seconds_since_start(std::int64_t t_ns) const {
    return static_cast<double>(t_ns - start_ns_) / 1e9;
}

void Monitor::narrate_locked(const std::string& line, std::int64_t t_ns) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "[%8.3fs] ", seconds_since_start(t_ns));
    out_ << stamp << line << "\n";
    out_.flush();
}

void Monitor::say(const std::string& line) {
    std::lock_guard lock(mu_);
    narrate_locked(line, mono_ns());
}

void Monitor::violation(const Violation& v) {
    std::lock_guard lock(mu_);
    violations_.push_back(v);
    narrate_locked("VIOLATION (" + v.checker + "): " + v.text, v.t_ns ? v.t_ns : mono_ns());
    QJsonObject o;
    o.insert("kind", "violation");
    o.insert("checker", QString::fromStdString(v.checker));
    o.insert("text", QString::fromStdString(v.text));
    trace_.record(o);
}

std::vector<Violation> Monitor::violations() const {
    std::lock_guard lock(mu_);
    return violations_;
}

void Monitor::on_view(const NodeView& now, const NodeView& before) {
    std::vector<Violation> found;
    {
        std::lock_guard lock(mu_);
        views_[now.id] = now;
        const std::string who = "node " + std::to_string(now.id);
        if (now.reachable != before.reachable) {
            narrate_locked(now.reachable ? who + " answers: " + role_name(now.role) + " in term " +
                                               std::to_string(now.term)
                                         : who + " stopped answering (" + now.error + ")",
                           now.t_ns);
        }
        if (now.reachable) {
            // Everything a poll saw, for the GUI's replay and offline checks.
            QJsonObject o;
            o.insert("t_ns", static_cast<qint64>(now.t_ns));
            o.insert("kind", "state");
            o.insert("node", static_cast<qint64>(now.id));
            o.insert("role", static_cast<qint64>(now.role));
            o.insert("term", static_cast<qint64>(now.term));
            o.insert("vote", static_cast<qint64>(now.vote));
            o.insert("leader", static_cast<qint64>(now.leader));
            o.insert("commit", static_cast<qint64>(now.commit_index));
            o.insert("applied", static_cast<qint64>(now.applied_index));
            o.insert("first", static_cast<qint64>(now.first_index));
            o.insert("last", static_cast<qint64>(now.last_index));
            o.insert("snapshot_index", static_cast<qint64>(now.snapshot_index));
            o.insert("voters", json_ids(now.voters));
            o.insert("learners", json_ids(now.learners));
            trace_.record(o);

            const bool role_changed = before.reachable ? now.role != before.role : false;
            if (role_changed || (before.reachable && now.term != before.term)) {
                QJsonObject r;
                r.insert("t_ns", static_cast<qint64>(now.t_ns));
                r.insert("kind", "role");
                r.insert("node", static_cast<qint64>(now.id));
                r.insert("from", role_name(before.role));
                r.insert("to", role_name(now.role));
                r.insert("term", static_cast<qint64>(now.term));
                r.insert("leader", static_cast<qint64>(now.leader));
                r.insert("reason",
                         QString::fromStdString(now.reason.empty() ? "observed" : now.reason));
                trace_.record(r);
                const std::string follows = now.role != kLeader && now.leader
                                                ? ", follows " + std::to_string(now.leader)
                                                : std::string();
                narrate_locked(role_changed ? who + ": " + role_name(before.role) + " → " +
                                                  role_name(now.role) + " (term " +
                                                  std::to_string(now.term) + ")" + follows
                                            : who + ": term " + std::to_string(before.term) +
                                                  " → " + std::to_string(now.term) + follows,
                               now.t_ns);
            }
            if (before.reachable &&
                (now.voters != before.voters || now.learners != before.learners)) {
                narrate_locked(
                    who + " sees voters " + ids(now.voters) + " learners " + ids(now.learners),
                    now.t_ns);
            }
            if (now.role == kLeader) {
                if (auto v = election_safety_.observe_leader(now.id, now.term, now.t_ns)) {
                    found.push_back(*v);
                }
            }
        }
        check_liveness_locked(now.t_ns);
    }
    for (const auto& v : found)
        violation(v);
}

void Monitor::set_quorum_ok(bool ok) {
    std::lock_guard lock(mu_);
    quorum_ok_ = ok;
    check_liveness_locked(mono_ns());
}

void Monitor::tick() {
    std::optional<Violation> v;
    {
        std::lock_guard lock(mu_);
        check_liveness_locked(mono_ns());
    }
}

void Monitor::check_liveness_locked(std::int64_t now_ns) {
    bool leader = false;
    for (const auto& [id, v] : views_)
        leader |= v.reachable && v.role == kLeader;
    if (auto v = liveness_.update(now_ns, leader, quorum_ok_)) {
        violations_.push_back(*v);
        narrate_locked("VIOLATION (" + v->checker + "): " + v->text, now_ns);
        QJsonObject o;
        o.insert("kind", "violation");
        o.insert("checker", QString::fromStdString(v->checker));
        o.insert("text", QString::fromStdString(v->text));
        trace_.record(o);
    }
}

}  // namespace raftlab::scenario
