#include "node_harness.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace raftlab::testing {

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(poll);
    }
}

int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

std::string bin_dir() {
    return RAFTLAB_BIN_DIR;
}

NodeProcess::NodeProcess(std::string config_path, std::string log_path, std::string work_dir)
    : config_path_(std::move(config_path)),
      log_path_(std::move(log_path)),
      work_dir_(std::move(work_dir)) {}

NodeProcess::~NodeProcess() {
    if (pid_ > 0) kill9();
}

bool NodeProcess::start(const std::vector<std::string>& extra_args) {
    if (pid_ > 0 && running()) return false;
    std::string binary = bin_dir() + "/raftlab-node";
    // Everything the child needs is prepared before fork(): the test process
    // has gRPC threads, so the child may only make async-signal-safe calls.
    std::vector<std::string> args = {binary, "--config", config_path_};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
        // No node outlives a crashed test. (Linux sends this when the thread
        // that forked exits, so start nodes from a thread that lives as long
        // as they should: the test's main thread.)
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::chdir(work_dir_.c_str()) != 0) ::_exit(126);
        int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0) ::_exit(126);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::execv(binary.c_str(), argv.data());
        ::_exit(127);
    }
    pid_ = pid;
    exit_code_ = -1;
    return true;
}

bool NodeProcess::running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        pid_ = -1;
        return false;
    }
    return true;
}

void NodeProcess::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exit_code_ = 128 + SIGKILL;
    pid_ = -1;
}

int NodeProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (!wait_until([&] { return !running(); }, timeout, 10ms)) return -1;
    return exit_code_;
}

int NodeProcess::terminate(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGTERM);
    int code = wait_exit(timeout);
    if (code < 0) kill9();
    return code;
}

void NodeProcess::pause() {
    if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void NodeProcess::resume() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
}

std::string NodeProcess::log() const {
    std::ifstream in(log_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool NodeProcess::log_contains(const std::string& text) const {
    return log().find(text) != std::string::npos;
}

Cluster::Cluster(ClusterOptions options) : options_(std::move(options)) {
    dir_ = tmp_.path().toStdString();
    for (int i = 1; i <= options_.nodes; ++i) {
        addresses_[i] = "127.0.0.1:" + std::to_string(free_port());
    }
    for (int i = 1; i <= options_.nodes; ++i) {
        std::ofstream out(config_path(i));
        out << "[cluster]\nnode_id = " << i << "\nlisten_address = \"" << addresses_[i]
            << "\"\ninitial_cluster = [\n";
        for (const auto& [id, addr] : addresses_) {
            out << "    { id = " << id << ", address = \"" << addr
                << "\", role = 0, status = 2 },\n";
        }
        out << "]\ndb_root_dir = \"./db\"\n" << options_.extra_toml << "\n";
        procs_[i] = std::make_unique<NodeProcess>(
            config_path(i), dir_ + "/node" + std::to_string(i) + ".log", dir_);
    }
    api::RemoteOptions ro;
    // Generous: the machine may be busy compiling; a wait ends as soon as
    // its condition holds, so this costs nothing when things are quick.
    ro.timeout = 15s;
    ro.attempt_timeout = 2s;
    client_ = std::make_unique<api::RemoteClient>(endpoint_list(), ro);
}

Cluster::~Cluster() {
    for (auto& [id, p] : procs_)
        p->kill9();
}

std::string Cluster::config_path(std::uint64_t id) const {
    return dir_ + "/n" + std::to_string(id) + ".toml";
}

bool Cluster::start_all() {
    bool ok = true;
    for (auto& [id, p] : procs_)
        ok = p->start() && ok;
    return ok;
}

std::string Cluster::endpoints() const {
    std::string out;
    for (const auto& [id, a] : addresses_)
        out += (out.empty() ? "" : ",") + a;
    return out;
}

std::vector<std::string> Cluster::endpoint_list() const {
    std::vector<std::string> out;
    for (const auto& [id, a] : addresses_)
        out.push_back(a);
    return out;
}

std::vector<std::uint64_t> Cluster::ids() const {
    std::vector<std::uint64_t> out;
    for (const auto& [id, a] : addresses_)
        out.push_back(id);
    return out;
}

api::NodeStatus Cluster::status(std::uint64_t id) {
    api::RemoteOptions ro;
    ro.attempt_timeout = 500ms;
    api::RemoteClient c({addresses_.at(id)}, ro);
    return c.status(addresses_.at(id));
}

std::optional<std::uint64_t> Cluster::wait_leader(std::chrono::milliseconds timeout,
                                                  std::uint64_t exclude) {
    std::optional<std::uint64_t> found;
    wait_until(
        [&] {
            for (auto id : ids()) {
                if (id == exclude) continue;
                auto s = status(id);
                if (s.error.ok() && s.status.role() == 2) {
                    found = id;
                    return true;
                }
            }
            return false;
        },
        timeout, 25ms);
    return found;
}

std::unique_ptr<api::RemoteClient> Cluster::client_for(std::uint64_t id,
                                                       std::chrono::milliseconds timeout) {
    api::RemoteOptions ro;
    ro.timeout = timeout;
    return std::make_unique<api::RemoteClient>(std::vector<std::string>{addresses_.at(id)}, ro);
}

}  // namespace raftlab::testing
