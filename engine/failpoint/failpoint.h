// Failpoints: named places in the engine where a test-only build can crash
// the node on purpose (kill -9 semantics: SIGKILL, no cleanup, no flush), or
// switch on a deliberately broken behaviour, to prove that recovery works and
// that the checkers notice when it does not (docs/reliability.md).
//
// Release builds compile every failpoint to nothing: the macros below expand
// to empty statements (their arguments are not even evaluated) unless
// RAFTLAB_FAILPOINTS is defined, which only the test-only binary
// raftlab-node-failpoints does (tests/failpoint/CMakeLists.txt).
// tests/failpoint/test_failpoint_release.cpp checks that raftlab-node holds
// none of the names.
//
// Arming (failpoint builds only), from the environment:
//   RAFTLAB_FAILPOINTS="log.after_append_before_sync=crash@5;storage.unsafe_no_wal=on"
//     crash     SIGKILL at the first hit
//     crash@N   SIGKILL at the Nth hit (hits counted from arming)
//     on        a switch, read with RAFTLAB_FAILPOINT_ON
//   RAFTLAB_FAILPOINTS_ARM=signal
//     counting starts only when the process receives SIGUSR2, so a test can
//     arm exactly one node of a cluster started with one environment.
// A name not in the catalogue (failpoint.cpp) or a bad action stops the node
// at start with a message naming it.
#pragma once

#if defined(RAFTLAB_FAILPOINTS)

namespace raftlab::failpoint {
void hit(const char* name);
bool on(const char* name);
}  // namespace raftlab::failpoint

#define RAFTLAB_FAILPOINT(name) ::raftlab::failpoint::hit(name)
#define RAFTLAB_FAILPOINT_IF(cond, name)           \
    do {                                           \
        if (cond) ::raftlab::failpoint::hit(name); \
    } while (0)
#define RAFTLAB_FAILPOINT_ON(name) ::raftlab::failpoint::on(name)

#else

#define RAFTLAB_FAILPOINT(name) \
    do {                        \
    } while (0)
#define RAFTLAB_FAILPOINT_IF(cond, name) \
    do {                                 \
    } while (0)
#define RAFTLAB_FAILPOINT_ON(name) false

#endif
