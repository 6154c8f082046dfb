// The simulator's trace: one JSON object per line, in virtual time. The schema
// is documented in docs/testing.md ("Trace format") so the lab can replay it.
// Building a line costs string work, so callers check enabled() first; a run
// without --trace pays nothing.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace raftlab::sim {

// One trace line under construction: {"t":..,"t_ns":..,"node":..,"kind":"..", ...}.
// `t` is virtual milliseconds; `t_ns` the same instant in nanoseconds, the
// time field every Raft Lab trace shares (docs/trace-format.md).
class TraceLine {
  public:
    TraceLine(std::int64_t t_ms, std::uint64_t node, std::string_view kind);

    TraceLine& str(std::string_view key, std::string_view value);
    TraceLine& num(std::string_view key, std::int64_t value);
    TraceLine& unum(std::string_view key, std::uint64_t value);
    TraceLine& flag(std::string_view key, bool value);
    TraceLine& null(std::string_view key);

    std::string finish() const { return text_ + "}"; }

  private:
    void key(std::string_view k);
    std::string text_;
};

std::string json_escape(std::string_view s);

class Trace {
  public:
    void enable(std::ostream* out) { out_ = out; }
    bool enabled() const { return out_ != nullptr; }
    void write(const TraceLine& line) {
        if (out_) *out_ << line.finish() << '\n';
    }

  private:
    std::ostream* out_ = nullptr;
};

}  // namespace raftlab::sim
