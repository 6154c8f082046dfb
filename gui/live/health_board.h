// The health lights: Raft's safety properties (paper Figure 3) and the
// liveness and linearizability verdicts, judged from what the lab sees.
// Election Safety and the liveness watchdog are the scenario engine's own
// checkers (scenarios/runner/checkers.h); the log properties are judged on
// the viewer's fold of the events; linearizability comes from the scenario
// engine's verdict (lincheck) when a scenario runs. Each light says what it
// checked, and a red one keeps the first evidence.
#pragma once

#include <QJsonObject>
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gui/live/applied_audit.h"
#include "gui/live/client_history.h"
#include "gui/model/cluster_state.h"
#include "scenarios/runner/checkers.h"

namespace raftlab::gui {

enum class Light : std::uint8_t { Unknown, Holds, Violated };

struct HealthCheck {
    std::string name;  // "Election Safety"
    std::string rule;  // the property in one sentence, with its section
    Light light = Light::Unknown;
    std::string summary;      // "4 terms, one leader each"
    std::string evidence;     // why it is red (the first violation), or what was checked
    std::int64_t at_ms = -1;  // when it turned red
};

class HealthBoard {
  public:
    enum Check {
        ElectionSafety,
        LogMatching,
        LeaderCompleteness,
        StateMachineSafety,
        Liveness,
        Linearizability,
        kCount
    };

    HealthBoard();
    // Every event, in order (the board folds its own ClusterState).
    void observe(const Event& e);
    // A scenario engine trace record (violation, expect, verdict).
    void record(const QJsonObject& o);
    // Applied entries read back from the nodes (AppliedAudit): State
    // Machine Safety on a live cluster, whose applied events carry no term.
    void observeApplied(const std::vector<AppliedEntry>& entries);
    // lincheck's verdict over the lab's own client calls (ClientHistory).
    void judgeClientHistory(const ClientHistory::Judgement& j);
    const HealthCheck& check(Check c) const { return checks_[c]; }
    const std::array<HealthCheck, kCount>& checks() const { return checks_; }
    const ClusterState& state() const { return state_; }

  private:
    void violate(Check c, const std::string& evidence);
    void checkLogMatching();
    void checkLeaderCompleteness(NodeId leader);
    void checkApplied(const Event& e);
    void holdsStateMachineSafety();
    void updateLiveness();

    std::array<HealthCheck, kCount> checks_;
    ClusterState state_;
    scenario::ElectionSafety election_;
    scenario::LivenessWatchdog liveness_;
    // Highest commit_index any node reported while in each term: the leader
    // of a later term must hold at least that much (§5.4.1).
    std::map<Term, Index> committed_in_term_;
    // The first term applied at each index, and by whom (bounded).
    std::map<Index, std::pair<Term, NodeId>> applied_;
    // The first entry read back as applied at each index (bounded).
    std::map<Index, AppliedEntry> applied_read_;
    std::uint64_t leader_checks_ = 0, applied_checked_ = 0, log_pairs_checked_ = 0;
    std::int64_t last_log_check_ms_ = -1000;
};

const char* to_string(Light l);

}  // namespace raftlab::gui
