#include "scenarios/runner/supervisor.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace raftlab::scenario {

namespace {

using Clock = std::chrono::steady_clock;

// Copies the child's output, line by line, into its log file and to the
// handler. Runs until the child's end of the pipe closes (the child exited).
void read_lines(int fd, std::filesystem::path log_path, NodeId id, std::mutex* mu,
                Supervisor::LineHandler* handler) {
    std::ofstream log(log_path, std::ios::app);
    std::string pending;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        log.write(buf, n);
        log.flush();
        pending.append(buf, static_cast<size_t>(n));
        size_t pos;
        while ((pos = pending.find('\n')) != std::string::npos) {
            std::string line = pending.substr(0, pos);
            pending.erase(0, pos + 1);
            std::lock_guard lock(*mu);
            if (*handler) (*handler)(id, line);
        }
    }
    if (!pending.empty()) {
        std::lock_guard lock(*mu);
        if (*handler) (*handler)(id, pending);
    }
    ::close(fd);
}

}  // namespace

const char* to_string(ProcessState state) {
    switch (state) {
        case ProcessState::NotStarted:
            return "not started";
        case ProcessState::Running:
            return "running";
        case ProcessState::Paused:
            return "paused";
        case ProcessState::Exited:
            return "exited";
    }
    return "?";
}

int free_loopback_port() {
    static std::mutex mu;
    static std::set<int> given;
    std::lock_guard lock(mu);
    for (int attempt = 0; attempt < 50; ++attempt) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) break;
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        int port = 0;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
            socklen_t len = sizeof addr;
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
            port = ntohs(addr.sin_port);
        }
        ::close(fd);
        if (port > 0 && given.insert(port).second) return port;
    }
    throw std::runtime_error(
        "no free TCP port on 127.0.0.1 after 50 tries; close other lab runs and retry");
}

Supervisor::Supervisor(SupervisorOptions options) : options_(std::move(options)) {
    std::filesystem::create_directories(options_.run_dir);
}

Supervisor::~Supervisor() {
    kill_all();
}

void Supervisor::on_line(LineHandler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
}

const NodePlan& Supervisor::plan(NodeId id, bool learner) {
    auto& p = procs_[id];
    if (!p) {
        p = std::make_unique<Proc>();
        p->plan.id = id;
        p->plan.address = "127.0.0.1:" + std::to_string(free_loopback_port());
        p->plan.lab_address = "127.0.0.1:" + std::to_string(free_loopback_port());
        p->plan.learner = learner;
    }
    return p->plan;
}

bool Supervisor::planned(NodeId id) const {
    return procs_.count(id) != 0;
}

Supervisor::Proc& Supervisor::proc(NodeId id) {
    auto it = procs_.find(id);
    if (it == procs_.end()) {
        throw std::invalid_argument("node " + std::to_string(id) +
                                    " is not part of this run; start or join it first");
    }
    return *it->second;
}
const Supervisor::Proc& Supervisor::proc(NodeId id) const {
    return const_cast<Supervisor*>(this)->proc(id);
}

const NodePlan& Supervisor::node(NodeId id) const {
    return proc(id).plan;
}

std::vector<NodeId> Supervisor::ids() const {
    std::vector<NodeId> out;
    for (const auto& [id, p] : procs_)
        out.push_back(id);
    return out;
}

std::filesystem::path Supervisor::config_path(NodeId id) const {
    return options_.run_dir / ("n" + std::to_string(id) + ".toml");
}
std::filesystem::path Supervisor::log_path(NodeId id) const {
    return options_.run_dir / ("node" + std::to_string(id) + ".log");
}

std::string Supervisor::config_text(NodeId id) const {
    const Proc& self = proc(id);
    // A bootstrap voter lists every planned voter; a learner lists the nodes
    // planned before it (its join seeds) and itself as role 3, status 0, the
    // guide's n2.toml shape.
    std::vector<const NodePlan*> listed;
    for (const auto& [other_id, p] : procs_) {
        if (other_id == id) {
            listed.push_back(&p->plan);
        } else if (self.plan.learner ? other_id < id : !p->plan.learner) {
            listed.push_back(&p->plan);
        }
    }
    std::ostringstream out;
    out << "# Written by raftlab-scenario for node " << id << ".\n"
        << "[cluster]\nnode_id = " << id << "\nlisten_address = \"" << self.plan.address
        << "\"\ninitial_cluster = [\n";
    for (const NodePlan* p : listed) {
        const bool learner = p->learner;
        out << "    { id = " << p->id << ", address = \"" << p->address
            << "\", role = " << (learner ? 3 : 0) << ", status = " << (learner ? 0 : 2) << " },\n";
    }
    out << "]\ndb_root_dir = \"./db\"\n";
    if (!options_.raft_toml.empty()) out << "\n[raft]\n" << options_.raft_toml << "\n";
    if (options_.lab) {
        out << "\n[lab]\nenabled = true\naddress = \"" << self.plan.lab_address << "\"\n";
    }
    return out.str();
}

