#include "tests/sim/sim_kv.h"

namespace raftlab::sim {

std::optional<SetCommand> parse_set(const std::string& data) {
    static const std::string kPrefix = "set ";
    if (data.compare(0, kPrefix.size(), kPrefix) != 0) return std::nullopt;
    const auto eq = data.find('=', kPrefix.size());
    if (eq == std::string::npos) return std::nullopt;
    return SetCommand{data.substr(kPrefix.size(), eq - kPrefix.size()), data.substr(eq + 1)};
}

std::string make_set(const std::string& key, const std::string& value) {
    return "set " + key + "=" + value;
}

void KvStateMachine::apply(const std::string& data) {
    if (auto cmd = parse_set(data)) kv_[cmd->key] = cmd->value;
}

std::optional<std::string> KvStateMachine::get(const std::string& key) const {
    auto it = kv_.find(key);
    if (it == kv_.end()) return std::nullopt;
    return it->second;
}

std::string KvStateMachine::serialize() const {
    std::string out;
    for (const auto& [k, v] : kv_)
        out += k + "=" + v + "\n";
    return out;
}

KvStateMachine KvStateMachine::deserialize(const std::string& data) {
    KvStateMachine kv;
    std::size_t pos = 0;
    while (pos < data.size()) {
        auto nl = data.find('\n', pos);
        if (nl == std::string::npos) nl = data.size();
        const auto eq = data.find('=', pos);
        if (eq != std::string::npos && eq < nl) {
            kv.kv_[data.substr(pos, eq - pos)] = data.substr(eq + 1, nl - eq - 1);
        }
        pos = nl + 1;
    }
    return kv;
}

}  // namespace raftlab::sim
