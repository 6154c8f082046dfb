#include "gui/live/session_recorder.h"

#include <sstream>

namespace raftlab::gui {

namespace {

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

SessionRecorder::SessionRecorder(int voters, std::string raft_toml)
    : voters_(voters), raft_toml_(std::move(raft_toml)) {}

void SessionRecorder::step(const std::string& body) {
    steps_.push_back(body);
}

std::string SessionRecorder::ref(NodeId id, bool was_leader, bool bind, std::string* bound) {
    auto named = names_.find(id);
    if (was_leader) {
        std::string line = "node = \"leader\"\n";
        if (bind) {
            const std::string name = "leader" + std::to_string(next_name_++);
            names_[id] = name;
            line += "as = " + quoted(name) + "\n";
            if (bound) *bound = name;
        }
        return line;
    }
    // A node that was named when it led is the same node now.
    if (named != names_.end()) return "node = " + quoted(named->second) + "\n";
    return "node = " + std::to_string(id) + "\n";
}

void SessionRecorder::waitForNewLeader(const std::string& old_name) {
    step("do = \"wait-for\"\ncondition = { what = \"leader\", other_than = " + quoted(old_name) +
         " }\ntimeout_ms = 10000\n");
}

void SessionRecorder::process(const std::string& action, NodeId id, bool was_leader) {
    ++actions_;
    if (was_leader) step("do = \"wait-for\"\ncondition = \"leader\"\ntimeout_ms = 10000\n");
    std::string bound;
    const bool binds = action == "kill" || action == "stop" || action == "pause";
    step("do = " + quoted(action) + "\n" + ref(id, was_leader, binds, &bound));
    if (!bound.empty()) waitForNewLeader(bound);
}

void SessionRecorder::join(NodeId id) {
    ++actions_;
    step("do = \"join\"\nnode = " + std::to_string(id) + "\n");
    // The lab's node catches up and is promoted while the person looks on;
    // a script runs the next step at once, so it waits for the promotion,
    // and the steps after it meet the cluster the person met.
    step("do = \"wait-for\"\ncondition = { what = \"role\", node = " + std::to_string(id) +
         ", role = \"follower\" }\ntimeout_ms = 20000\n");
}

void SessionRecorder::transfer(NodeId to) {
    ++actions_;
    step("do = \"wait-for\"\ncondition = \"leader\"\ntimeout_ms = 10000\n");
    step("do = \"transfer\"\nnode = " + std::to_string(to) + "\n");
}

void SessionRecorder::remove(NodeId id, bool was_leader) {
    ++actions_;
    step("do = \"wait-for\"\ncondition = \"leader\"\ntimeout_ms = 10000\n");
    step("do = \"remove\"\n" + ref(id, was_leader, false, nullptr));
}

void SessionRecorder::isolate(NodeId id, bool was_leader) {
    ++actions_;
    if (was_leader) step("do = \"wait-for\"\ncondition = \"leader\"\ntimeout_ms = 10000\n");
    std::string bound;
    step("do = \"partition\"\n" + ref(id, was_leader, true, &bound));
    if (was_leader && !bound.empty()) waitForNewLeader(bound);
}

void SessionRecorder::delay(NodeId id, bool was_leader, std::uint32_t delay_ms,
                            std::uint32_t jitter_ms) {
    ++actions_;
    step("do = \"delay\"\n" + ref(id, was_leader, false, nullptr) + "delay_ms = " +
         std::to_string(delay_ms) + "\njitter_ms = " + std::to_string(jitter_ms) + "\n");
}

void SessionRecorder::heal() {
    ++actions_;
    step("do = \"heal\"\n");
}

void SessionRecorder::clock(double rate) {
    ++actions_;
    std::ostringstream s;
    s << "do = \"clock\"\nrate = " << rate << (rate == static_cast<int>(rate) ? ".0" : "") << "\n";
    step(s.str());
}

void SessionRecorder::clockStep(std::uint64_t ms) {
    ++actions_;
    step("do = \"clock\"\nstep_ms = " + std::to_string(ms) + "\n");
}

void SessionRecorder::put(const std::string& key, const std::string& value) {
    ++actions_;
    step("do = \"put\"\nkey = " + quoted(key) + "\nvalue = " + quoted(value) +
         "\nmay_fail = true\n");
}

void SessionRecorder::get(const std::string& key, NodeId node, int consistency) {
    ++actions_;
    static const char* const kLevels[] = {"linearizable", "lease", "eventual"};
    const char* level = kLevels[consistency >= 0 && consistency <= 2 ? consistency : 0];
    // No expect_value: what the session read is the question a repro asks
    // again, and the run's log shows the answer next to the steps around it.
    step("do = \"get\"\nkey = " + quoted(key) + "\nnode = " + std::to_string(node) +
         "\nconsistency = " + quoted(level) + "\nmay_fail = true\n");
}

void SessionRecorder::erase(const std::string& key) {
    ++actions_;
    step("do = \"delete\"\nkey = " + quoted(key) + "\nmay_fail = true\n");
}

std::string SessionRecorder::toml(const std::string& name) const {
    std::ostringstream out;
    out << "# Recorded in raftlab (File > Save session as scenario). Run it with\n"
        << "#   raftlab-scenario run THIS_FILE     or     raftlab --scenario THIS_FILE\n"
        << "name = " << quoted(name) << "\n"
        << "purpose = " << quoted("A session recorded in the desktop lab, replayed step by step")
        << "\nneeds = [\"lab\"]\n\n[cluster]\nnodes = " << voters_ << "\n";
    if (!raft_toml_.empty()) out << "\n[raft]\n" << raft_toml_;
    out << "\n[[step]]\ndo = \"start\"\n\n[[step]]\ndo = \"wait-for\"\ncondition = \"leader\"\n"
        << "timeout_ms = 10000\n";
    for (const auto& s : steps_)
        out << "\n[[step]]\n" << s;
    out << "\n[[step]]\ndo = \"expect\"\ncondition = \"no-violation\"\n";
    return out.str();
}

}  // namespace raftlab::gui
