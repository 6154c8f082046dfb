// State Machine Safety on a live cluster (§5.4.3). A live `entries_applied`
// event says how far a node applied, not which entries: it carries no term.
// So about once a second the lab reads the metadata (index, term, hash) of
// each node's newly applied entries through Lab.ReadLog, off the UI thread,
// and hands it to the health board, which compares the nodes index by index.
// The hash covers (term, type, data), so two nodes that applied different
// entries at one index differ here even if a bug gave both the same term.
#pragma once

#include <QObject>
#include <QThread>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gui/model/event.h"

namespace raftlab::gui {

struct AppliedEntry {
    NodeId node = kNoNode;
    Index index = 0;
    Term term = 0;
    std::uint64_t hash = 0;
};

class AppliedAudit : public QObject {
    Q_OBJECT
  public:
    using Deliver = std::function<void(std::vector<AppliedEntry>)>;
    // `deliver` runs on the thread that created this object (the UI thread).
    explicit AppliedAudit(Deliver deliver, QObject* parent = nullptr);
    ~AppliedAudit() override;

    struct Target {
        std::string address;  // the node's Lab service
        Index applied_index = 0;
    };
    // One round: for each node, the entries applied since its last round.
    // A node far behind is read from its newest kMaxPerRound entries, the
    // same window on every node, so their reads still overlap. A round that
    // is still running makes this call a no-op: rounds never pile up.
    void poll(const std::map<NodeId, Target>& targets);
    std::uint64_t rounds() const { return rounds_; }

    static constexpr Index kMaxPerRound = 2000;

  private:
    void round(const std::map<NodeId, Target>& targets);

    Deliver deliver_;
    QThread thread_;
    QObject* worker_;
    std::atomic<bool> busy_{false};
    std::atomic<std::uint64_t> rounds_{0};
    std::map<NodeId, Index> next_;                        // worker: first index not read
    std::map<std::string, std::shared_ptr<void>> stubs_;  // worker: Lab stubs by address
};

}  // namespace raftlab::gui
