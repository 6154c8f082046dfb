#include "scenarios/lincheck/history_records.h"

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace raftlab::lincheck {

namespace {

std::string escape(const std::string& s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
    return out;
}

std::string optional_string(const std::optional<std::string>& v) {
    return v ? escape(*v) : std::string("null");
}

std::int64_t complete_time(const Operation& op) {
    // An unknown op may carry no completion time; put its record at invocation.
    return op.outcome == Outcome::Unknown ? std::max(op.complete_ns, op.invoke_ns) : op.complete_ns;
}

// Parsing helpers. Each returns false and fills `why` with what a person must
// fix when the field is absent or of the wrong type.

}  // namespace

std::string op_invoke_record(const Operation& op) {
    std::string s = "{\"t_ns\":" + std::to_string(op.invoke_ns) +
                    ",\"kind\":\"op_invoke\",\"client\":" + std::to_string(op.client) +
                    ",\"op_id\":" + std::to_string(op.id) + ",\"op\":\"" + to_string(op.kind) +
                    "\",\"key\":" + escape(op.key);
    if (op.kind == OpKind::Cas) s += ",\"expected\":" + optional_string(op.expected);
    if (op.kind == OpKind::Put || op.kind == OpKind::Cas)
        s += ",\"value\":" + optional_string(op.value);
    return s + "}";
}

std::string op_complete_record(const Operation& op) {
    std::string s = "{\"t_ns\":" + std::to_string(complete_time(op)) +
                    ",\"kind\":\"op_complete\",\"op_id\":" + std::to_string(op.id) +
                    ",\"outcome\":\"" + to_string(op.outcome) + "\"";
    if (op.outcome == Outcome::Ok && op.kind == OpKind::Get) {
        s += ",\"value\":" + optional_string(op.value);
    }
    if (op.outcome == Outcome::Ok && op.kind == OpKind::Cas) {
        s += std::string(",\"swapped\":") + (op.swapped ? "true" : "false");
    }
    return s + "}";
}

void write_history_jsonl(std::ostream& out, const History& history) {
    struct Record {
        std::int64_t t;
        int order;  // invocations before completions at the same instant
        std::size_t index;
    };
    std::vector<Record> records;
    records.reserve(history.size() * 2);
    for (std::size_t i = 0; i < history.size(); ++i) {
        records.push_back({history[i].invoke_ns, 0, i});
        records.push_back({complete_time(history[i]), 1, i});
    }
    std::stable_sort(records.begin(), records.end(), [](const Record& a, const Record& b) {
        return a.t != b.t ? a.t < b.t : a.order < b.order;
    });
    for (const Record& r : records) {
        const Operation& op = history[r.index];
        out << (r.order == 0 ? op_invoke_record(op) : op_complete_record(op)) << '\n';
    }
}
}  // namespace raftlab::lincheck
