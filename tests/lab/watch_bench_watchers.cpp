#include "watch_bench_watchers.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "node_harness.h"

extern char** environ;

namespace raftlab::testing {
namespace {

constexpr auto kAttachTimeout = std::chrono::seconds(10);

double own_cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto s = [](const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; };
    return s(ru.ru_utime) + s(ru.ru_stime);
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : ",") + p;
    return out;
}

}  // namespace

void WatchTally::add(const WatchTally& other) {
    events += other.events;
    dropped += other.dropped;
    messages += other.messages;
    grouped += other.grouped;
    grouped_messages += other.grouped_messages;
    for (const auto& [kind, n] : other.kinds)
        kinds[kind] += n;
    ok = ok && other.ok;
    cpu_seconds += other.cpu_seconds;
}

Watcher::Watcher(pb::Lab::Stub& lab, const WatchSpec& spec) {
    // Every event class ("all"), every class but client outcomes
    // ("no-client"), or only the always-on ones ("few"): heartbeats included
    // whenever messages are, and a NodeState every 100 ms as the GUI asks.
    const bool all_events = spec.events != "few";
    pb::WatchRequest req;
    req.set_include_heartbeats(all_events);
    req.set_include_messages(all_events);
    req.set_include_entries(all_events);
    req.set_include_client(spec.events == "all");
    req.set_state_interval_ms(100);
    req.set_max_batch(spec.max_batch);
    reader_ = lab.Watch(&ctx_, req);
    thread_ = std::thread([this] {
        pb::WatchEvent carrier;
        std::uint64_t last_seq = 0, node = 0;
        auto one = [&](const pb::WatchEvent& ev) {
            if (events_.load() == 0) {
                state_first_ = ev.has_state();
                node = ev.node_id();
            }
            dropped_ += ev.dropped_before();
            ++by_kind_[static_cast<std::size_t>(ev.event_case()) % by_kind_.size()];
            grouped_ += static_cast<std::uint64_t>(ev.client_requests().keys_size());
            grouped_messages_ += static_cast<std::uint64_t>(ev.messages().types_size());
            if (ev.seq() <= last_seq || ev.node_id() != node) order_ok_ = false;
            last_seq = ev.seq();
            ++events_;
        };
        while (reader_->Read(&carrier)) {
            ++messages_;
            if (carrier.batch_size() == 0) one(carrier);
            for (const auto& e : carrier.batch())
                one(e);
        }
    });
}

Watcher::~Watcher() {
    ctx_.TryCancel();
    thread_.join();
}

WatchTally Watcher::tally() const {
    WatchTally t;
    t.events = events_;
    t.dropped = dropped_;
    t.messages = messages_;
    t.grouped = grouped_;
    t.grouped_messages = grouped_messages_;
    for (std::size_t k = 0; k < by_kind_.size(); ++k) {
        if (const auto n = by_kind_[k].load()) {
            const auto* field = pb::WatchEvent::descriptor()->FindFieldByNumber(int(k));
            t.kinds[field ? field->name() : "other"] += n;
        }
    }
    t.ok = state_first_ && order_ok_ && events_ >= 2;
    return t;
}

InProcessWatchers::InProcessWatchers(const std::vector<std::string>& lab_addresses,
                                     const WatchSpec& spec) {
    for (const auto& address : lab_addresses) {
        stubs_.push_back(
            pb::Lab::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())));
        watchers_.push_back(std::make_unique<Watcher>(*stubs_.back(), spec));
    }
}

bool InProcessWatchers::wait_attached() {
    return wait_until(
        [&] {
            for (const auto& w : watchers_)
                if (!w->attached()) return false;
            return true;
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(kAttachTimeout), 5ms);
}

WatchTally InProcessWatchers::tally() const {
    WatchTally t;
    for (const auto& w : watchers_)
        t.add(w->tally());
    return t;
}

WatcherProcess::WatcherProcess(const std::string& self_exe,
                               const std::vector<std::string>& lab_addresses,
                               const WatchSpec& spec) {
    int in[2], out[2];  // the child's stdin, its stdout
    if (pipe2(in, O_CLOEXEC) != 0) return;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    const std::string addresses = join(lab_addresses), batch = std::to_string(spec.max_batch);
    std::vector<const char*> argv{self_exe.c_str(),    "--watch-child", addresses.c_str(),
                                  "--max-batch",       batch.c_str(),   "--events",
                                  spec.events.c_str(), nullptr};
    if (posix_spawn(&pid_, self_exe.c_str(), &actions, nullptr, const_cast<char**>(argv.data()),
                    environ) != 0) {
        pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    to_child_ = in[1];
    from_child_ = fdopen(out[0], "r");
}

WatcherProcess::~WatcherProcess() {
    if (to_child_ >= 0) close(to_child_);
    if (from_child_) std::fclose(from_child_);
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
}

bool WatcherProcess::wait_attached() {
    // The child gives up after kAttachTimeout and says so, so this read ends.
    char line[256] = {};
    return pid_ > 0 && from_child_ && std::fgets(line, sizeof line, from_child_) &&
           std::strcmp(line, "attached\n") == 0;
}

WatchTally WatcherProcess::finish() {
    WatchTally t;
    t.ok = false;
    if (pid_ <= 0 || !from_child_) return t;
    close(to_child_);  // the child's signal to stop
    to_child_ = -1;
    char line[512];
    bool ended = false;
    while (!ended && std::fgets(line, sizeof line, from_child_)) {
        unsigned long long e, d, m, g, gm;
        int ok;
        double cpu;
        char kind[128];
        unsigned long long n;
        if (std::sscanf(line, "tally %llu %llu %llu %llu %llu %d %lf", &e, &d, &m, &g, &gm, &ok,
                        &cpu) == 7) {
            t.events = e;
            t.dropped = d;
            t.messages = m;
            t.grouped = g;
            t.grouped_messages = gm;
            t.ok = ok == 1;
            t.cpu_seconds = cpu;
        } else if (std::sscanf(line, "kind %127s %llu", kind, &n) == 2) {
            t.kinds[kind] = n;
        } else {
            ended = std::strcmp(line, "end\n") == 0;
        }
    }
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (!ended || !WIFEXITED(status) || WEXITSTATUS(status) != 0) t.ok = false;
    return t;
}

int run_watch_child(const std::vector<std::string>& lab_addresses, const WatchSpec& spec) {
    WatchTally t;
    {
        InProcessWatchers watchers(lab_addresses, spec);
        if (!watchers.wait_attached()) {
            std::printf("a Watch stream did not attach within %lld s\n",
                        static_cast<long long>(kAttachTimeout.count()));
            return 1;
        }
        std::printf("attached\n");
        std::fflush(stdout);
        // Watch until the bench closes our stdin (or dies).
        std::string ignored;
        while (std::getline(std::cin, ignored)) {
        }
        t = watchers.tally();
    }
    std::printf(
        "tally %llu %llu %llu %llu %llu %d %.6f\n", static_cast<unsigned long long>(t.events),
        static_cast<unsigned long long>(t.dropped), static_cast<unsigned long long>(t.messages),
        static_cast<unsigned long long>(t.grouped),
        static_cast<unsigned long long>(t.grouped_messages), t.ok ? 1 : 0, own_cpu_seconds());
    for (const auto& [kind, n] : t.kinds)
        std::printf("kind %s %llu\n", kind.c_str(), static_cast<unsigned long long>(n));
    std::printf("end\n");
    return 0;
}

}  // namespace raftlab::testing
