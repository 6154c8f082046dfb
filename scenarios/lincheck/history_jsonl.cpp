#include "scenarios/lincheck/history_jsonl.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <istream>
#include <ostream>
#include <unordered_map>

namespace raftlab::lincheck {

namespace {

bool get_int(const QJsonObject& o, const char* name, std::int64_t& out, std::string& why) {
    const QJsonValue v = o.value(QLatin1String(name));
    if (!v.isDouble()) {
        why = std::string("needs \"") + name + "\" as an integer";
        return false;
    }
    const double d = v.toDouble();
    if (std::floor(d) != d) {
        why = std::string("needs \"") + name + "\" as an integer, got " + std::to_string(d);
        return false;
    }
    // Casting a double outside int64's range is undefined behaviour (found by
    // tests/fuzz/fuzz_trace): refuse it before the cast.
    if (!(d >= -9.2e18 && d <= 9.2e18)) {
        why = std::string("needs \"") + name + "\" as a 64-bit integer, got " + std::to_string(d);
        return false;
    }
    // Integers beyond 2^53 lose precision as doubles; toInteger() keeps them exact.
    out = v.toInteger(static_cast<qint64>(d));
    return true;
}

bool get_string(const QJsonObject& o, const char* name, std::string& out, std::string& why) {
    const QJsonValue v = o.value(QLatin1String(name));
    if (!v.isString()) {
        why = std::string("needs \"") + name + "\" as a string";
        return false;
    }
    out = v.toString().toStdString();
    return true;
}

// A value that may be null (missing key). Absent counts as an error when required.
bool get_value(const QJsonObject& o, const char* name, std::optional<std::string>& out,
               std::string& why) {
    const QJsonValue v = o.value(QLatin1String(name));
    if (v.isNull()) {
        out.reset();
        return true;
    }
    if (!v.isString()) {
        why = std::string("needs \"") + name + "\" as a string, or null for a missing key";
        return false;
    }
    out = v.toString().toStdString();
    return true;
}

bool get_time(const QJsonObject& o, std::int64_t& t, std::string& why) {
    if (o.contains(QLatin1String("t_ns"))) return get_int(o, "t_ns", t, why);
    if (o.contains(QLatin1String("t"))) {
        // The simulator's records carry "t" in milliseconds of virtual time.
        if (!get_int(o, "t", t, why)) return false;
        t *= 1'000'000;
        return true;
    }
    why = "needs a time: \"t_ns\" (nanoseconds) or \"t\" (milliseconds)";
    return false;
}

bool parse_kind(const std::string& s, OpKind& kind) {
    if (s == "put")
        kind = OpKind::Put;
    else if (s == "get")
        kind = OpKind::Get;
    else if (s == "cas")
        kind = OpKind::Cas;
    else if (s == "delete")
        kind = OpKind::Delete;
    else
        return false;
    return true;
}

bool parse_outcome(const std::string& s, Outcome& outcome) {
    if (s == "ok")
        outcome = Outcome::Ok;
    else if (s == "failed")
        outcome = Outcome::Failed;
    else if (s == "unknown")
        outcome = Outcome::Unknown;
    else
        return false;
    return true;
}

class Loader {
  public:
    explicit Loader(std::string source) : source_(std::move(source)) {}

    void line(std::size_t number, const std::string& text) {
        number_ = number;
        if (text.find_first_not_of(" \t\r") == std::string::npos) return;
        QJsonParseError perr{};
        const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(text), &perr);
        if (perr.error != QJsonParseError::NoError || !doc.isObject()) {
            fail(std::string("not a JSON object (") + perr.errorString().toStdString() +
                 " at column " + std::to_string(perr.offset + 1) + ")");
            return;
        }
        const QJsonObject o = doc.object();
        std::string kind, why;
        if (!get_string(o, "kind", kind, why)) return fail("record " + why);
        if (kind == "op_invoke") {
            if (!invoke(o, why)) fail("op_invoke " + why);
        } else if (kind == "op_complete") {
            if (!complete(o, why)) fail("op_complete " + why);
        } else {
            result_.other_records++;
        }
    }

    LoadedHistory finish() {
        for (const auto& [id, index] : pending_) {
            result_.history[index].outcome = Outcome::Unknown;
            result_.history[index].complete_ns = result_.history[index].invoke_ns;
            result_.never_completed++;
        }
        return std::move(result_);
    }

