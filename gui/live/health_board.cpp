#include "gui/live/health_board.h"

#include <algorithm>

namespace raftlab::gui {

namespace {

constexpr std::size_t kAppliedKept = 200'000;  // indexes remembered for State Machine Safety
constexpr std::int64_t kLogCheckEveryMs = 50;

std::string num(std::uint64_t v) {
    return std::to_string(v);
}

}  // namespace

const char* to_string(Light l) {
    switch (l) {
        case Light::Holds:
            return "holds";
        case Light::Violated:
            return "violated";
        default:
            return "not judged yet";
    }
}

HealthBoard::HealthBoard() {
    checks_[ElectionSafety] = {"Election Safety",
                               "At most one leader can be elected in a given term (§5.2).",
                               Light::Unknown,
                               "no leader seen yet",
                               "",
                               -1};
    checks_[LogMatching] = {"Log Matching",
                            "If two logs contain an entry with the same index and term, the logs "
                            "are identical in all entries up through that index (§5.3).",
                            Light::Unknown,
                            "no two logs to compare yet",
                            "",
                            -1};
    checks_[LeaderCompleteness] = {
        "Leader Completeness",
        "If an entry is committed in a term, it is present in the logs of the leaders of every "
        "higher term (§5.4).",
        Light::Unknown,
        "no leader after a commit yet",
        "",
        -1};
    checks_[StateMachineSafety] = {
        "State Machine Safety",
        "If a node has applied an entry at an index, no other node ever applies a different "
        "entry at that index (§5.4.3).",
        Light::Unknown,
        "no entry applied on two nodes yet",
        "Live, the lab reads each node's newly applied entries (index, term, hash) through "
        "Lab.ReadLog about once a second and compares them across nodes; a trace is judged "
        "from the terms of its apply events.",
        -1};
    checks_[Liveness] = {"Liveness",
                         "While a quorum of voters runs and can talk, a leader is elected within "
                         "5 s (a few election timeouts).",
                         Light::Unknown,
                         "no leader seen yet",
                         "",
                         -1};
    checks_[Linearizability] = {
        "Linearizability",
        "Every client operation appears to take effect at one instant between its call and "
        "its answer (the scenario engine's checker, over the recorded client history).",
        Light::Unknown,
        "no client call checked yet",
        "Grey until a client history is judged. Live, the lab records its own Client panel "
        "calls (puts, deletes and linearizable gets; lease and eventual reads promise less) and "
        "checks them with lincheck after each call, at most once a second. A scenario's "
        "expect = \"linearizable\" step judges its workload's history. A cluster the app did "
        "not start (--attach, a scenario's nodes) is not judged from the Client panel: other "
        "clients write there, and the lab does not see their calls.",
        -1};
    liveness_.set_enabled(true);
}

void HealthBoard::violate(Check c, const std::string& evidence) {
    HealthCheck& h = checks_[c];
    if (h.light == Light::Violated) return;  // keep the first evidence
    h.light = Light::Violated;
    h.evidence = evidence;
    h.summary = "VIOLATED";
    h.at_ms = state_.now_ms();
}

void HealthBoard::observe(const Event& e) {
    state_.apply(e);
    const NodeState* n = state_.node(e.node);
    if (n != nullptr) {
        Index& c = committed_in_term_[n->term];
        c = std::max(c, n->commit_index);
    }
    // Leader observations: a node's own statement (live NodeState, atomic
    // with its log), or a role change in a trace (the fold's log).
    NodeId leader = kNoNode;
    Term term = 0;
    if (e.kind == EventKind::State && e.live && e.live->role == Role::Leader) {
        leader = e.node;
        term = e.live->term;
    } else if (e.kind == EventKind::Role && e.to_role == Role::Leader && n != nullptr) {
        leader = e.node;
        term = n->term;
    }
    if (leader != kNoNode) {
        const std::int64_t t_ns = e.t_ns != 0 ? e.t_ns : e.t_ms * 1'000'000;
        if (auto v = election_.observe_leader(leader, term, t_ns)) {
            violate(ElectionSafety, v->text);
        } else if (checks_[ElectionSafety].light != Light::Violated) {
            auto& h = checks_[ElectionSafety];
            h.light = Light::Holds;
            h.summary = num(election_.leaders().size()) + " term(s), one leader each";
            std::string list;
            for (const auto& [t, id] : election_.leaders())
                list += (list.empty() ? "" : ", ") + std::string("term ") + num(t) + " → node " +
                        num(id);
            h.evidence = "Leaders seen: " + list;
        }
        checkLeaderCompleteness(leader);
    }
    if (e.kind == EventKind::Apply) checkApplied(e);
    if (state_.now_ms() - last_log_check_ms_ >= kLogCheckEveryMs) {
        last_log_check_ms_ = state_.now_ms();
        checkLogMatching();
    }
    updateLiveness();
}

void HealthBoard::checkApplied(const Event& e) {
    if (!e.has(kIndex) || !e.has(kTerm) || e.index == 0 || e.term == 0) return;
    auto [it, inserted] = applied_.try_emplace(e.index, e.term, e.node);
    if (!inserted) {
        ++applied_checked_;
        if (it->second.first != e.term) {
            violate(StateMachineSafety, "node " + num(it->second.second) + " applied index " +
                                            num(e.index) + " from term " + num(it->second.first) +
                                            ", but node " + num(e.node) + " applied index " +
                                            num(e.index) + " from term " + num(e.term));
            return;
        }
    }
    while (applied_.size() > kAppliedKept)
        applied_.erase(applied_.begin());
    holdsStateMachineSafety();
}

void HealthBoard::observeApplied(const std::vector<AppliedEntry>& entries) {
    for (const AppliedEntry& e : entries) {
        if (checks_[StateMachineSafety].light == Light::Violated) return;
        if (e.index == 0) continue;
        auto [it, inserted] = applied_read_.try_emplace(e.index, e);
        if (inserted || it->second.node == e.node) continue;
        ++applied_checked_;
        const AppliedEntry& first = it->second;
        if (first.hash != e.hash || first.term != e.term) {
            auto entry = [](const AppliedEntry& a) {
                return "node " + num(a.node) + " applied index " + num(a.index) + " = term " +
                       num(a.term) + ", hash " + num(a.hash);
            };
            violate(StateMachineSafety,
                    entry(first) + "; but " + entry(e) +
                        " (read back through Lab.ReadLog: two different entries applied at one "
                        "index)");
            return;
        }
    }
    while (applied_read_.size() > kAppliedKept)
        applied_read_.erase(applied_read_.begin());
    holdsStateMachineSafety();
}

void HealthBoard::holdsStateMachineSafety() {
    auto& h = checks_[StateMachineSafety];
    if (h.light == Light::Violated || applied_checked_ == 0) return;
    h.light = Light::Holds;
    h.summary = num(applied_checked_) + " applied entries compared";
    h.evidence =
        "Every index applied by more than one node held the same entry: the same term (trace "
        "events), or the same term and hash of (term, type, data) read back from each node "
        "through Lab.ReadLog (live).";
}

void HealthBoard::checkLogMatching() {
    if (checks_[LogMatching].light == Light::Violated) return;
    const auto& nodes = state_.nodes();
    for (auto a = nodes.begin(); a != nodes.end(); ++a) {
        for (auto b = std::next(a); b != nodes.end(); ++b) {
            const TermRuns& la = a->second.log;
            const TermRuns& lb = b->second.log;
            const Index last = std::min(la.last_index(), lb.last_index());
            if (last == 0) continue;
            // The highest index where both hold the same known term, and the
            // lowest where both are known and differ: the first must not lie
            // above the second.
            Index match = 0, mismatch = 0;
            Term mt = 0, xa = 0, xb = 0;
            for (Index i = 1; i <= last;) {
                const Term ta = la.term_at(i), tb = lb.term_at(i);
                const Index end = std::min({la.next_boundary(i), lb.next_boundary(i), last + 1});
                if (ta != 0 && tb != 0) {
                    if (ta == tb) {
                        match = end - 1;
                        mt = ta;
                    } else if (mismatch == 0) {
                        mismatch = i;
                        xa = ta;
                        xb = tb;
                    }
                }
                i = end;
            }
            if (match == 0) continue;
            ++log_pairs_checked_;
            if (mismatch != 0 && mismatch < match) {
                violate(LogMatching, "nodes " + num(a->first) + " and " + num(b->first) +
                                         " both hold index " + num(match) + " from term " +
                                         num(mt) + ", but differ at index " + num(mismatch) +
                                         " (term " + num(xa) + " on node " + num(a->first) +
                                         ", term " + num(xb) + " on node " + num(b->first) + ")");
                return;
            }
        }
    }
    if (log_pairs_checked_ > 0) {
        auto& h = checks_[LogMatching];
        h.light = Light::Holds;
        h.summary = "logs agree below every shared (index, term)";
        h.evidence = "Every pair of logs was compared run by run (" + num(log_pairs_checked_) +
                     " comparisons); entries whose term the lab did not see are skipped.";
    }
}

void HealthBoard::checkLeaderCompleteness(NodeId leader) {
    const NodeState* n = state_.node(leader);
    if (n == nullptr || checks_[LeaderCompleteness].light == Light::Violated) return;
    for (const auto& [t, commit] : committed_in_term_) {
        if (t >= n->term) break;
        if (commit == 0) continue;
        ++leader_checks_;
        if (n->last_index() < commit) {
            violate(LeaderCompleteness, "node " + num(leader) + " leads term " + num(n->term) +
                                            " with a log that ends at index " +
                                            num(n->last_index()) + ", but index " + num(commit) +
                                            " was already committed in term " + num(t));
            return;
        }
    }
    if (leader_checks_ > 0) {
        auto& h = checks_[LeaderCompleteness];
        h.light = Light::Holds;
        h.summary = "every new leader held every earlier commit";
        h.evidence = "Each leader's log reached every commit_index reported in an earlier term (" +
                     num(leader_checks_) + " checks).";
    }
}

void HealthBoard::updateLiveness() {
    // Only a clean cluster is judged: a majority of voters running, not
    // paused, and no link between them cut.
    int voters = 0, up = 0;
    bool cut = false;
    for (const auto& [id, n] : state_.nodes()) {
        if (!n.is_voter()) continue;
        ++voters;
        if (n.liveness == gui::Liveness::Alive) ++up;
        for (const auto& [other, m] : state_.nodes())
            if (other != id && m.is_voter() && state_.link_cut(id, other)) cut = true;
    }
    const bool quorum_ok = voters > 0 && up > voters / 2 && !cut;
    const bool has_leader = state_.leader() != kNoNode;
    if (auto v = liveness_.update(state_.now_ms() * 1'000'000, has_leader, quorum_ok)) {
        violate(Liveness, v->text);
        return;
    }
    auto& h = checks_[Liveness];
    if (h.light != Light::Violated && has_leader) {
        h.light = Light::Holds;
        h.summary = "node " + num(state_.leader()) + " leads";
        h.evidence = "No stretch of more than 5 s without a leader while a quorum could talk.";
    } else if (h.light == Light::Holds && !has_leader) {
        // Still green (an election is not a failure yet), but the summary
        // must not name a leader that was just killed.
        h.summary = quorum_ok ? "no leader right now: electing (limit 5 s)"
                              : "no leader, and no quorum can talk: not judged";
    }
}

void HealthBoard::judgeClientHistory(const ClientHistory::Judgement& j) {
    if (j.verdict == ClientHistory::Judgement::NotLinearizable) {
        violate(Linearizability, j.evidence);
        return;
    }
    auto& h = checks_[Linearizability];
    if (h.light == Light::Violated) return;
    if (j.verdict == ClientHistory::Judgement::Linearizable) h.light = Light::Holds;
    h.summary = j.summary;
    h.evidence = j.evidence;
}

void HealthBoard::record(const QJsonObject& o) {
    const QString kind = o.value(QLatin1String("kind")).toString();
    if (kind == QLatin1String("violation")) {
        const QString checker = o.value(QLatin1String("checker")).toString();
        const std::string text = o.value(QLatin1String("text")).toString().toStdString();
        if (checker == QLatin1String("election-safety"))
            violate(ElectionSafety, text);
        else if (checker == QLatin1String("liveness") || checker == QLatin1String("crash"))
            violate(Liveness, text);
        else if (checker == QLatin1String("no-lost-writes"))
            violate(Linearizability, "a lost write: " + text);
    } else if (kind == QLatin1String("expect")) {
        const QString c = o.value(QLatin1String("condition")).toString();
        if (c != QLatin1String("linearizable") && c != QLatin1String("no-lost-writes")) return;
        const std::string seen = o.value(QLatin1String("seen")).toString().toStdString();
        if (!o.value(QLatin1String("held")).toBool()) {
            violate(Linearizability, c.toStdString() + ": " + seen);
            return;
        }
        auto& h = checks_[Linearizability];
        if (h.light == Light::Violated) return;
        h.light = Light::Holds;
        if (c == QLatin1String("linearizable")) {
            h.summary = "the client history is linearizable";
            h.evidence = seen.empty() ? "lincheck found an order" : seen;
        }
    }
}

}  // namespace raftlab::gui
