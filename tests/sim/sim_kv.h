// The simulator's state machine: a tiny key-value map. Commands are
// "set key=value" and every value the simulator writes is unique, so a value
// read back names exactly one write (that is what the linearizability check
// leans on).
#pragma once

#include <map>
#include <optional>
#include <string>

namespace raftlab::sim {

struct SetCommand {
    std::string key;
    std::string value;
};

// "set k=v" -> {k, v}; nullopt for anything else (a malformed command is
// skipped by the state machine, exactly as a real one would reject it).
std::optional<SetCommand> parse_set(const std::string& data);
std::string make_set(const std::string& key, const std::string& value);

class KvStateMachine {
  public:
    void apply(const std::string& data);
    std::optional<std::string> get(const std::string& key) const;

    // Snapshot::data: "key=value\n" lines. Keys and values never contain '='
    // or '\n' (the simulator makes them), so no escaping is needed.
    std::string serialize() const;
    static KvStateMachine deserialize(const std::string& data);

    const std::map<std::string, std::string>& map() const { return kv_; }

  private:
    std::map<std::string, std::string> kv_;
};

}  // namespace raftlab::sim