    void fail(const std::string& what) {
        result_.errors.push_back(source_ + ":" + std::to_string(number_) + ": " + what);
    }

  private:
    bool invoke(const QJsonObject& o, std::string& why) {
        Operation op;
        std::int64_t id = 0, client = 0;
        std::string kind;
        if (!get_time(o, op.invoke_ns, why) || !get_int(o, "op_id", id, why) ||
            !get_int(o, "client", client, why) || !get_string(o, "op", kind, why) ||
            !get_string(o, "key", op.key, why)) {
            return false;
        }
        op.id = static_cast<std::uint64_t>(id);
        op.client = static_cast<std::uint64_t>(client);
        if (!parse_kind(kind, op.kind)) {
            why = "has unknown \"op\": \"" + kind + "\"; expected put, get, cas or delete";
            return false;
        }
        if (op.kind == OpKind::Put || op.kind == OpKind::Cas) {
            std::string value;
            if (!get_string(o, "value", value, why)) {
                why = "for " + kind + " " + why;
                return false;
            }
            op.value = std::move(value);
        }
        if (op.kind == OpKind::Cas) {
            if (!o.contains(QLatin1String("expected")) ||
                !get_value(o, "expected", op.expected, why)) {
                why = "for cas needs \"expected\" as a string, or null for \"key must be missing\"";
                return false;
            }
        }
        if (index_.count(op.id)) {
            why = "reuses op_id " + std::to_string(op.id) + "; every operation needs its own id";
            return false;
        }
        op.outcome = Outcome::Unknown;  // until its op_complete arrives
        index_[op.id] = result_.history.size();
        pending_[op.id] = result_.history.size();
        result_.history.push_back(std::move(op));
        return true;
    }

    bool complete(const QJsonObject& o, std::string& why) {
        std::int64_t t = 0, id = 0;
        std::string outcome;
        if (!get_time(o, t, why) || !get_int(o, "op_id", id, why) ||
            !get_string(o, "outcome", outcome, why)) {
            return false;
        }
        const auto it = pending_.find(static_cast<std::uint64_t>(id));
        if (it == pending_.end()) {
            why = "for op_id " + std::to_string(id) +
                  (index_.count(static_cast<std::uint64_t>(id)) ? " completes it a second time"
                                                                : " has no op_invoke before it");
            return false;
        }
        Operation& op = result_.history[it->second];
        if (!parse_outcome(outcome, op.outcome)) {
            why = "has unknown \"outcome\": \"" + outcome + "\"; expected ok, failed or unknown";
            return false;
        }
        op.complete_ns = t;
        if (op.outcome == Outcome::Ok && op.kind == OpKind::Get) {
            if (!o.contains(QLatin1String("value")) || !get_value(o, "value", op.value, why)) {
                why = "for get op_id " + std::to_string(id) +
                      " with outcome ok needs \"value\": the string read, or null if missing";
                return false;
            }
        }
        if (op.outcome == Outcome::Ok && op.kind == OpKind::Cas) {
            const QJsonValue s = o.value(QLatin1String("swapped"));
            if (!s.isBool()) {
                why = "for cas op_id " + std::to_string(id) +
                      " with outcome ok needs \"swapped\": true or false";
                return false;
            }
            op.swapped = s.toBool();
        }
        if (auto error = validate(op); !error.empty()) {
            why = "makes " + error;
            return false;
        }
        pending_.erase(it);
        return true;
    }

    std::string source_;
    std::size_t number_ = 0;
    LoadedHistory result_;
    std::unordered_map<std::uint64_t, std::size_t> index_;    // op_id -> history index
    std::unordered_map<std::uint64_t, std::size_t> pending_;  // invoked, not yet completed
};

}  // namespace

LoadedHistory load_history_jsonl(std::istream& in, const std::string& source_name) {
    Loader loader(source_name);
    std::string text;
    std::size_t number = 0;
    while (std::getline(in, text))
        loader.line(++number, text);
    return loader.finish();
}

LoadedHistory load_history_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        LoadedHistory bad;
        bad.errors.push_back(path + ": cannot open the history file for reading; check the path");
        return bad;
    }
    return load_history_jsonl(in, path);
}

}  // namespace raftlab::lincheck
