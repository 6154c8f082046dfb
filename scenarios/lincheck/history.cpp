#include "scenarios/lincheck/history.h"

namespace raftlab::lincheck {

const char* to_string(OpKind kind) {
    switch (kind) {
        case OpKind::Put:
            return "put";
        case OpKind::Get:
            return "get";
        case OpKind::Cas:
            return "cas";
        case OpKind::Delete:
            return "delete";
    }
    return "?";
}

const char* to_string(Outcome outcome) {
    switch (outcome) {
        case Outcome::Ok:
            return "ok";
        case Outcome::Failed:
            return "failed";
        case Outcome::Unknown:
            return "unknown";
    }
    return "?";
}

namespace {
std::string quoted(const std::optional<std::string>& v) {
    return v ? "\"" + *v + "\"" : std::string("missing");
}
}  // namespace

std::string describe(const Operation& op) {
    switch (op.kind) {
        case OpKind::Put:
            return "put(" + op.key + ", " + quoted(op.value) + ")";
        case OpKind::Delete:
            return "delete(" + op.key + ")";
        case OpKind::Get: {
            std::string s = "get(" + op.key + ")";
            if (op.outcome == Outcome::Ok) s += " -> " + quoted(op.value);
            return s;
        }
        case OpKind::Cas: {
            std::string s =
                "cas(" + op.key + ", " + quoted(op.expected) + " -> " + quoted(op.value) + ")";
            if (op.outcome == Outcome::Ok) s += op.swapped ? " swapped" : " not swapped";
            return s;
        }
    }
    return "?";
}

std::string validate(const Operation& op) {
    const std::string who = "operation " + std::to_string(op.id) + " (" + describe(op) + ")";
    if (op.outcome != Outcome::Unknown && op.complete_ns < op.invoke_ns) {
        return who + " completes at " + std::to_string(op.complete_ns) +
               " ns, before its invocation at " + std::to_string(op.invoke_ns) +
               " ns; check that both come from the same monotonic clock";
    }
    if (op.kind == OpKind::Put && !op.value) {
        return who + " is a put without a value; a put must say what it writes";
    }
    if (op.kind == OpKind::Cas && !op.value) {
        return who + " is a cas without a new value; use delete to remove a key";
    }
    return {};
}

}  // namespace raftlab::lincheck
