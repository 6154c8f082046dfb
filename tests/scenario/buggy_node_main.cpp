// raftlab-node-buggy: raftlab-node with the core's test-only bug switches.
//   raftlab-node-buggy --bug stale_local_read --config n1.toml --lab
// Built only for tests (never installed). It is raftlab-node itself
// (engine/server/main.cpp, compiled here with its main renamed) linked with
// raftlab_core_testing; this wrapper takes the --bug flags off the command
// line, sets them for every Raft in the process, and hands the rest over.
// It exists so that a checker can be shown to catch a broken node: the
// paused-leader scenario's linearizability verdict must be `illegal` here.
#undef main

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "engine/core/raft.h"

int raftlab_node_main(int argc, char** argv);

namespace {

// Names as in engine/core/raft.h (Bugs).
bool set_bug(raftlab::core::Bugs& bugs, const std::string& name) {
    if (name == "stale_local_read") return bugs.stale_local_read = true;
    if (name == "commit_old_term") return bugs.commit_old_term = true;
    if (name == "double_vote") return bugs.double_vote = true;
    if (name == "no_truncate") return bugs.no_truncate = true;
    if (name == "learner_in_quorum") return bugs.learner_in_quorum = true;
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    raftlab::core::Bugs bugs;
    std::vector<char*> rest{argv[0]};
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        std::string name;
        if (arg == "--bug" && i + 1 < argc) {
            name = argv[++i];
        } else if (arg.rfind("--bug=", 0) == 0) {
            name = arg.substr(6);
        } else {
            rest.push_back(argv[i]);
            continue;
        }
        if (!set_bug(bugs, name)) {
            std::fprintf(stderr,
                         "raftlab-node-buggy: unknown --bug \"%s\"; use stale_local_read, "
                         "commit_old_term, double_vote, no_truncate or learner_in_quorum\n",
                         name.c_str());
            return 1;
        }
        std::fprintf(stderr, "raftlab-node-buggy: test-only bug %s is ON\n", name.c_str());
    }
    raftlab::core::set_process_bugs(bugs);
    rest.push_back(nullptr);
    return raftlab_node_main(static_cast<int>(rest.size()) - 1, rest.data());
}
