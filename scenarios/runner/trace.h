// One JSON Lines trace per run (docs/trace-format.md): steps, faults,
// observed node events, client operations and verdicts, each with t_ns
// (CLOCK_MONOTONIC, which merges every process on the machine into one
// order) and t (ms since the run began, which the GUI's replay reads).
#pragma once

#include <QJsonObject>
#include <cstdint>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>

namespace raftlab::scenario {

// CLOCK_MONOTONIC nanoseconds (std::chrono::steady_clock on Linux).
std::int64_t mono_ns();

class TraceWriter {
  public:
    TraceWriter() = default;  // discards everything
    // Opens `path` for writing; throws std::runtime_error naming the path.
    explicit TraceWriter(const std::string& path, std::int64_t start_ns);

    // Adds t_ns (now, unless set) and t, then writes one line. Thread-safe.
    void record(QJsonObject record);
    // A line that already is a JSON object (lincheck's op records); t is added.
    void raw(const std::string& json_line);

    // Also hands every record, as written, to `listener` (the GUI's guide
    // player reads the run live this way). Set before the first record.
    void set_listener(std::function<void(const QJsonObject&)> listener) {
        listener_ = std::move(listener);
    }

    bool enabled() const { return out_.is_open(); }
    std::int64_t start_ns() const { return start_ns_; }

  private:
    std::mutex mu_;
    std::ofstream out_;
    std::int64_t start_ns_ = 0;
    std::function<void(const QJsonObject&)> listener_;
};

}  // namespace raftlab::scenario
