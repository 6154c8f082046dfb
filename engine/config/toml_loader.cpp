// TOML -> NodeConfig. Every value is type-checked here and every unknown key
// is refused (a typo such as `heartbeat_interval = 50` must not silently fall
// back to the default); relations between values are checked in validate.cpp.
#include <toml++/toml.h>

#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>

#include "engine/config/config.h"

namespace raftlab::config {
namespace {

std::string join(std::initializer_list<std::string_view> items) {
    std::string out;
    for (auto item : items) {
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out;
}

int line_of(const toml::node& node) {
    return static_cast<int>(node.source().begin.line);
}

// Renders a value back as TOML-ish text for messages ("7", "\"leader\"").
std::string show(const toml::node& node) {
    std::string text;
    if (node.is_string()) {
        text = "\"" + node.as_string()->get() + "\"";
    } else {
        std::ostringstream os;
        node.visit([&](const auto& v) { os << v; });
        text = os.str();
    }
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return text;
}

class Loader {
  public:
    explicit Loader(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const std::string& field, const std::string& problem,
                           const std::string& fix, int line = 0) const {
        throw ConfigError(file_, field, problem, fix, line);
    }

    void only_keys(const toml::table& table, const std::string& where,
                   std::initializer_list<std::string_view> allowed) const {
        for (auto&& [key, value] : table) {
            bool known = false;
            for (auto a : allowed)
                known = known || key.str() == a;
            if (!known) {
                const std::string field =
                    where.empty() ? std::string(key.str()) : where + "." + std::string(key.str());
                fail(field, "is not a known key",
                     (where.empty() ? "valid sections are " : "valid keys in " + where + " are ") +
                         join(allowed),
                     line_of(value));
            }
        }
    }

    const toml::table* section(const toml::table& root, std::string_view name) const {
        const toml::node* node = root.get(name);
        if (!node) return nullptr;
        if (!node->is_table()) {
            fail(std::string(name), "must be a table", "write it as [" + std::string(name) + "]",
                 line_of(*node));
        }
        return node->as_table();
    }

    std::optional<std::int64_t> integer(const toml::table& t, const std::string& where,
                                        std::string_view key, std::int64_t min,
                                        std::int64_t max) const {
        const toml::node* node = t.get(key);
        if (!node) return std::nullopt;
        const std::string field = where + "." + std::string(key);
        if (!node->is_integer()) {
            fail(field, "= " + show(*node) + " must be an integer",
                 "write it without quotes, e.g. " + std::string(key) + " = " + std::to_string(min),
                 line_of(*node));
        }
        const std::int64_t v = node->as_integer()->get();
        if (v < min || v > max) {
            fail(field, "= " + std::to_string(v) + " is out of range",
                 "use a value from " + std::to_string(min) + " to " + std::to_string(max),
                 line_of(*node));
        }
        return v;
    }

    std::optional<std::string> string(const toml::table& t, const std::string& where,
                                      std::string_view key) const {
        const toml::node* node = t.get(key);
        if (!node) return std::nullopt;
        if (!node->is_string()) {
            fail(where + "." + std::string(key), "= " + show(*node) + " must be a string",
                 "put the value in double quotes", line_of(*node));
        }
        return node->as_string()->get();
    }

    std::optional<bool> boolean(const toml::table& t, const std::string& where,
                                std::string_view key) const {
        const toml::node* node = t.get(key);
        if (!node) return std::nullopt;
        if (!node->is_boolean()) {
            fail(where + "." + std::string(key), "= " + show(*node) + " must be a boolean",
                 "write true or false without quotes", line_of(*node));
        }
        return node->as_boolean()->get();
    }

    template <typename T>
    void set_int(const toml::table& t, const std::string& where, std::string_view key, T& out,
                 std::int64_t min, std::int64_t max) const {
        if (auto v = integer(t, where, key, min, max)) out = static_cast<T>(*v);
    }
    void set_bool(const toml::table& t, const std::string& where, std::string_view key,
                  bool& out) const {
        if (auto v = boolean(t, where, key)) out = *v;
    }

    // role = 0..3 or a name; status = 0..2 or a name.
    template <typename E>
    E enum_value(const toml::node& node, const std::string& field,
                 std::optional<E> (*parse)(std::string_view), const char* what,
                 const char* valid) const {
        std::optional<E> parsed;
        if (node.is_integer()) {
            parsed = parse(std::to_string(node.as_integer()->get()));
        } else if (node.is_string()) {
            parsed = parse(node.as_string()->get());
        }
        if (!parsed) {
            fail(field, "= " + show(node) + " is not a " + what, std::string("use ") + valid,
                 line_of(node));
        }
        return *parsed;
    }

    InitialMember member(const toml::node& node, std::size_t i) const {
        const std::string where = "cluster.initial_cluster[" + std::to_string(i) + "]";
        if (!node.is_table()) {
            fail(where, "= " + show(node) + " must be a table",
                 "write { id = 1, address = \"127.0.0.1:9081\", role = 2, status = 2 }",
                 line_of(node));
        }
        const toml::table& t = *node.as_table();
        only_keys(t, where, {"id", "address", "role", "status"});
        InitialMember m;
        const auto id = integer(t, where, "id", 1, std::numeric_limits<std::int64_t>::max());
        if (!id)
            fail(where + ".id", "is missing", "give every member a unique id >= 1", line_of(node));
        m.id = static_cast<core::NodeId>(*id);
        const auto address = string(t, where, "address");
        if (!address) {
            fail(where + ".address", "is missing", "add address = \"host:port\"", line_of(node));
        }
        m.address = *address;
        if (const toml::node* role = t.get("role")) {
            m.role = enum_value<core::Role>(
                *role, where + ".role", &parse_role, "NodeRole",
                "0=Follower, 1=Candidate, 2=Leader, 3=Learner or a name like \"learner\"");
        }
        if (const toml::node* status = t.get("status")) {
            m.status = enum_value<core::NodeStatus>(
                *status, where + ".status", &parse_status, "NodeStatus",
                "0=PROMOTABLE, 1=READ_ONLY, 2=ACTIVE or a name like \"promotable\"");
        } else {
            m.status = m.is_voter() ? core::NodeStatus::Active : core::NodeStatus::Promotable;
        }
        return m;
    }

    void cluster(const toml::table& t, NodeConfig& c) const {
        const std::string w = "cluster";
        only_keys(t, w,
                  {"node_id", "listen_address", "initial_cluster", "db_root_dir", "cluster_id"});
        const auto node_id = integer(t, w, "node_id", 1, std::numeric_limits<std::int64_t>::max());
        if (!node_id) fail("cluster.node_id", "is missing", "add node_id = 1 (a unique id >= 1)");
        c.cluster.node_id = static_cast<core::NodeId>(*node_id);
        const auto listen = string(t, w, "listen_address");
        if (!listen) {
            fail("cluster.listen_address", "is missing", "add listen_address = \"127.0.0.1:9081\"");
        }
        c.cluster.listen_address = *listen;
        if (auto dir = string(t, w, "db_root_dir")) c.cluster.db_root_dir = *dir;
        if (auto id = string(t, w, "cluster_id")) c.cluster.cluster_id = *id;

        const toml::node* ic = t.get("initial_cluster");
        if (!ic) {
            fail("cluster.initial_cluster", "is missing",
                 "list at least this node, e.g. initial_cluster = [ { id = " +
                     std::to_string(*node_id) + ", address = \"" + *listen +
                     "\", role = 2, status = 2 } ]");
        }
        if (!ic->is_array()) {
            fail("cluster.initial_cluster", "must be an array of tables",
                 "write initial_cluster = [ { id = 1, address = \"host:port\", role = 2, "
                 "status = 2 } ]",
                 line_of(*ic));
        }
        const toml::array& arr = *ic->as_array();
        for (std::size_t i = 0; i < arr.size(); ++i) {
            c.cluster.initial_cluster.push_back(member(arr[i], i));
        }
    }

    void raft(const toml::table& t, NodeConfig& c) const {
        const std::string w = "raft";
        only_keys(
            t, w,
            {"tick_ms", "heartbeat_interval_ms", "election_timeout_min_ms",
             "election_timeout_max_ms", "lease_ms", "snapshot_threshold", "learner_catchup_lag",
             "auto_promote", "pre_vote", "check_quorum", "max_inflight_msgs", "max_inflight_bytes",
             "max_append_entries", "max_append_bytes", "snapshot_chunk_bytes"});
        constexpr std::int64_t kMaxMs = 3'600'000;  // an hour: anything more is a typo
        constexpr std::int64_t kMaxU = std::numeric_limits<std::int64_t>::max();
        auto& r = c.raft;
        set_int(t, w, "tick_ms", r.tick_ms, 1, kMaxMs);
        set_int(t, w, "heartbeat_interval_ms", r.heartbeat_interval_ms, 1, kMaxMs);
        set_int(t, w, "election_timeout_min_ms", r.election_timeout_min_ms, 1, kMaxMs);
        set_int(t, w, "election_timeout_max_ms", r.election_timeout_max_ms, 1, kMaxMs);
        set_int(t, w, "lease_ms", r.lease_ms, 1, kMaxMs);
        set_int(t, w, "snapshot_threshold", r.snapshot_threshold, 1, kMaxU);
        set_int(t, w, "learner_catchup_lag", r.learner_catchup_lag, 0, kMaxU);
        set_bool(t, w, "auto_promote", r.auto_promote);
        set_bool(t, w, "pre_vote", r.pre_vote);
        set_bool(t, w, "check_quorum", r.check_quorum);
        set_int(t, w, "max_inflight_msgs", r.max_inflight_msgs, 1, kMaxU);
        set_int(t, w, "max_inflight_bytes", r.max_inflight_bytes, 1, kMaxU);
        set_int(t, w, "max_append_entries", r.max_append_entries, 1, kMaxU);
        set_int(t, w, "max_append_bytes", r.max_append_bytes, 1, kMaxU);
        set_int(t, w, "snapshot_chunk_bytes", r.snapshot_chunk_bytes, 1, kMaxU);
    }

    void limits(const toml::table& t, NodeConfig& c) const {
        const std::string w = "limits";
        only_keys(t, w, {"max_key_bytes", "max_value_bytes", "max_rpc_bytes"});
        constexpr std::int64_t kMaxU = std::numeric_limits<std::int64_t>::max();
        set_int(t, w, "max_key_bytes", c.limits.max_key_bytes, 1, kMaxU);
        set_int(t, w, "max_value_bytes", c.limits.max_value_bytes, 1, kMaxU);
        // gRPC takes an int for message sizes.
        set_int(t, w, "max_rpc_bytes", c.limits.max_rpc_bytes, 1, std::numeric_limits<int>::max());
    }

    void lab(const toml::table& t, NodeConfig& c) const {
        const std::string w = "lab";
        only_keys(t, w, {"enabled", "address"});
        set_bool(t, w, "enabled", c.lab.enabled);
        if (auto a = string(t, w, "address")) c.lab.address = *a;
    }

    void tls(const toml::table& t, NodeConfig& c) const {
        const std::string w = "tls";
        only_keys(t, w, {"enabled", "cert_file", "key_file", "ca_file", "require_client_cert"});
        c.tls.enabled = true;  // the section itself says "use TLS"
        set_bool(t, w, "enabled", c.tls.enabled);
        if (auto v = string(t, w, "cert_file")) c.tls.cert_file = *v;
        if (auto v = string(t, w, "key_file")) c.tls.key_file = *v;
        if (auto v = string(t, w, "ca_file")) c.tls.ca_file = *v;
        set_bool(t, w, "require_client_cert", c.tls.require_client_cert);
    }

    NodeConfig load(std::string_view text) const {
        toml::table root;
        try {
            root = toml::parse(text, file_);
        } catch (const toml::parse_error& e) {
            const auto& where = e.source().begin;
            throw ConfigError(file_, "",
                              "is not valid TOML at line " + std::to_string(where.line) +
                                  ", column " + std::to_string(where.column) + ": " +
                                  std::string(e.description()),
                              "fix the syntax there (strings need double quotes, tables "
                              "{ a = 1, b = 2 })",
                              static_cast<int>(where.line));
        }
        only_keys(root, "", {"cluster", "raft", "limits", "lab", "tls"});
        NodeConfig c;
        c.source = file_;
        const toml::table* cl = section(root, "cluster");
        if (!cl) {
            fail("cluster", "section is missing",
                 "add [cluster] with node_id, listen_address, initial_cluster and db_root_dir");
        }
        cluster(*cl, c);
        if (const auto* t = section(root, "raft")) raft(*t, c);
        if (const auto* t = section(root, "limits")) limits(*t, c);
        if (const auto* t = section(root, "lab")) lab(*t, c);
        if (const auto* t = section(root, "tls")) tls(*t, c);
        return c;
    }

  private:
    std::string file_;
};

}  // namespace

NodeConfig parse_node_config(std::string_view toml_text, std::string_view source_name) {
    NodeConfig c = Loader(std::string(source_name)).load(toml_text);
    validate(c);
    return c;
}

NodeConfig load_node_config(const std::filesystem::path& path) {
    // A directory opens as an empty stream on Linux and would be reported as
    // "cluster section is missing", which sends a person the wrong way.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw ConfigError(
            path.string(), "", "is a directory, not a config file",
            "pass the TOML file itself, e.g. --config " + (path / "n1.toml").string());
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw ConfigError(path.string(), "", "cannot be opened",
                          "check the path (relative paths start at the working directory " +
                              std::filesystem::current_path().string() + ") and permissions");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_node_config(text.str(), path.string());
}

}  // namespace raftlab::config
