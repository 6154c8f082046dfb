// A throwaway kernel network for real-process tests: a bridge in a network
// namespace of its own and one namespace per node, each joined to the bridge
// by a veth pair, with addresses (10.213.0.x/24) that exist only inside those
// namespaces. Nothing is created in, or changed on, the host's own namespace.
//
// Names carry the test's pid ("rlns<pid>-n1"), so parallel runs never clash,
// and stale ones left by a run that was killed (its pid gone) are removed
// first. The destructor kills the node processes and deletes every namespace
// it made, which takes their veths and the bridge with them, on success and
// on failure alike.
#pragma once

#include <QStringList>
#include <map>
#include <string>
#include <vector>

namespace raftlab::testing {

struct Cmd {
    int code = -1;
    std::string out, err;
};

// Runs a program (no shell) and waits for it, up to `timeout_ms`.
Cmd run(const QString& program, const QStringList& args, int timeout_ms = 30000);

class NetnsTopology {
  public:
    // Why the host cannot run this test ("" if it can): not root, no `ip`,
    // or `ip netns add` refused.
    static std::string unavailable();

    explicit NetnsTopology(int nodes);
    ~NetnsTopology();
    NetnsTopology(const NetnsTopology&) = delete;
    NetnsTopology& operator=(const NetnsTopology&) = delete;

    // Empty if every namespace, link and address came up; else what failed.
    const std::string& error() const { return error_; }

    std::string ns(int node) const;  // the node's namespace
    std::string bridge_ns() const;   // the bridge's namespace
    std::string address(int node) const { return "10.213.0." + std::to_string(node); }
    std::string node_if() const { return "eth0"; }  // the node's end of its veth
    std::string bridge_if(int node) const { return "e" + std::to_string(node); }

    // `ip netns exec <ns> <args...>` and wait.
    Cmd exec(int node, const QStringList& args, int timeout_ms = 30000) const;
    // `tc ...` inside the node's namespace, on its veth end.
    Cmd tc(int node, const QStringList& args) const;

    // `nft ...` inside the node's namespace (nftables: packet filtering in
    // the kernel, a fallback for loss where sch_netem is missing).
    Cmd nft(int node, const QStringList& args) const;

    // Why tc netem cannot be used here ("" if it can).
    std::string netem_unavailable() const;
    // Why nftables cannot be used here ("" if it can).
    std::string nft_unavailable() const;

    // Starts `argv` inside the node's namespace, stdout/stderr to `log`,
    // working directory `dir`; it dies with the test process.
    bool spawn(int node, const std::vector<std::string>& argv, const std::string& log,
               const std::string& dir);
    void kill_node(int node);

  private:
    void step(const QStringList& args);  // one `ip` call; records the first failure
    static void remove_stale();

    std::string prefix_;
    int nodes_;
    std::vector<std::string> made_;  // namespaces to delete
    std::map<int, int> pids_;
    std::string error_;
};

}  // namespace raftlab::testing
