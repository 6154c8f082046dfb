// raftlab-ctl: talk to a Raft Lab cluster from the command line.
//   raftlab-ctl --endpoints 127.0.0.1:9081,127.0.0.1:9082 put greeting hello
// Every failure is one line on stderr and a non-zero exit code.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <set>

#include "engine/api/remote_client.h"
#include "engine/config/config.h"
#include "engine/net/tls.h"

using namespace raftlab;
using api::Code;
using api::Consistency;

namespace {

int fail(const std::string& reason) {
    std::fprintf(stderr, "raftlab-ctl: %s\n", reason.c_str());
    return 1;
}

int fail(const api::OpError& e) {
    std::string line = std::string(server::to_string(e.code)) + ": " + e.message;
    return fail(line);
}

std::optional<Consistency> parse_consistency(const std::string& s) {
    if (s == "linearizable") return Consistency::Linearizable;
    if (s == "lease") return Consistency::Lease;
    if (s == "eventual") return Consistency::Eventual;
    return std::nullopt;
}

const char* role_of(const pb::Member& m) {
    if (m.voter()) return "voter";
    return m.status() == 1 ? "learner (read-only)" : "learner (promotable)";
}

// The address of node `id`, from the membership any endpoint reports.
std::optional<std::string> address_of(api::RemoteClient& client, std::uint64_t id,
                                      std::string* error) {
    auto members = client.members();
    if (!members.error.ok()) {
        *error = members.error.message;
        return std::nullopt;
    }
    auto it = members.membership.members.find(id);
    if (it == members.membership.members.end()) {
        *error = "node " + std::to_string(id) +
                 " is not a member of the cluster; `raftlab-ctl members` lists the node ids";
        return std::nullopt;
    }
    return config::dial_address(it->second.address);
}

int print_status(api::RemoteClient& client) {
    // Ask every endpoint given, plus every member any of them knows about.
    std::vector<api::NodeStatus> rows = client.status_all();
    std::set<std::string> asked(client.endpoints().begin(), client.endpoints().end());
    std::vector<std::string> extra;
    for (const auto& r : rows) {
        if (!r.error.ok()) continue;
        for (const auto& m : r.status.membership().members()) {
            std::string a = config::dial_address(m.address());
            if (asked.insert(a).second) extra.push_back(a);
        }
    }
    for (const auto& a : extra)
        rows.push_back(client.status(a));

    bool any = false;
    std::printf("%-5s %-22s %-13s %5s %6s %8s %8s %7s %8s %9s\n", "NODE", "ADDRESS", "ROLE", "TERM",
                "LEADER", "COMMIT", "APPLIED", "FIRST", "LAST", "SNAPSHOT");
    const pb::StatusResponse* leader = nullptr;
    for (const auto& r : rows) {
        if (!r.error.ok()) {
            std::printf("%-5s %-22s unreachable: %s\n", "?", r.endpoint.c_str(),
                        r.error.message.c_str());
            continue;
        }
        any = true;
        const auto& s = r.status;
        if (s.role() == 2) leader = &s;
        std::printf("%-5lu %-22s %-13s %5lu %6lu %8lu %8lu %7lu %8lu %9lu\n",
                    static_cast<unsigned long>(s.id()), r.endpoint.c_str(), s.role_name().c_str(),
                    static_cast<unsigned long>(s.term()), static_cast<unsigned long>(s.leader_id()),
                    static_cast<unsigned long>(s.commit_index()),
                    static_cast<unsigned long>(s.applied_index()),
                    static_cast<unsigned long>(s.first_index()),
                    static_cast<unsigned long>(s.last_index()),
                    static_cast<unsigned long>(s.snapshot_index()));
    }
    if (leader) {
        std::printf("\nMembership (committed or pending, as leader %lu sees it):\n",
                    static_cast<unsigned long>(leader->id()));
        for (const auto& m : leader->membership().members()) {
            std::printf("  node %-4lu %-22s %s\n", static_cast<unsigned long>(m.id()),
                        m.address().c_str(), role_of(m));
        }
        std::printf("\nReplication from leader %lu (last index %lu):\n",
                    static_cast<unsigned long>(leader->id()),
                    static_cast<unsigned long>(leader->last_index()));
        for (const auto& p : leader->progress()) {
            std::printf("  node %-4lu match %-8lu next %-8lu %-10s %s\n",
                        static_cast<unsigned long>(p.id()),
                        static_cast<unsigned long>(p.match_index()),
                        static_cast<unsigned long>(p.next_index()), p.state().c_str(),
                        p.recent_active() ? "active" : "not heard from recently");
        }
    } else if (any) {
        std::printf(
            "\nNo node reports itself leader: an election may be in progress, or fewer "
            "than a quorum of voters is running.\n");
    }
    if (!any) return fail("cannot reach any node at the given endpoints");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"raftlab-ctl: read, write and administer a Raft Lab cluster"};
    app.require_subcommand(1);
    std::string endpoints = "127.0.0.1:9081,127.0.0.1:9082,127.0.0.1:9083";
    int timeout_ms = 5000;
    app.add_option("--endpoints", endpoints, "comma-separated host:port list of cluster nodes")
        ->capture_default_str();
    app.add_option("--timeout", timeout_ms, "overall time per command, in ms")
        ->capture_default_str()
        ->check(CLI::Range(1, 24 * 3600 * 1000));  // 0 or less would fail as UNAVAILABLE
    // TLS (docs/security.md): --cacert alone verifies the nodes; with --cert
    // and --key the client also presents a certificate (clusters with
    // [tls] require_client_cert = true refuse clients without one).
    std::string cacert, cert, keyfile;
    app.add_option("--cacert", cacert, "CA certificate (PEM) the nodes' certificates chain to")
        ->check(CLI::ExistingFile);
    app.add_option("--cert", cert, "this client's certificate (PEM), for mTLS clusters")
        ->check(CLI::ExistingFile);
    app.add_option("--key", keyfile, "the private key (PEM) of --cert")->check(CLI::ExistingFile);

