// What a person did to a live cluster, kept as scenario steps: "save the
// session as a scenario" writes them as a TOML file that `raftlab-scenario
// run` replays, so a failover bug reproduced by hand becomes a scripted
// repro. Actions aimed at whoever leads are written as node = "leader"
// (leadership moves between runs) and bound to a name, so a later restart
// or resume means the same node; each one that should move leadership is
// followed by a wait for the new leader.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gui/model/event.h"

namespace raftlab::gui {

class SessionRecorder {
  public:
    SessionRecorder(int voters, std::string raft_toml);

    // kill / stop / pause / resume / restart
    void process(const std::string& action, NodeId id, bool was_leader);
    void join(NodeId id);
    void transfer(NodeId to);
    void remove(NodeId id, bool was_leader);
    // Every link of `id` cut, both ways.
    void isolate(NodeId id, bool was_leader);
    void delay(NodeId id, bool was_leader, std::uint32_t delay_ms, std::uint32_t jitter_ms);
    void heal();
    void clock(double rate);
    void clockStep(std::uint64_t ms);
    void put(const std::string& key, const std::string& value);
    // A read at `node` with kv.proto's consistency level (0 linearizable,
    // 1 lease, 2 eventual): which node answered matters for the weaker ones.
    void get(const std::string& key, NodeId node, int consistency);
    // A delete (a C++ keyword, hence the name), sent to whoever leads.
    void erase(const std::string& key);

    std::size_t actions() const { return actions_; }
    // The scenario file. `name` becomes its name.
    std::string toml(const std::string& name) const;

  private:
    std::string ref(NodeId id, bool was_leader, bool bind, std::string* bound);
    void step(const std::string& body);
    void waitForNewLeader(const std::string& old_name);

    int voters_;
    std::string raft_toml_;
    std::vector<std::string> steps_;
    std::map<NodeId, std::string> names_;  // node -> name bound when it led
    std::size_t actions_ = 0;
    int next_name_ = 1;
};

}  // namespace raftlab::gui
