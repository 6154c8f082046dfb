// The lab's own client calls (the Client panel and its workload) as a
// client history, checked with the scenario engine's linearizability
// checker (scenarios/lincheck), so the Linearizability light judges a live
// session and not only a scenario. Only what a linearizable store promises
// is recorded: puts, deletes and linearizable reads. Lease reads rest on
// clock assumptions the lab's slow motion breaks on purpose, and eventual
// reads may be stale by design; both are left out and counted.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "scenarios/lincheck/recorder.h"

namespace raftlab::gui {

class ClientHistory {
  public:
    // Beyond this many operations the history stops growing (and says so):
    // the check's cost and the memory stay bounded over a long session.
    static constexpr std::size_t kMaxOps = 20'000;

    struct Judgement {
        enum Verdict { Linearizable, NotLinearizable, Undecided } verdict = Linearizable;
        std::string summary;   // one line for the light
        std::string evidence;  // what was checked, or the window that cannot be linearized
    };

    // Returns the operation's id, or 0 if it is not recorded (weak read, full).
    std::uint64_t invoke(const lincheck::Operation& op, int consistency);
    // `read`: what a get returned (nullopt = missing).
    void complete(std::uint64_t id, lincheck::Outcome outcome,
                  const std::optional<std::string>& read);
    // A verdict over everything so far, if something completed since the
    // last one and at least `every` has passed (the check runs on the
    // caller's thread, within `budget`).
    std::optional<Judgement> checkIfDue(std::chrono::milliseconds every,
                                        std::chrono::milliseconds budget);
    // The check itself, for tests.
    Judgement check(std::chrono::milliseconds budget) const;

  private:
    lincheck::Recorder recorder_;
    std::size_t recorded_ = 0, weak_reads_ = 0, dropped_ = 0;
    std::size_t completed_since_check_ = 0;
    std::chrono::steady_clock::time_point last_check_{};
};

}  // namespace raftlab::gui
