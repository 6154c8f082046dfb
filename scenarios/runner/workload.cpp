#include "scenarios/runner/workload.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <random>

#include "scenarios/runner/channel.h"
#include "scenarios/runner/kv_call.h"

namespace raftlab::scenario {

using Clock = std::chrono::steady_clock;

Workload::Workload(std::map<std::uint64_t, std::string> endpoints, WorkloadOptions options,
                   HistoryRecorder& recorder)
    : endpoints_(std::move(endpoints)), options_(options), recorder_(recorder) {}

Workload::~Workload() {
    stop();
}

void Workload::start() {
    stop_ = false;
    running_ = options_.clients;
    for (int c = 0; c < options_.clients; ++c) {
        threads_.emplace_back([this, c] { client_loop(c + 1); });
    }
}

void Workload::stop() {
    stop_ = true;
    for (auto& t : threads_)
        t.join();
    threads_.clear();
}

bool Workload::done() const {
    return running_ == 0;
}

void Workload::client_loop(int client) {
    // Client 0 is the scenario's own put/get steps; workload clients are 1..N.
    std::mt19937_64 rng(options_.seed * 7919 + static_cast<std::uint64_t>(client));
    std::map<std::uint64_t, std::unique_ptr<pb::KV::Stub>> stubs;
    std::vector<std::uint64_t> ids;
    for (const auto& [id, addr] : endpoints_) {
        stubs[id] = pb::KV::NewStub(lab_channel(addr));
        ids.push_back(id);
    }
    std::uint64_t target = ids[rng() % ids.size()];
    std::map<std::string, std::optional<std::string>> last_seen;  // for CAS expectations
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    const auto begin = Clock::now();
    const auto end = options_.duration_ms ? begin + std::chrono::milliseconds(options_.duration_ms)
                                          : Clock::time_point::max();
    auto next = begin;
    std::uint64_t seq = 0;
    while (!stop_ && Clock::now() < end) {
        if (issued_.fetch_add(1) >= options_.max_ops) break;
        if (options_.rate > 0) {
            next += std::chrono::microseconds(static_cast<std::int64_t>(1e6 / options_.rate));
            while (!stop_ && Clock::now() < next) {
                std::this_thread::sleep_for(
                    std::min<Clock::duration>(next - Clock::now(), std::chrono::milliseconds(20)));
            }
            if (stop_) break;
        }
        lincheck::Operation op;
        op.client = static_cast<std::uint64_t>(client);
        op.key = key_name(static_cast<int>(rng() % static_cast<std::uint64_t>(options_.keys)));
        const double roll = coin(rng);
        if (roll < options_.read_fraction) {
            op.kind = lincheck::OpKind::Get;
        } else if (roll < options_.read_fraction + options_.cas_fraction) {
            op.kind = lincheck::OpKind::Cas;
            op.expected = last_seen[op.key];
            op.value = "c" + std::to_string(client) + "-" + std::to_string(++seq);
        } else {
            op.kind = lincheck::OpKind::Put;
            op.value = "c" + std::to_string(client) + "-" + std::to_string(++seq);
        }
        const std::uint64_t id = recorder_.invoke(op, target);
        CallResult r = call_kv(*stubs[target], op, 0, options_.op_timeout_ms);
        recorder_.complete(id, r.outcome, r.value, r.swapped, r.error);
        if (r.outcome == lincheck::Outcome::Ok) {
            if (op.kind == lincheck::OpKind::Get) last_seen[op.key] = r.value;
            if (op.kind == lincheck::OpKind::Put || r.swapped) last_seen[op.key] = op.value;
        }
        if (r.retry_elsewhere) {
            if (r.leader_hint && stubs.count(r.leader_hint)) {
                target = r.leader_hint;
            } else {
                // No hint: an election is on or the node is gone. Try the next
                // node after a short pause, so a leaderless cluster is not
                // hammered by a tight loop.
                auto it = std::find(ids.begin(), ids.end(), target);
                target = ids[(static_cast<std::size_t>(it - ids.begin()) + 1) % ids.size()];
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }
    }
    --running_;
}

}  // namespace raftlab::scenario