    std::string key, value, expected, prefix, consistency = "linearizable";
    std::uint64_t node_id = 0;
    std::uint32_t limit = 0;
    bool absent = false;

    auto* put = app.add_subcommand("put", "write KEY = VALUE (through the leader)");
    put->add_option("key", key)->required();
    put->add_option("value", value)->required();

    auto* get = app.add_subcommand("get", "read KEY");
    get->add_option("key", key)->required();
    get->add_option("--consistency", consistency, "linearizable (default), lease or eventual");
    get->add_option("--node", node_id, "ask this node id only (e.g. an eventual read of it)");

    auto* del = app.add_subcommand("delete", "delete KEY");
    del->add_option("key", key)->required();

    auto* cas = app.add_subcommand("cas", "set KEY to NEW only if it holds EXPECTED");
    cas->add_option("key", key)->required();
    cas->add_option("expected", expected, "the value KEY must hold (omit with --absent)");
    cas->add_option("new", value, "the value to set");
    cas->add_flag("--absent", absent, "succeed only if KEY does not exist (create)");

    auto* scan = app.add_subcommand("scan", "list keys starting with PREFIX");
    scan->add_option("prefix", prefix)->required();
    scan->add_option("--limit", limit, "at most this many (default 1000)");
    scan->add_option("--consistency", consistency, "linearizable (default), lease or eventual");
    scan->add_option("--node", node_id, "ask this node id only");

    auto* members = app.add_subcommand("members", "list voters and learners");
    auto* status = app.add_subcommand("status", "a table of every node's Raft state");
    auto* leader = app.add_subcommand("leader", "print the leader's id and address");
    auto* transfer = app.add_subcommand("transfer-leader", "hand leadership to node ID");
    transfer->add_option("id", node_id)->required();
    auto* promote = app.add_subcommand("promote", "promote learner ID to voter");
    promote->add_option("id", node_id)->required();
    auto* remove = app.add_subcommand("remove", "remove node ID from the cluster");
    remove->add_option("id", node_id)->required();

    // `cas KEY NEW --absent` has one positional fewer.
    CLI11_PARSE(app, argc, argv);
    if (cas->parsed() && absent && value.empty()) {
        value = expected;
        expected.clear();
    }
    if (cas->parsed() && !absent && value.empty()) {
        return fail("cas needs KEY EXPECTED NEW, or KEY NEW --absent");
    }

