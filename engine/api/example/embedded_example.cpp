// The embedded engine in a few lines: start a single-node engine in a data
// dir, write and read through the in-process client, stop, start again on
// the same dir and find the data still there.
//   embedded_example [DATA_DIR]      (default: a fresh temp dir)
// Exits 0 when every step did what it should.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "engine/api/engine.h"

namespace {

int failed(const char* step, const raftlab::OpError& e) {
    std::fprintf(stderr, "embedded_example: %s failed: %s\n", step, e.message.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace std::chrono_literals;
    std::filesystem::path dir;
    if (argc > 1) {
        dir = argv[1];
    } else {
        char tmpl[] = "/tmp/raftlab-embedded-XXXXXX";
        if (!mkdtemp(tmpl)) return 1;
        dir = tmpl;
    }

    {
        auto engine = raftlab::Engine::start_in_dir(dir);
        engine->on_leader_change([](raftlab::core::NodeId leader, raftlab::core::Term term) {
            std::printf("leader is now node %lu (term %lu)\n", static_cast<unsigned long>(leader),
                        static_cast<unsigned long>(term));
        });
        if (!engine->wait_ready(10s)) {
            std::fprintf(stderr, "embedded_example: no leader within 10 s\n");
            return 1;
        }
        std::printf("ready: node %lu at %s, leader: %s\n",
                    static_cast<unsigned long>(engine->node_id()), engine->address().c_str(),
                    engine->is_leader() ? "yes" : "no");

        auto& kv = engine->client();
        if (auto r = kv.put("fruit/apple", "red"); !r.error.ok()) return failed("put", r.error);
        if (auto r = kv.put("fruit/banana", "yellow"); !r.error.ok()) return failed("put", r.error);
        auto swapped = kv.compare_and_swap("fruit/apple", "red", "green");
        if (!swapped.error.ok() || !swapped.succeeded) return failed("cas", swapped.error);
        auto refused = kv.compare_and_swap("fruit/apple", "red", "blue");
        if (refused.succeeded) {
            std::fprintf(stderr, "embedded_example: cas with a stale expected value succeeded\n");
            return 1;
        }
        auto apple = kv.get("fruit/apple");  // linearizable by default
        if (!apple.error.ok() || apple.value != std::string("green")) {
            return failed("get", apple.error);
        }
        auto lease = kv.get("fruit/banana", raftlab::Consistency::Lease);
        if (!lease.error.ok() || lease.value != std::string("yellow")) {
            return failed("lease get", lease.error);
        }
        if (auto r = kv.del("fruit/banana"); !r.error.ok()) return failed("delete", r.error);
        auto fruit = kv.scan("fruit/");
        if (!fruit.error.ok() || fruit.items.size() != 1) return failed("scan", fruit.error);
        for (const auto& item : fruit.items) {
            std::printf("%s = %s\n", item.key.c_str(), item.value.c_str());
        }
        engine->stop();
    }

    // Same dir again: the data survived the restart.
    auto engine = raftlab::Engine::start_in_dir(dir);
    if (!engine->wait_ready(10s)) {
        std::fprintf(stderr, "embedded_example: no leader after restart\n");
        return 1;
    }
    auto apple = engine->client().get("fruit/apple", raftlab::Consistency::Eventual);
    if (apple.value != std::string("green")) {
        std::fprintf(stderr, "embedded_example: fruit/apple lost across restart\n");
        return 1;
    }
    std::printf("after restart: fruit/apple = %s\nembedded example OK\n", apple.value->c_str());
    engine->stop();
    if (argc <= 1) std::filesystem::remove_all(dir);
    return 0;
}
