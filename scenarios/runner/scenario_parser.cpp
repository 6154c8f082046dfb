// TOML scenario files -> Scenario. Every error names the file, the line, and
// the step (number and `do`), and says what to write instead.
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "scenarios/runner/scenario.h"

namespace raftlab::scenario {

namespace {

// A TOML integer, or a float that is a whole number an int64 can hold.
// toml++'s own value<int64_t>() casts a float before checking it, which is
// undefined behaviour for one like 15e20 (found by fuzz_scenario).
std::optional<int64_t> whole(const toml::node& n) {
    if (auto* i = n.as_integer()) return i->get();
    if (auto* f = n.as_floating_point()) {
        const double d = f->get();
        if (d >= -0x1p63 && d < 0x1p63 && d == std::floor(d)) return static_cast<int64_t>(d);
    }
    return std::nullopt;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

// Keys each step may use besides `do` and `say`; a typo is an error, not a
// silently ignored field.
const std::map<std::string, std::set<std::string>>& allowed_keys() {
    static const std::map<std::string, std::set<std::string>> keys = {
        {"start", {"node", "nodes"}},
        {"join", {"node", "nodes"}},
        {"kill", {"node", "nodes", "as"}},
        {"stop", {"node", "nodes", "as"}},
        {"pause", {"node", "nodes", "as"}},
        {"resume", {"node", "nodes"}},
        {"restart", {"node", "nodes", "as", "wipe"}},
        {"remove", {"node", "as", "timeout_ms"}},
        {"transfer", {"node", "timeout_ms"}},
        {"promote", {"node", "timeout_ms"}},
        {"partition", {"groups", "from", "to", "one_way", "node", "as"}},
        {"heal", {}},
        {"delay", {"from", "to", "node", "as", "one_way", "delay_ms", "jitter_ms"}},
        {"loss", {"from", "to", "node", "as", "one_way", "loss_pct"}},
        {"clock", {"rate", "step_ms"}},
        {"disk-delay", {"node", "nodes", "delay_ms"}},
        {"put", {"key", "value", "node", "may_fail", "must_fail", "timeout_ms"}},
        {"delete", {"key", "node", "may_fail", "must_fail", "timeout_ms"}},
        {"get",
         {"key", "node", "consistency", "expect_value", "expect_missing", "may_fail", "must_fail",
          "timeout_ms"}},
        {"workload",
         {"action", "clients", "keys", "rate", "max_ops", "duration_ms", "op_timeout_ms",
          "read_fraction", "cas_fraction"}},
        {"wait-for", {"condition", "timeout_ms", "as"}},
        {"expect", {"condition"}},
        {"note", {}},
        {"bind", {"node", "as"}},
        {"nemesis", {"faults", "duration_ms", "interval_ms", "recovery_ms"}},
    };
    return keys;
}

const std::map<std::string, std::set<std::string>>& condition_keys() {
    static const std::map<std::string, std::set<std::string>> keys = {
        {"leader", {"node", "other_than"}},
        {"role", {"node", "role"}},
        {"term", {"node", "at_least", "equals"}},
        {"commit-index", {"node", "at_least"}},
        {"members", {"node", "voters", "learners"}},
        {"key", {"node", "key", "value", "missing", "consistency"}},
        {"no-violation", {}},
        {"linearizable", {}},
        {"no-lost-writes", {}},
        {"logs-converged", {}},
        {"unavailability", {"at_most_ms"}},
        {"node-state", {"node", "process"}},
        {"workload-done", {}},
    };
    return keys;
}

class Parser {
  public:
    Parser(std::string file) : file_(std::move(file)) {}

    Scenario parse(const std::string& text) {
        toml::table root;
        try {
            root = toml::parse(text, file_);
        } catch (const toml::parse_error& e) {
            fail(static_cast<int>(e.source().begin.line),
                 std::string("TOML syntax: ") + std::string(e.description()) +
                     "; fix the syntax at that line (see docs/scenarios.md for examples)");
        }
        Scenario s;
        s.file = file_;
        for (auto&& [k, v] : root) {
            static const std::set<std::string> top = {"name", "purpose", "needs", "cluster",
                                                      "raft", "checks",  "step"};
            if (!top.count(std::string(k.str()))) {
                fail(line_of(v), "unknown top-level key \"" + std::string(k.str()) +
                                     "\"; use name, purpose, needs, [cluster], [raft], "
                                     "[checks] or [[step]]");
            }
        }
        s.name = str_or(root, "name", "");
        s.purpose = str_or(root, "purpose", "");
        if (s.name.empty())
            fail(1, "the scenario has no name; add name = \"my-scenario\" at the top");
        if (auto* needs = root.get_as<toml::array>("needs")) {
            for (auto& n : *needs) {
                auto v = n.value<std::string>();
                if (!v || (*v != "lab" && *v != "join")) {
                    fail(line_of(n), "needs holds an unknown item; use \"lab\" and/or \"join\"");
                }
                s.needs.push_back(*v);
            }
        }
        if (auto* c = root.get_as<toml::table>("cluster")) parse_cluster(*c, s.cluster);
        if (auto* r = root.get_as<toml::table>("raft")) {
            std::ostringstream out;
            out << toml::toml_formatter(*r);
            s.cluster.raft_toml = out.str();
        }
        if (auto* c = root.get_as<toml::table>("checks")) {
            if (auto v = (c->get("liveness_ms") ? whole(*c->get("liveness_ms")) : std::nullopt))
                s.checks.liveness_ms = *v;
            if (auto v = (*c)["liveness"].value<bool>()) s.checks.liveness = *v;
        }
        auto* steps = root.get_as<toml::array>("step");
        if (!steps || steps->empty()) {
            fail(1, "the scenario has no steps; add [[step]] tables (do = \"start\", ...)");
        }
        int index = 0;
        for (auto& node : *steps) {
            ++index;
            auto* t = node.as_table();
            if (!t) fail(line_of(node), "step " + std::to_string(index) + " is not a table");
            s.steps.push_back(parse_step(*t, index));
        }
        return s;
    }

  private:
    [[noreturn]] void fail(int line, const std::string& problem) const {
        throw ScenarioError(file_, line, 0, "", problem);
    }
    [[noreturn]] void fail_step(int line, const Step& st, const std::string& problem) const {
        throw ScenarioError(file_, line, st.index, st.action, problem);
    }
    static int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

    static std::string str_or(const toml::table& t, const char* key, std::string fallback) {
        if (auto v = t[key].value<std::string>()) return *v;
        return fallback;
    }

    void parse_cluster(const toml::table& c, ClusterShape& shape) {
        for (auto&& [k, v] : c) {
            std::string key(k.str());
            if (key == "nodes") {
                auto n = whole(v);
                if (!n || *n < 1 || *n > 9) {
                    fail(line_of(v), "cluster.nodes must be 1..9 (bootstrap voters)");
                }
                shape.nodes = static_cast<int>(*n);
            } else if (key == "learners") {
                auto* a = v.as_array();
                if (!a) fail(line_of(v), "cluster.learners must be a list of node ids, e.g. [4]");
                for (auto& x : *a) {
                    auto id = whole(x);
                    if (!id || *id < 1) fail(line_of(x), "cluster.learners holds a bad node id");
                    shape.learners.push_back(static_cast<std::uint64_t>(*id));
                }
            } else {
                fail(line_of(v), "unknown key cluster." + key + "; use nodes or learners");
            }
        }
    }

    NodeRef node_ref(const toml::node& n, const Step& st, const std::string& field) const {
        NodeRef r;
        if (auto id = whole(n)) {
            if (*id < 1)
                fail_step(
                    line_of(n), st,
                    field + " = " + std::to_string(*id) + " is not a node id; ids start at 1");
            r.id = static_cast<std::uint64_t>(*id);
            return r;
        }
        if (auto name = n.value<std::string>()) {
            if (name->empty()) fail_step(line_of(n), st, field + " is an empty name");
            r.name = *name;
            return r;
        }
        fail_step(line_of(n), st,
                  field +
                      " must be a node id (3), \"leader\", \"follower\" or a name bound "
                      "earlier with as = \"...\"");
    }

    std::vector<NodeRef> node_list(const toml::node& n, const Step& st,
                                   const std::string& field) const {
        std::vector<NodeRef> out;
        if (auto* a = n.as_array()) {
            for (auto& x : *a)
                out.push_back(node_ref(x, st, field));
        } else {
            out.push_back(node_ref(n, st, field));
        }
        return out;
    }

    template <typename T>
    T get(const toml::table& t, const char* key, const Step& st, T fallback) const {
        const toml::node* n = t.get(key);
        if (!n) return fallback;
        if constexpr (std::is_same_v<T, bool>) {
            if (auto v = n->value<bool>()) return *v;
            fail_step(line_of(*n), st, std::string(key) + " must be true or false");
        } else if constexpr (std::is_same_v<T, std::string>) {
            if (auto v = n->value<std::string>()) return *v;
            fail_step(line_of(*n), st, std::string(key) + " must be a string in quotes");
        } else if constexpr (std::is_floating_point_v<T>) {
            if (auto v = n->value<double>()) {
                if (*v < 0) fail_step(line_of(*n), st, std::string(key) + " must not be negative");
                return static_cast<T>(*v);
            }
            fail_step(line_of(*n), st, std::string(key) + " must be a number");
        } else {
            if (auto v = whole(*n)) {
                if (*v < 0) fail_step(line_of(*n), st, std::string(key) + " must not be negative");
                return static_cast<T>(*v);
            }
            fail_step(line_of(*n), st, std::string(key) + " must be a whole number");
        }
    }

    void check_keys(const toml::table& t, const Step& st, const std::set<std::string>& allowed,
                    const std::string& where) const {
        for (auto&& [k, v] : t) {
            std::string key(k.str());
            if (key == "do" || key == "say") continue;
            if (!allowed.count(key)) {
                std::vector<std::string> list(allowed.begin(), allowed.end());
                fail_step(line_of(v), st,
                          "unknown key \"" + key + "\" in " + where +
                              (list.empty() ? "; it takes no fields besides do and say"
                                            : "; it takes " + join(list)));
            }
        }
    }

    Condition parse_condition(const toml::node& n, const Step& st) const {
        Condition c;
        const toml::table* t = n.as_table();
        if (auto s = n.value<std::string>()) {
            c.what = *s;
        } else if (t) {
            c.what = str_or(*t, "what", "");
            if (c.what.empty()) {
                fail_step(line_of(n), st,
                          "condition has no `what`; e.g. condition = { what = "
                          "\"leader\" }");
            }
        } else {
            fail_step(line_of(n), st,
                      "condition must be a name (\"leader\") or an inline table "
                      "({ what = \"term\", at_least = 2 })");
        }
        auto it = condition_keys().find(c.what);
        if (it == condition_keys().end()) {
            std::vector<std::string> names;
            for (auto& [k, v] : condition_keys())
                names.push_back(k);
            fail_step(line_of(n), st, "unknown condition \"" + c.what + "\"; use " + join(names));
        }
        if (!t) return c;
        for (auto&& [k, v] : *t) {
            std::string key(k.str());
            if (key == "what") continue;
            if (!it->second.count(key)) {
                std::vector<std::string> list(it->second.begin(), it->second.end());
                fail_step(line_of(v), st,
                          "condition \"" + c.what + "\" has no field \"" + key + "\"" +
                              (list.empty() ? "" : "; it takes " + join(list)));
            }
        }
        if (auto* x = t->get("node")) c.node = node_ref(*x, st, "condition.node");
        if (auto* x = t->get("other_than")) c.other_than = node_ref(*x, st, "condition.other_than");
        c.role = get<std::string>(*t, "role", st, "");
        if (!c.role.empty()) {
            static const std::set<std::string> roles = {"follower", "candidate", "leader",
                                                        "learner"};
            if (!roles.count(c.role)) {
                fail_step(line_of(*t->get("role")), st,
                          "role = \"" + c.role +
                              "\" is not a role; use follower, candidate, "
                              "leader or learner");
            }
        }
        if (t->get("at_least")) c.at_least = get<std::uint64_t>(*t, "at_least", st, 0);
        if (t->get("equals")) c.equals = get<std::uint64_t>(*t, "equals", st, 0);
        if (t->get("at_most_ms")) c.at_most_ms = get<std::uint64_t>(*t, "at_most_ms", st, 0);
        for (const char* field : {"voters", "learners"}) {
            if (auto* a = t->get_as<toml::array>(field)) {
                std::vector<std::uint64_t> ids;
                for (auto& x : *a) {
                    auto id = whole(x);
                    if (!id || *id < 1)
                        fail_step(line_of(x), st, std::string(field) + " must list node ids");
                    ids.push_back(static_cast<std::uint64_t>(*id));
                }
                std::sort(ids.begin(), ids.end());
                (std::string(field) == "voters" ? c.voters : c.learners) = ids;
            }
        }
        c.key = get<std::string>(*t, "key", st, "");
        if (t->get("value")) c.value = get<std::string>(*t, "value", st, "");
        c.missing = get<bool>(*t, "missing", st, false);
        c.consistency = get<std::string>(*t, "consistency", st, "linearizable");
        c.process = get<std::string>(*t, "process", st, "");
        if (c.what == "term" && !c.at_least && !c.equals) {
            fail_step(line_of(n), st, "condition \"term\" needs at_least or equals");
        }
        if (c.what == "commit-index" && !c.at_least) {
            fail_step(line_of(n), st, "condition \"commit-index\" needs at_least");
        }
        if (c.what == "key" && c.key.empty()) {
            fail_step(line_of(n), st, "condition \"key\" needs key = \"...\"");
        }
        if (c.what == "role" && (c.role.empty() || !c.node)) {
            fail_step(line_of(n), st, "condition \"role\" needs node and role");
        }
        return c;
    }

    Step parse_step(const toml::table& t, int index) {
        Step st;
        st.index = index;
        st.line = static_cast<int>(t.source().begin.line);
        auto action = t["do"].value<std::string>();
        if (!action) {
            std::vector<std::string> names;
            for (auto& [k, v] : allowed_keys())
                names.push_back(k);
            fail_step(st.line, st,
                      "the step has no `do`; write do = \"<action>\" with one of " + join(names));
        }
        st.action = *action;
        auto it = allowed_keys().find(st.action);
        if (it == allowed_keys().end()) {
            std::vector<std::string> names;
            for (auto& [k, v] : allowed_keys())
                names.push_back(k);
            fail_step(line_of(*t.get("do")), st,
                      "unknown action do = \"" + st.action + "\"; use one of " + join(names));
        }
        check_keys(t, st, it->second, "a " + st.action + " step");
        st.say = get<std::string>(t, "say", st, "");
        if (auto* n = t.get("nodes")) st.nodes = node_list(*n, st, "nodes");
        if (auto* n = t.get("node")) {
            auto more = node_list(*n, st, "node");
            st.nodes.insert(st.nodes.end(), more.begin(), more.end());
        }
        st.as = get<std::string>(t, "as", st, "");
        st.timeout_ms = get<std::uint64_t>(t, "timeout_ms", st, st.timeout_ms);
        if (auto* n = t.get("condition")) {
            st.condition = parse_condition(*n, st);
        } else if (st.action == "wait-for" || st.action == "expect") {
            fail_step(st.line, st,
                      "a " + st.action + " step needs condition = \"...\" (see docs/scenarios.md)");
        }
        st.key = get<std::string>(t, "key", st, "");
        if (t.get("value")) st.value = get<std::string>(t, "value", st, "");
        if (t.get("expect_value")) st.expect_value = get<std::string>(t, "expect_value", st, "");
        st.expect_missing = get<bool>(t, "expect_missing", st, false);
        st.consistency = get<std::string>(t, "consistency", st, st.consistency);
        static const std::set<std::string> levels = {"linearizable", "lease", "eventual"};
        if (!levels.count(st.consistency)) {
            fail_step(line_of(*t.get("consistency")), st,
                      "consistency = \"" + st.consistency +
                          "\" is not a read level; use linearizable, lease or eventual");
        }
        st.may_fail = get<bool>(t, "may_fail", st, false);
        st.must_fail = get<bool>(t, "must_fail", st, false);
        if ((st.action == "put" || st.action == "get" || st.action == "delete") && st.key.empty()) {
            fail_step(st.line, st, "a " + st.action + " step needs key = \"...\"");
        }
        if (st.action == "put" && !st.value) fail_step(st.line, st, "a put step needs value");

        st.workload_action = get<std::string>(t, "action", st, "start");
        if (st.action == "workload" && st.workload_action != "start" &&
            st.workload_action != "stop") {
            fail_step(line_of(*t.get("action")), st,
                      "action = \"" + st.workload_action + "\"; use \"start\" or \"stop\"");
        }
        st.clients = get<int>(t, "clients", st, st.clients);
        st.keys = get<int>(t, "keys", st, st.keys);
        if (st.action == "workload" && (st.clients < 1 || st.clients > 256)) {
            fail_step(line_of(*t.get("clients")), st, "clients must be 1..256");
        }
        if (st.action == "workload" && st.keys < 1) {
            fail_step(line_of(*t.get("keys")), st, "keys must be at least 1");
        }
        st.rate = get<double>(t, "rate", st, 0.0);
        st.max_ops = get<std::uint64_t>(t, "max_ops", st, st.max_ops);
        st.duration_ms = get<std::uint64_t>(t, "duration_ms", st, 0);
        st.op_timeout_ms = get<std::uint64_t>(t, "op_timeout_ms", st, st.op_timeout_ms);
        st.read_fraction = get<double>(t, "read_fraction", st, st.read_fraction);
        st.cas_fraction = get<double>(t, "cas_fraction", st, st.cas_fraction);
        if (st.read_fraction + st.cas_fraction > 1.0) {
            fail_step(st.line, st, "read_fraction + cas_fraction must be at most 1");
        }

        if (auto* g = t.get_as<toml::array>("groups")) {
            for (auto& grp : *g)
                st.groups.push_back(node_list(grp, st, "groups"));
            if (st.groups.size() < 2) {
                fail_step(line_of(*g), st,
                          "groups must list at least two groups, e.g. "
                          "groups = [[1], [2, 3]]");
            }
            // A node on both sides of a partition is no partition at all
            // (found while writing docs/bad-input.md).
            std::set<std::string> seen;
            for (const auto& grp : st.groups) {
                for (const auto& ref : grp) {
                    if (!seen.insert(ref.text()).second) {
                        fail_step(line_of(*g), st,
                                  "node " + ref.text() +
                                      " is in two groups; put each node in one group, e.g. "
                                      "groups = [[1], [2, 3]]");
                    }
                }
            }
        }
        if (auto* n = t.get("from")) st.from = node_ref(*n, st, "from");
        if (auto* n = t.get("to")) st.to = node_ref(*n, st, "to");
        st.one_way = get<bool>(t, "one_way", st, false);
        if (st.action == "partition" && st.groups.empty() && !(st.from && st.to) &&
            st.nodes.empty()) {
            fail_step(st.line, st,
                      "a partition needs groups = [[1], [2, 3]], a link (from, to), or node = "
                      "N (isolate N from every other node)");
        }
        st.delay_ms = get<std::uint64_t>(t, "delay_ms", st, 0);
        st.jitter_ms = get<std::uint64_t>(t, "jitter_ms", st, 0);
        st.loss_pct = get<double>(t, "loss_pct", st, 0.0);
        if (st.loss_pct > 100) fail_step(line_of(*t.get("loss_pct")), st, "loss_pct is 0..100");
        if (t.get("rate") && st.action == "clock") st.clock_rate = get<double>(t, "rate", st, 1);
        if (t.get("step_ms")) st.clock_step_ms = get<std::uint64_t>(t, "step_ms", st, 0);
        if (st.action == "clock" && !st.clock_rate && !st.clock_step_ms) {
            fail_step(st.line, st,
                      "a clock step needs rate (0 = frozen, 1 = real time) or step_ms");
        }
        st.wipe = get<bool>(t, "wipe", st, false);
        if (auto* f = t.get_as<toml::array>("faults")) {
            static const std::set<std::string> kinds = {"kill", "pause", "partition", "delay",
                                                        "loss", "clock", "disk-delay"};
            for (auto& x : *f) {
                auto v = x.value<std::string>();
                if (!v || !kinds.count(*v)) {
                    fail_step(line_of(x), st,
                              "faults holds an unknown fault; use kill, pause, partition, delay, "
                              "loss, clock, disk-delay");
                }
                st.faults.push_back(*v);
            }
        } else if (st.action == "nemesis") {
            st.faults = {"kill", "pause", "partition", "delay", "clock"};
        }
        st.interval_ms = get<std::uint64_t>(t, "interval_ms", st, st.interval_ms);
        st.recovery_ms = get<std::uint64_t>(t, "recovery_ms", st, st.recovery_ms);
        if (st.action == "nemesis" && st.duration_ms == 0) {
            fail_step(st.line, st, "a nemesis step needs duration_ms");
        }
        if (st.action == "note" && st.say.empty()) {
            fail_step(st.line, st, "a note step needs say = \"...\" (the narration)");
        }
        if ((st.action == "transfer" || st.action == "remove" || st.action == "promote" ||
             st.action == "bind") &&
            st.nodes.size() != 1) {
            fail_step(st.line, st, "a " + st.action + " step needs exactly one node = ...");
        }
        if (st.action == "bind" && st.as.empty()) {
            fail_step(st.line, st, "a bind step needs as = \"name\"");
        }
        return st;
    }

    std::string file_;
};

}  // namespace

ScenarioError::ScenarioError(const std::string& file, int line, int step, const std::string& action,
                             const std::string& problem)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " +
                         (step > 0 ? "step " + std::to_string(step) + " (" + action + "): " : "") +
                         problem),
      line_(line),
      step_(step) {}

bool Scenario::wants(const std::string& what) const {
    return std::find(needs.begin(), needs.end(), what) != needs.end();
}

std::string Condition::text() const {
    std::string n = node ? "node " + node->text() : "";
    if (what == "leader") {
        if (node) return n + " is leader";
        if (other_than) return "a leader other than node " + other_than->text();
        return "a leader exists";
    }
    if (what == "role") return n + " is " + role;
    if (what == "term") {
        return (node ? n : std::string("every live node")) + "'s term " +
               (equals ? "= " + std::to_string(*equals) : ">= " + std::to_string(*at_least));
    }
    if (what == "commit-index") {
        return (node ? n : std::string("every live node")) +
               "'s commit index >= " + std::to_string(*at_least);
    }
    if (what == "members") return "membership as expected";
    if (what == "key") {
        return "key " + key + (missing ? " is missing" : " = \"" + value.value_or("") + "\"") +
               (node ? " on " + n : "");
    }
    if (what == "unavailability") {
        return "write unavailability" +
               (at_most_ms ? " <= " + std::to_string(*at_most_ms) + " ms" : std::string());
    }
    if (what == "node-state") return n + " is " + process;
    return what;
}

const std::vector<std::string>& step_actions() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (auto& [k, v] : allowed_keys())
            out.push_back(k);
        return out;
    }();
    return names;
}

Scenario parse_scenario_text(const std::string& text, const std::string& name) {
    return Parser(name).parse(text);
}

Scenario parse_scenario_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw ScenarioError(path, 0, 0, "",
                            "cannot open the scenario file; check the path (raftlab-scenario "
                            "list shows the shipped ones)");
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return Parser(path).parse(ss.str());
}

}  // namespace raftlab::scenario
