#include "gui/live/client_history.h"

#include <stdexcept>

#include "scenarios/lincheck/checker.h"

namespace raftlab::gui {

std::uint64_t ClientHistory::invoke(const lincheck::Operation& op, int consistency) {
    if (op.kind == lincheck::OpKind::Get && consistency != 0) {
        ++weak_reads_;
        return 0;
    }
    if (recorded_ >= kMaxOps) {
        ++dropped_;
        return 0;
    }
    ++recorded_;
    lincheck::Operation sent = op;
    if (sent.kind == lincheck::OpKind::Get || sent.kind == lincheck::OpKind::Delete)
        sent.value.reset();
    return recorder_.invoke(1, sent);
}

void ClientHistory::complete(std::uint64_t id, lincheck::Outcome outcome,
                             const std::optional<std::string>& read) {
    if (id == 0) return;
    try {
        recorder_.complete(id, outcome, read);
    } catch (const std::invalid_argument&) {
        return;  // not pending: nothing to record
    }
    ++completed_since_check_;
}

std::optional<ClientHistory::Judgement> ClientHistory::checkIfDue(
    std::chrono::milliseconds every, std::chrono::milliseconds budget) {
    const auto now = std::chrono::steady_clock::now();
    if (completed_since_check_ == 0 || now - last_check_ < every) return std::nullopt;
    completed_since_check_ = 0;
    last_check_ = now;
    return check(budget);
}

ClientHistory::Judgement ClientHistory::check(std::chrono::milliseconds budget) const {
    lincheck::CheckOptions options;
    options.budget = budget;
    options.minimize_budget = budget / 2;
    const lincheck::History history = recorder_.snapshot();
    Judgement j;
    lincheck::CheckResult r;
    try {
        r = lincheck::check(history, options);
    } catch (const std::invalid_argument& e) {
        j.verdict = Judgement::Undecided;
        j.summary = "the client history could not be checked";
        j.evidence = e.what();
        return j;
    }
    std::string left_out;
    if (weak_reads_ > 0)
        left_out += std::to_string(weak_reads_) +
                    " lease/eventual read(s) left out: they do not promise linearizability. ";
    if (dropped_ > 0)
        left_out += std::to_string(dropped_) + " operation(s) after the first " +
                    std::to_string(kMaxOps) + " not recorded. ";
    switch (r.verdict) {
        case lincheck::Verdict::Ok:
            j.verdict = Judgement::Linearizable;
            j.summary = "the lab's client history is linearizable (" +
                        std::to_string(r.operations_checked) + " ops)";
            j.evidence =
                "lincheck found an order for the lab's own client calls (Client "
                "panel and workload): " +
                std::to_string(history.size()) + " operations, " + std::to_string(r.keys_checked) +
                " key(s). " + left_out;
            break;
        case lincheck::Verdict::Illegal:
            j.verdict = Judgement::NotLinearizable;
            j.summary = "NOT linearizable";
            j.evidence = "The lab's client history on key \"" + r.key +
                         "\" cannot be linearized:\n" + lincheck::format(r);
            break;
        case lincheck::Verdict::Unknown:
            j.verdict = Judgement::Undecided;
            j.summary = "undecided (" + r.gave_up_on + " ran out)";
            j.evidence = "lincheck ran out of " + r.gave_up_on + " on key \"" + r.key +
                         "\"; the next check tries again. " + left_out;
            break;
    }
    return j;
}

}  // namespace raftlab::gui
