#include "scenarios/runner/history_recorder.h"

#include <QJsonDocument>
#include <algorithm>

#include "scenarios/lincheck/history_jsonl.h"

namespace raftlab::scenario {

std::uint64_t HistoryRecorder::invoke(lincheck::Operation op, std::uint64_t node) {
    std::string line;
    std::uint64_t id;
    {
        std::lock_guard lock(mu_);
        id = ops_.size() + 1;
        op.id = id;
        op.invoke_ns = mono_ns();
        op.outcome = lincheck::Outcome::Unknown;  // until it completes
        op.complete_ns = lincheck::kNever;
        if (op.kind == lincheck::OpKind::Get) op.value.reset();
        ops_.push_back(op);
        line = lincheck::op_invoke_record(op);
    }
    QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(line));
    QJsonObject o = doc.object();
    if (node) o.insert(QLatin1String("node"), static_cast<qint64>(node));
    trace_.record(o);
    return id;
}

void HistoryRecorder::complete(std::uint64_t id, lincheck::Outcome outcome,
                               const std::optional<std::string>& value, bool swapped,
                               const std::string& error) {
    std::string line;
    {
        std::lock_guard lock(mu_);
        auto& op = ops_.at(id - 1);
        op.outcome = outcome;
        op.complete_ns = mono_ns();
        if (outcome == lincheck::Outcome::Ok) {
            if (op.kind == lincheck::OpKind::Get) op.value = value;
            if (op.kind == lincheck::OpKind::Cas) op.swapped = swapped;
            const bool wrote = op.kind == lincheck::OpKind::Put ||
                               op.kind == lincheck::OpKind::Delete ||
                               (op.kind == lincheck::OpKind::Cas && swapped);
            if (wrote) write_acks_ns_.push_back(op.complete_ns);
        }
        line = lincheck::op_complete_record(op);
    }
    QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(line)).object();
    if (!error.empty()) o.insert(QLatin1String("error"), QString::fromStdString(error));
    trace_.record(o);
}

lincheck::History HistoryRecorder::history() const {
    std::lock_guard lock(mu_);
    return ops_;
}

std::int64_t HistoryRecorder::longest_write_gap_ns(std::int64_t from, std::int64_t to) const {
    std::vector<std::int64_t> acks;
    {
        std::lock_guard lock(mu_);
        acks = write_acks_ns_;
    }
    std::sort(acks.begin(), acks.end());
    std::int64_t longest = 0;
    std::int64_t prev = from;
    // The gap that spans `from` starts at the last ack before it.
    auto it = std::lower_bound(acks.begin(), acks.end(), from);
    if (it != acks.begin()) prev = *(it - 1);
    for (; it != acks.end() && *it <= to; ++it) {
        longest = std::max(longest, *it - prev);
        prev = *it;
    }
    longest = std::max(longest, (it == acks.end() ? to : *it) - prev);
    return longest;
}

HistoryRecorder::Counts HistoryRecorder::counts() const {
    std::lock_guard lock(mu_);
    Counts c;
    for (const auto& op : ops_) {
        if (op.complete_ns == lincheck::kNever) {
            ++c.pending;
        } else if (op.outcome == lincheck::Outcome::Ok) {
            ++c.ok;
        } else if (op.outcome == lincheck::Outcome::Failed) {
            ++c.failed;
        } else {
            ++c.unknown;
        }
    }
    return c;
}

}  // namespace raftlab::scenario