    auto list = api::split_endpoints(endpoints);
    if (list.empty()) return fail("--endpoints is empty; give host:port,host:port...");
    for (const auto& e : list) {
        if (!config::parse_host_port(e)) {
            return fail("endpoint '" + e + "' is not host:port; write it like 127.0.0.1:9081");
        }
    }
    api::RemoteOptions options;
    options.timeout = std::chrono::milliseconds(timeout_ms);
    if (!cacert.empty() || !cert.empty() || !keyfile.empty()) {
        try {
            auto tls = net::load_client_tls(cacert, cert, keyfile);
            options.credentials = net::channel_credentials(&tls);
        } catch (const std::exception& e) {
            return fail(e.what());
        }
    }
    api::RemoteClient client(list, options);

    auto level = parse_consistency(consistency);
    if (!level) {
        return fail("--consistency " + consistency +
                    " is not known; use linearizable, lease or eventual");
    }
    std::optional<std::string> only;
    if ((get->parsed() || scan->parsed()) && node_id != 0) {
        std::string error;
        only = address_of(client, node_id, &error);
        if (!only) return fail(error);
    }

    if (put->parsed()) {
        auto r = client.put(key, value);
        if (!r.error.ok()) return fail(r.error);
        std::printf("OK (index %lu)\n", static_cast<unsigned long>(r.index));
    } else if (get->parsed()) {
        auto r = client.get(key, *level, only);
        if (!r.error.ok()) return fail(r.error);
        if (!r.value) return fail("key '" + key + "' not found");
        std::printf("%s\n", r.value->c_str());
    } else if (del->parsed()) {
        auto r = client.del(key);
        if (!r.error.ok()) return fail(r.error);
        std::printf("%s (index %lu)\n", r.previous ? "deleted" : "no such key; nothing deleted",
                    static_cast<unsigned long>(r.index));
    } else if (cas->parsed()) {
        auto r = client.compare_and_swap(
            key, absent ? std::nullopt : std::optional<std::string>(expected), value);
        if (!r.error.ok()) return fail(r.error);
        if (!r.succeeded) {
            return fail(absent ? "cas failed: key '" + key + "' already exists"
                               : "cas failed: key '" + key + "' does not hold '" + expected + "'");
        }
        std::printf("OK (index %lu)\n", static_cast<unsigned long>(r.index));
    } else if (scan->parsed()) {
        auto r = client.scan(prefix, limit, *level, only);
        if (!r.error.ok()) return fail(r.error);
        for (const auto& kv : r.items)
            std::printf("%s = %s\n", kv.key.c_str(), kv.value.c_str());
        if (r.more) std::printf("... more keys; raise --limit to see them\n");
    } else if (members->parsed()) {
        core::NodeId leader_id = 0;
        auto r = client.members(&leader_id);
        if (!r.error.ok()) return fail(r.error);
        for (const auto& [id, m] : r.membership.members) {
            std::printf("node %-4lu %-22s %s%s\n", static_cast<unsigned long>(id),
                        m.address.c_str(),
                        m.voter                                  ? "voter"
                        : m.status == core::NodeStatus::ReadOnly ? "learner (read-only)"
                                                                 : "learner (promotable)",
                        id == leader_id ? "  <- leader" : "");
        }
    } else if (status->parsed()) {
        return print_status(client);
    } else if (leader->parsed()) {
        core::NodeId leader_id = 0;
        auto r = client.members(&leader_id);
        if (!r.error.ok()) return fail(r.error);
        if (leader_id == 0) {
            return fail(
                "no leader right now: an election is in progress or fewer than a quorum "
                "of voters is running");
        }
        auto it = r.membership.members.find(leader_id);
        std::printf("%lu %s\n", static_cast<unsigned long>(leader_id),
                    it == r.membership.members.end() ? "" : it->second.address.c_str());
    } else if (transfer->parsed()) {
        auto r = client.transfer_leader(node_id);
        if (!r.error.ok()) return fail(r.error);
        std::printf("leadership transfer to node %lu started\n",
                    static_cast<unsigned long>(node_id));
    } else if (promote->parsed()) {
        auto r = client.promote(node_id);
        if (!r.error.ok()) return fail(r.error);
        std::printf("node %lu promoted to voter (index %lu)\n", static_cast<unsigned long>(node_id),
                    static_cast<unsigned long>(r.index));
    } else if (remove->parsed()) {
        auto r = client.remove(node_id);
        if (!r.error.ok()) return fail(r.error);
        std::printf("node %lu removed (index %lu)\n", static_cast<unsigned long>(node_id),
                    static_cast<unsigned long>(r.index));
    }
    return 0;
}