std::string Supervisor::start(NodeId id) {
    Proc& p = proc(id);
    reap(p, false);
    if (p.pid > 0)
        return "node " + std::to_string(id) + " is already running (pid " + std::to_string(p.pid) +
               ")";
    if (!p.config_written) {
        std::ofstream out(config_path(id));
        out << config_text(id);
        if (!out) return "cannot write " + config_path(id).string();
        p.config_written = true;
    }
    join_reader(p);

    std::string binary = options_.node_bin.string();
    std::string config = config_path(id).string();
    std::string run_dir = options_.run_dir.string();
    std::vector<std::string> args = {binary, "--config", config};
    if (options_.lab) args.push_back("--lab");
    args.insert(args.end(), options_.node_args.begin(), options_.node_args.end());
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return "pipe() failed: " + std::string(strerror(errno));
    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return "fork() failed: " + std::string(strerror(errno));
    }
    if (pid == 0) {
        // Only async-signal-safe calls from here: the lab has gRPC threads.
        // Die with the lab, and close the race where it died before prctl.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(125);
        // The lab's own Ctrl-C should not reach the nodes first: they are
        // stopped by the supervisor (or killed by PDEATHSIG).
        ::setpgid(0, 0);
        if (::chdir(run_dir.c_str()) != 0) ::_exit(126);
        ::dup2(fds[1], 1);
        ::dup2(fds[1], 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    p.pid = pid;
    p.paused = false;
    p.exit_code = -1;
    p.reader = std::thread(read_lines, fds[0], log_path(id), id, &mu_, &handler_);
    return {};
}

void Supervisor::reap(Proc& p, bool block) {
    if (p.pid <= 0) return;
    int status = 0;
    pid_t r = ::waitpid(p.pid, &status, block ? 0 : WNOHANG);
    if (r == p.pid) {
        p.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        p.pid = -1;
        p.paused = false;
    }
}

void Supervisor::join_reader(Proc& p) {
    if (p.reader.joinable()) p.reader.join();
}

void Supervisor::kill9(NodeId id) {
    Proc& p = proc(id);
    if (p.pid <= 0) return;
    ::kill(p.pid, SIGKILL);
    reap(p, true);
    join_reader(p);
}

int Supervisor::stop(NodeId id, int timeout_ms) {
    Proc& p = proc(id);
    reap(p, false);
    if (p.pid <= 0) return p.exit_code;
    ::kill(p.pid, SIGCONT);
    ::kill(p.pid, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (p.pid > 0 && Clock::now() < deadline) {
        reap(p, false);
        if (p.pid > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (p.pid > 0) {
        kill9(id);
        return -1;
    }
    join_reader(p);
    return p.exit_code;
}

void Supervisor::pause(NodeId id) {
    Proc& p = proc(id);
    if (p.pid > 0 && ::kill(p.pid, SIGSTOP) == 0) p.paused = true;
}

void Supervisor::resume(NodeId id) {
    Proc& p = proc(id);
    if (p.pid > 0 && ::kill(p.pid, SIGCONT) == 0) p.paused = false;
}

std::string Supervisor::restart(NodeId id, const std::optional<std::string>& new_config) {
    stop(id);
    if (new_config) {
        std::ofstream out(config_path(id));
        out << *new_config;
        proc(id).config_written = true;
    }
    return start(id);
}

void Supervisor::wipe(NodeId id) {
    std::filesystem::remove_all(options_.run_dir / "db" / ("node" + std::to_string(id)));
}

ProcessState Supervisor::state(NodeId id) {
    Proc& p = proc(id);
    reap(p, false);
    if (p.pid > 0) return p.paused ? ProcessState::Paused : ProcessState::Running;
    return p.exit_code >= 0 ? ProcessState::Exited : ProcessState::NotStarted;
}

int Supervisor::exit_code(NodeId id) {
    Proc& p = proc(id);
    reap(p, false);
    return p.exit_code;
}

pid_t Supervisor::pid(NodeId id) const {
    return proc(id).pid;
}

std::string Supervisor::log_tail(NodeId id, int lines) const {
    std::ifstream in(log_path(id));
    std::deque<std::string> tail;
    std::string line;
    while (std::getline(in, line)) {
        tail.push_back(line);
        if (static_cast<int>(tail.size()) > lines) tail.pop_front();
    }
    std::string out;
    for (const auto& l : tail)
        out += "    | " + l + "\n";
    return out;
}

void Supervisor::kill_all() {
    for (auto& [id, p] : procs_) {
        if (p->pid > 0) ::kill(p->pid, SIGKILL);
    }
    for (auto& [id, p] : procs_) {
        reap(*p, true);
        join_reader(*p);
    }
}

}  // namespace raftlab::scenario
