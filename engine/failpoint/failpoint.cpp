// The failpoint registry of the test-only node build (see failpoint.h).
// Compiled only into raftlab-node-failpoints, never into raftlab-node.
#include "engine/failpoint/failpoint.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace raftlab::failpoint {
namespace {

// The catalogue: every point the engine defines. docs/reliability.md lists
// where each one is and what a crash there leaves on disk.
constexpr const char* kNames[] = {
    "log.after_append_before_sync",  // storage: Ready batch built, not yet written+synced
    "log.after_sync_before_ack",     // raft loop: entries synced, acks/votes not yet sent
    "snapshot.mid_send",             // leader: InstallSnapshot stream open, chunk N being read
    "snapshot.mid_receive",          // follower: a chunk staged, the stream not finished
    "snapshot.mid_install",          // follower: staged image flushed, switch batch not written
    "config.after_append_before_commit",  // a configuration entry synced, not yet committed
    "log.mid_compaction",                 // snapshot recorded, log entries not yet deleted
    "apply.mid",                          // entries applied to the KV state, clients not answered
    "storage.unsafe_no_wal",              // switch: BROKEN on purpose, log writes skip the WAL
};
constexpr int kCount = sizeof(kNames) / sizeof(kNames[0]);

enum class Action { None, Crash, On };

struct Point {
    Action action = Action::None;
    long at = 1;
    std::atomic<long> hits{0};
};

Point g_points[kCount];
std::atomic<bool> g_armed{true};

int index_of(const char* name) {
    for (int i = 0; i < kCount; ++i) {
        if (std::strcmp(kNames[i], name) == 0) return i;
    }
    return -1;
}

void on_arm_signal(int) {
    g_armed.store(true);
    static const char msg[] = "failpoints armed by SIGUSR2\n";
    ssize_t n = ::write(2, msg, sizeof msg - 1);
    (void)n;
}

[[noreturn]] void bad_spec(const std::string& why) {
    std::string names;
    for (const char* n : kNames)
        names += std::string(names.empty() ? "" : ", ") + n;
    std::fprintf(stderr,
                 "RAFTLAB_FAILPOINTS: %s; write name=crash, name=crash@N or name=on, separated "
                 "by ';', with names from: %s\n",
                 why.c_str(), names.c_str());
    std::_Exit(2);
}

// Parses the environment once, at program start (before main), so a bad
// spec stops the node before it touches its data.
struct Init {
    Init() {
        const char* spec = std::getenv("RAFTLAB_FAILPOINTS");
        if (const char* arm = std::getenv("RAFTLAB_FAILPOINTS_ARM")) {
            if (std::strcmp(arm, "signal") != 0) {
                bad_spec("RAFTLAB_FAILPOINTS_ARM=" + std::string(arm) +
                         " is not understood (only 'signal')");
            }
            g_armed.store(false);
            struct sigaction sa {};
            sa.sa_handler = on_arm_signal;
            ::sigemptyset(&sa.sa_mask);
            ::sigaction(SIGUSR2, &sa, nullptr);
        }
        if (!spec || !*spec) return;
        std::string all(spec);
        std::size_t pos = 0;
        while (pos <= all.size()) {
            std::size_t end = all.find_first_of(";,", pos);
            if (end == std::string::npos) end = all.size();
            std::string item = all.substr(pos, end - pos);
            pos = end + 1;
            if (item.empty()) continue;
            const auto eq = item.find('=');
            if (eq == std::string::npos) bad_spec("'" + item + "' has no '='");
            const std::string name = item.substr(0, eq);
            std::string action = item.substr(eq + 1);
            const int i = index_of(name.c_str());
            if (i < 0) bad_spec("unknown failpoint '" + name + "'");
            long at = 1;
            if (const auto at_pos = action.find('@'); at_pos != std::string::npos) {
                char* endp = nullptr;
                at = std::strtol(action.c_str() + at_pos + 1, &endp, 10);
                if (at < 1 || !endp || *endp) bad_spec("'" + item + "': @N needs N >= 1");
                action.resize(at_pos);
            }
            if (action == "crash") {
                g_points[i].action = Action::Crash;
            } else if (action == "on") {
                g_points[i].action = Action::On;
            } else {
                bad_spec("'" + item + "': unknown action '" + action + "'");
            }
            g_points[i].at = at;
            std::fprintf(stderr, "failpoint %s armed: %s@%ld%s\n", name.c_str(), action.c_str(), at,
                         g_armed.load() ? "" : " (counting after SIGUSR2)");
        }
    }
} g_init;

}  // namespace

void hit(const char* name) {
    const int i = index_of(name);
    if (i < 0 || g_points[i].action != Action::Crash || !g_armed.load()) return;
    const long n = g_points[i].hits.fetch_add(1) + 1;
    if (n != g_points[i].at) return;
    char line[160];
    int len = std::snprintf(line, sizeof line, "failpoint %s fired at hit %ld: SIGKILL\n", name, n);
    ssize_t w = ::write(2, line, static_cast<std::size_t>(len));
    (void)w;
    ::raise(SIGKILL);
}

bool on(const char* name) {
    const int i = index_of(name);
    return i >= 0 && g_points[i].action == Action::On && g_armed.load();
}

}  // namespace raftlab::failpoint
