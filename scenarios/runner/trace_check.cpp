// raftlab-scenario check TRACE: re-verify a recorded trace without any node.
#include <QJsonDocument>
#include <QJsonObject>
#include <fstream>
#include <sstream>

#include "scenarios/lincheck/checker.h"
#include "scenarios/lincheck/history_jsonl.h"
#include "scenarios/runner/checkers.h"

namespace raftlab::scenario {

namespace {

std::int64_t time_of(const QJsonObject& o) {
    if (o.contains(QLatin1String("t_ns"))) return o.value(QLatin1String("t_ns")).toInteger();
    return o.value(QLatin1String("t")).toInteger() * 1000000;
}

}  // namespace

TraceCheckResult check_trace_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        TraceCheckResult result;
        result.problems.push_back(path + ": cannot open the trace; check the path");
        return result;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return check_trace_text(text.str(), path, std::chrono::seconds(30));
}

TraceCheckResult check_trace_text(const std::string& text, const std::string& path,
                                  std::chrono::milliseconds lincheck_budget) {
    TraceCheckResult result;
    std::istringstream in(text);
    ElectionSafety safety;
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.empty()) continue;
        QJsonParseError err;
        QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(line), &err);
        if (!doc.isObject()) {
            result.problems.push_back(path + ":" + std::to_string(line_no) +
                                      ": not a JSON object (" + err.errorString().toStdString() +
                                      ")");
            continue;
        }
        ++result.records;
        const QJsonObject o = doc.object();
        const QString kind = o.value(QLatin1String("kind")).toString();
        const auto node = static_cast<std::uint64_t>(o.value(QLatin1String("node")).toInteger());
        const auto term = static_cast<std::uint64_t>(o.value(QLatin1String("term")).toInteger());
        bool leader = false;
        if (kind == QLatin1String("role")) {
            leader = o.value(QLatin1String("to")).toString() == QLatin1String("Leader");
        } else if (kind == QLatin1String("state")) {
            leader = o.value(QLatin1String("role")).toInteger() == 2;
        }
        if (!leader) continue;
        ++result.leader_observations;
        if (auto v = safety.observe_leader(node, term, time_of(o))) {
            v->text = path + ":" + std::to_string(line_no) + ": " + v->text;
            result.violations.push_back(*v);
        }
    }

    std::istringstream again(text);
    auto loaded = lincheck::load_history_jsonl(again, path);
    for (const auto& e : loaded.errors)
        result.problems.push_back(e);
    result.operations = loaded.history.size();
    if (!loaded.history.empty()) {
        lincheck::CheckOptions options;
        options.budget = lincheck_budget;
        auto verdict = lincheck::check(loaded.history, options);
        result.linearizable = verdict.verdict == lincheck::Verdict::Ok;
        result.lincheck_report = lincheck::format(verdict);
    }
    return result;
}

}  // namespace raftlab::scenario
