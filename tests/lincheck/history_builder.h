// Terse constructors for hand-written histories. Times are in milliseconds to
// keep tables readable; ids are assigned in call order.
#pragma once

#include <optional>
#include <string>

#include "scenarios/lincheck/history.h"

namespace raftlab::lincheck::test {

class Builder {
  public:
    using V = std::optional<std::string>;

    Builder& put(std::string key, std::string value, std::int64_t t0, std::int64_t t1,
                 Outcome outcome = Outcome::Ok) {
        return add({.kind = OpKind::Put, .key = std::move(key), .value = std::move(value)}, t0, t1,
                   outcome);
    }
    Builder& get(std::string key, V read, std::int64_t t0, std::int64_t t1,
                 Outcome outcome = Outcome::Ok) {
        return add({.kind = OpKind::Get, .key = std::move(key), .value = std::move(read)}, t0, t1,
                   outcome);
    }
    Builder& cas(std::string key, V expected, std::string value, bool swapped, std::int64_t t0,
                 std::int64_t t1, Outcome outcome = Outcome::Ok) {
        return add({.kind = OpKind::Cas,
                    .key = std::move(key),
                    .value = std::move(value),
                    .expected = std::move(expected),
                    .swapped = swapped},
                   t0, t1, outcome);
    }
    Builder& del(std::string key, std::int64_t t0, std::int64_t t1, Outcome outcome = Outcome::Ok) {
        return add({.kind = OpKind::Delete, .key = std::move(key)}, t0, t1, outcome);
    }

    const History& history() const { return history_; }
    operator const History&() const { return history_; }

  private:
    Builder& add(Operation op, std::int64_t t0_ms, std::int64_t t1_ms, Outcome outcome) {
        op.id = history_.size() + 1;
        op.client = op.id;
        op.invoke_ns = t0_ms * 1'000'000;
        op.complete_ns = t1_ms * 1'000'000;
        op.outcome = outcome;
        history_.push_back(std::move(op));
        return *this;
    }

    History history_;
};

}  // namespace raftlab::lincheck::test
