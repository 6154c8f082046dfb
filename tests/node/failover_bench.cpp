// raftlab-failover-bench: how long are writes unavailable when the leader
// dies? Starts a 3-node cluster with default settings, keeps one writer
// busy, and kill -9s the leader N times (restarting it and letting it catch
// up in between). For each kill it measures the unavailability window: the
// last acknowledged write before the kill to the first acknowledged write
// after it. Prints every window and p50 / p99 / max.
//   raftlab-failover-bench [--kills N]       (default 10)
// Exits non-zero if a kill is never recovered from or an acknowledged write
// is missing at the end; the figures themselves are not asserted.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;
using Clock = std::chrono::steady_clock;

namespace {

struct Ack {
    int i;
    Clock::time_point at;
    std::string served_by;  // endpoint that acknowledged it
};

class Writer {
  public:
    explicit Writer(std::vector<std::string> endpoints) : endpoints_(std::move(endpoints)) {
        thread_ = std::thread([this] { run(); });
    }
    ~Writer() { stop(); }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    std::vector<Ack> acks() {
        std::lock_guard lock(mu_);
        return acks_;
    }
    std::size_t count() {
        std::lock_guard lock(mu_);
        return acks_.size();
    }

  private:
    void run() {
        api::RemoteOptions ro;
        ro.timeout = 2s;
        ro.attempt_timeout = 300ms;
        api::RemoteClient client(endpoints_, ro);
        auto end = Clock::now() + 15min;  // bounded in time and count
        for (int i = 0; i < 2'000'000 && !stop_ && Clock::now() < end;) {
            auto r = client.put("b/" + std::to_string(i), "v" + std::to_string(i));
            if (!r.error.ok()) continue;
            std::lock_guard lock(mu_);
            acks_.push_back({i, Clock::now(), client.last_endpoint()});
            ++i;
        }
    }
    std::vector<std::string> endpoints_;
    std::atomic<bool> stop_{false};
    std::mutex mu_;
    std::vector<Ack> acks_;
    std::thread thread_;
};

double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    if (v.empty()) return 0;
    std::size_t k = static_cast<std::size_t>(p * (v.size() - 1) + 0.5);
    return v[std::min(k, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    int kills = 10;
    for (int a = 1; a < argc; ++a) {
        if (std::strcmp(argv[a], "--kills") == 0 && a + 1 < argc) kills = std::atoi(argv[++a]);
    }
    if (kills < 1) kills = 1;

    Cluster cluster;
    if (!cluster.start_all()) return std::fprintf(stderr, "cannot start nodes\n"), 1;
    if (!cluster.wait_leader(10s)) return std::fprintf(stderr, "no first leader\n"), 1;
    std::printf("3-node cluster in %s, default [raft] settings; %d kills of the leader\n",
                cluster.dir().c_str(), kills);

    Writer writer(cluster.endpoint_list());
    std::vector<double> windows;
    for (int k = 0; k < kills; ++k) {
        auto leader = cluster.wait_leader(10s);
        if (!leader) return std::fprintf(stderr, "kill %d: no leader\n", k + 1), 1;
        // Let the writer run steadily before the kill.
        std::size_t base = writer.count();
        if (!wait_until([&] { return writer.count() >= base + 100; }, 20s)) {
            return std::fprintf(stderr, "kill %d: writer stalled before the kill\n", k + 1), 1;
        }
        // kill9() returns once the process is reaped: nothing it does can
        // be acknowledged later, except replies already on the wire. Those
        // are not failover, so the window ends at the first ack from
        // another node.
        cluster.node(*leader).kill9();
        auto kill_at = Clock::now();
        std::string dead = cluster.address(*leader);
        auto after = [&]() -> std::optional<Clock::time_point> {
            auto acks = writer.acks();
            std::optional<Clock::time_point> first;
            for (auto it = acks.rbegin(); it != acks.rend() && it->at > kill_at; ++it) {
                if (it->served_by != dead) first = it->at;
            }
            return first;
        };
        if (!wait_until([&] { return after().has_value(); }, 15s)) {
            return std::fprintf(stderr, "kill %d: no write acknowledged within 15 s\n", k + 1), 1;
        }
        auto acks = writer.acks();
        Clock::time_point last_before = acks.front().at;
        for (const auto& a : acks) {
            if (a.served_by == dead && a.at <= *after()) last_before = a.at;
        }
        double window = ms(*after() - last_before);
        windows.push_back(window);
        auto next = cluster.wait_leader(5s, *leader);
        std::printf("kill %2d: leader %lu killed, new leader %lu, unavailable for %7.1f ms\n",
                    k + 1, static_cast<unsigned long>(*leader),
                    static_cast<unsigned long>(next.value_or(0)), window);
        std::fflush(stdout);

        // Restart the old leader and let it catch up before the next kill,
        // so every kill starts from a full 3-node cluster.
        cluster.node(*leader).start();
        bool caught_up = wait_until(
            [&] {
                auto s = cluster.status(*leader);
                auto l = cluster.status(next.value_or(0));
                return s.error.ok() && l.error.ok() &&
                       s.status.applied_index() + 50 >= l.status.commit_index();
            },
            20s);
        if (!caught_up) {
            return std::fprintf(stderr, "kill %d: node %lu did not catch up after restart\n", k + 1,
                                static_cast<unsigned long>(*leader)),
                   1;
        }
    }
    writer.stop();

    // Correctness: every acknowledged write is present.
    auto acks = writer.acks();
    auto r = cluster.client().scan("b/", 10'000'000, api::Consistency::Linearizable);
    if (!r.error.ok()) return std::fprintf(stderr, "final scan: %s\n", r.error.message.c_str()), 1;
    std::map<std::string, std::string> have;
    for (auto& kv : r.items)
        have[kv.key] = kv.value;
    std::size_t lost = 0;
    for (const auto& a : acks) {
        auto it = have.find("b/" + std::to_string(a.i));
        if (it == have.end() || it->second != "v" + std::to_string(a.i)) ++lost;
    }
    std::printf(
        "\nunavailability window over %zu kills: p50 %.1f ms, p99 %.1f ms, max %.1f ms "
        "(goal: p50 <= 600 ms, p99 <= 1000 ms)\n",
        windows.size(), percentile(windows, 0.5), percentile(windows, 0.99),
        *std::max_element(windows.begin(), windows.end()));
    std::printf("acknowledged writes: %zu, missing after all kills: %zu\n", acks.size(), lost);
    return lost == 0 ? 0 : 1;
}
