#include "netns.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QProcess>
#include <QRegularExpression>

namespace raftlab::testing {

Cmd run(const QString& program, const QStringList& args, int timeout_ms) {
    QProcess p;
    p.start(program, args);
    Cmd c;
    if (!p.waitForStarted(10000)) {
        c.err = "cannot start " + program.toStdString();
        return c;
    }
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished(5000);
        c.err = program.toStdString() + " did not finish in time";
        return c;
    }
    c.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    c.out = p.readAllStandardOutput().toStdString();
    c.err = p.readAllStandardError().toStdString();
    return c;
}

std::string NetnsTopology::unavailable() {
    if (::geteuid() != 0) return "needs root to create network namespaces (CI runs as root)";
    Cmd probe = run("ip", {"netns", "list"});
    if (probe.code != 0) return "`ip netns` is unavailable (install iproute2): " + probe.err;
    const QString name = QString("rlns%1-probe").arg(::getpid());
    Cmd add = run("ip", {"netns", "add", name});
    if (add.code != 0) return "`ip netns add` is refused here: " + add.err;
    run("ip", {"netns", "del", name});
    return {};
}

void NetnsTopology::remove_stale() {
    // rlns<pid>-... whose pid no longer runs: left by a killed test run.
    Cmd list = run("ip", {"netns", "list"});
    static const QRegularExpression re("^(rlns(\\d+)-\\S+)", QRegularExpression::MultilineOption);
    auto it = re.globalMatch(QString::fromStdString(list.out));
    while (it.hasNext()) {
        auto m = it.next();
        const int pid = m.captured(2).toInt();
        if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) {
            run("ip", {"netns", "del", m.captured(1)});
        }
    }
}

NetnsTopology::NetnsTopology(int nodes)
    : prefix_("rlns" + std::to_string(::getpid()) + "-"), nodes_(nodes) {
    remove_stale();
    const QString br = QString::fromStdString(bridge_ns());
    step({"netns", "add", br});
    if (error_.empty()) made_.push_back(bridge_ns());
    step({"-n", br, "link", "add", "br0", "type", "bridge"});
    step({"-n", br, "link", "set", "br0", "up"});
    for (int i = 1; i <= nodes_ && error_.empty(); ++i) {
        const QString n = QString::fromStdString(ns(i));
        const QString e = QString::fromStdString(bridge_if(i));
        step({"netns", "add", n});
        if (error_.empty()) made_.push_back(ns(i));
        // The pair is made inside the bridge's namespace, then one end moves
        // to the node's: the host's namespace never sees either end.
        step({"-n", br, "link", "add", e, "type", "veth", "peer", "name", "eth0"});
        step({"-n", br, "link", "set", "eth0", "netns", n});
        step({"-n", br, "link", "set", e, "master", "br0"});
        step({"-n", br, "link", "set", e, "up"});
        step({"-n", n, "link", "set", "lo", "up"});
        step({"-n", n, "addr", "add", QString::fromStdString(address(i) + "/24"), "dev", "eth0"});
        step({"-n", n, "link", "set", "eth0", "up"});
    }
}

NetnsTopology::~NetnsTopology() {
    for (auto& [node, pid] : pids_) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
    for (auto it = made_.rbegin(); it != made_.rend(); ++it)
        run("ip", {"netns", "del", QString::fromStdString(*it)});
}

void NetnsTopology::step(const QStringList& args) {
    if (!error_.empty()) return;
    Cmd c = run("ip", args);
    if (c.code != 0) error_ = "ip " + args.join(' ').toStdString() + " failed: " + c.err;
}

std::string NetnsTopology::ns(int node) const {
    return prefix_ + "n" + std::to_string(node);
}

std::string NetnsTopology::bridge_ns() const {
    return prefix_ + "br";
}

Cmd NetnsTopology::exec(int node, const QStringList& args, int timeout_ms) const {
    return run("ip", QStringList{"netns", "exec", QString::fromStdString(ns(node))} + args,
               timeout_ms);
}

Cmd NetnsTopology::tc(int node, const QStringList& args) const {
    return run("ip", QStringList{"netns", "exec", QString::fromStdString(ns(node)), "tc"} + args);
}

Cmd NetnsTopology::nft(int node, const QStringList& args) const {
    return run("ip", QStringList{"netns", "exec", QString::fromStdString(ns(node)), "nft"} + args);
}

namespace {

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

}  // namespace

std::string NetnsTopology::nft_unavailable() const {
    // Probed in the bridge namespace: a table made and deleted again.
    const QString ns = QString::fromStdString(bridge_ns());
    Cmd c = run("ip", {"netns", "exec", ns, "nft", "add", "table", "inet", "raftlab_probe"});
    if (c.code == 0) {
        run("ip", {"netns", "exec", ns, "nft", "delete", "table", "inet", "raftlab_probe"});
        return {};
    }
    return "nftables is not usable here (" + trimmed(c.err.empty() ? "no nft" : c.err) + ")";
}

std::string NetnsTopology::netem_unavailable() const {
    // Probed on the bridge namespace's loopback, which nothing uses.
    Cmd c = run("ip", {"netns", "exec", QString::fromStdString(bridge_ns()), "tc", "qdisc", "add",
                       "dev", "lo", "root", "netem", "delay", "1ms"});
    if (c.code == 0) {
        run("ip", {"netns", "exec", QString::fromStdString(bridge_ns()), "tc", "qdisc", "del",
                   "dev", "lo", "root"});
        return {};
    }
    return "tc netem is not available in this kernel (sch_netem missing: " + trimmed(c.err) + ")";
}

bool NetnsTopology::spawn(int node, const std::vector<std::string>& argv, const std::string& log,
                          const std::string& dir) {
    std::vector<std::string> args = {"ip", "netns", "exec", ns(node)};
    args.insert(args.end(), argv.begin(), argv.end());
    std::vector<char*> cargs;
    for (auto& a : args)
        cargs.push_back(a.data());
    cargs.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::chdir(dir.c_str()) != 0) ::_exit(126);
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0) ::_exit(126);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        // `ip netns exec` enters the namespace and execs the program: this
        // pid becomes the node itself.
        ::execvp("ip", cargs.data());
        ::_exit(127);
    }
    pids_[node] = pid;
    return true;
}

void NetnsTopology::kill_node(int node) {
    auto it = pids_.find(node);
    if (it == pids_.end()) return;
    ::kill(it->second, SIGKILL);
    ::waitpid(it->second, nullptr, 0);
    pids_.erase(it);
}

}  // namespace raftlab::testing
