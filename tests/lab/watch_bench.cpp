// raftlab-watch-bench: what watching costs (issue 5: "the stream under load
// costs less than 5% of write throughput"). One 3-node --lab cluster, a
// closed-loop write load, alternating phases without and with a Watch stream
// of every event class (heartbeats included) on every node. Prints each
// phase, the throughput ratio and the streams' dropped-event counts.
// A program for the figures, not a test.
//   raftlab-watch-bench [--clients N] [--seconds S per phase] [--rounds R]
//                       [--max-batch B (WatchRequest.max_batch; 0 = one event per message)]
//                       [--events all|few]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>

#include "lab_harness.h"

using namespace raftlab;
using namespace raftlab::testing;
using Clock = std::chrono::steady_clock;

namespace {

// Writes as fast as `clients` closed-loop clients can for `seconds`.
double write_phase(Cluster& cluster, int clients, int seconds, const std::string& tag) {
    std::atomic<long> done{0};
    const auto end = Clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            api::RemoteClient client(cluster.endpoint_list());
            for (long i = 0; Clock::now() < end && i < 10'000'000; ++i) {
                if (client.put(tag + std::to_string(c) + "/" + std::to_string(i), "value")
                        .error.ok())
                    ++done;
            }
        });
    }
    for (auto& t : threads)
        t.join();
    return done.load() / double(seconds);
}

struct Watcher {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<pb::WatchEvent>> reader;
    std::thread thread;
    std::atomic<std::uint64_t> events{0}, dropped{0};

    Watcher(pb::Lab::Stub& lab, std::uint32_t max_batch, bool all_events) {
        pb::WatchRequest req;
        req.set_include_heartbeats(all_events);
        req.set_include_messages(all_events);
        req.set_include_entries(all_events);
        req.set_include_client(all_events);
        req.set_state_interval_ms(100);
        req.set_max_batch(max_batch);
        reader = lab.Watch(&ctx, req);
        thread = std::thread([this] {
            pb::WatchEvent ev;
            while (reader->Read(&ev)) {
                if (ev.batch_size() == 0) {
                    ++events;
                    dropped += ev.dropped_before();
                }
                for (const auto& e : ev.batch()) {
                    ++events;
                    dropped += e.dropped_before();
                }
            }
        });
    }
    ~Watcher() {
        ctx.TryCancel();
        thread.join();
    }
};

}  // namespace

int main(int argc, char** argv) {
    int clients = 64, seconds = 5, rounds = 2, max_batch = 256;
    // --events few: watchers that filter out every message, entry and client
    // event, to tell the cost of building events from the cost of streaming them.
    bool all_events = true;
    for (int a = 1; a + 1 < argc; a += 2) {
        if (!std::strcmp(argv[a], "--clients"))
            clients = std::clamp(std::atoi(argv[a + 1]), 1, 2000);
        if (!std::strcmp(argv[a], "--seconds"))
            seconds = std::clamp(std::atoi(argv[a + 1]), 1, 600);
        if (!std::strcmp(argv[a], "--max-batch"))
            max_batch = std::clamp(std::atoi(argv[a + 1]), 0, 4096);
        if (!std::strcmp(argv[a], "--events")) all_events = std::strcmp(argv[a + 1], "few") != 0;
        if (!std::strcmp(argv[a], "--rounds")) rounds = std::clamp(std::atoi(argv[a + 1]), 1, 20);
    }
    LabCluster lc;
    if (!lc.start_all() || !lc.cluster().wait_leader(15s)) {
        return std::fprintf(stderr, "cluster did not start\n"), 1;
    }
    double off = 0, on = 0;
    std::uint64_t events = 0, dropped = 0;
    // Throughput drifts down as the store grows, so the phases alternate
    // (off,on then on,off: ABBA) to cancel a steady drift out of the ratio.
    auto watched_phase = [&](int r, double* rate) {
        std::vector<std::unique_ptr<Watcher>> watchers;
        for (auto id : lc.cluster().ids())
            watchers.push_back(std::make_unique<Watcher>(lc.lab(id), max_batch, all_events));
        *rate = write_phase(lc.cluster(), clients, seconds, "on" + std::to_string(r) + "/");
        std::uint64_t e = 0, d = 0;
        for (auto& w : watchers) {
            e += w->events;
            d += w->dropped;
        }
        watchers.clear();
        std::printf(
            "round %d with a watcher on every node: %.0f writes/s, %llu events streamed, %llu "
            "dropped\n",
            r + 1, *rate, static_cast<unsigned long long>(e), static_cast<unsigned long long>(d));
        events += e;
        dropped += d;
    };
    auto plain_phase = [&](int r, double* rate) {
        *rate = write_phase(lc.cluster(), clients, seconds, "off" + std::to_string(r) + "/");
        std::printf("round %d without watcher: %.0f writes/s\n", r + 1, *rate);
    };
    for (int r = 0; r < rounds; ++r) {
        double a = 0, b = 0;
        if (r % 2 == 0) {
            plain_phase(r, &a);
            watched_phase(r, &b);
        } else {
            watched_phase(r, &b);
            plain_phase(r, &a);
        }
        off += a;
        on += b;
    }
    std::printf(
        "%d clients, max_batch %d, %d x %d s per phase: %.0f writes/s without, %.0f with watchers: "
        "ratio %.3f "
        "(cost %.1f%%), %llu events, %llu dropped by the streams\n",
        clients, max_batch, rounds, seconds, off / rounds, on / rounds, on / off,
        100.0 * (1 - on / off), static_cast<unsigned long long>(events),
        static_cast<unsigned long long>(dropped));
    return 0;
}
