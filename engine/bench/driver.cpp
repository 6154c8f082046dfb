#include "engine/bench/driver.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "engine/bench/keys.h"

namespace raftlab::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Shared {
    Shared(const Options& o, const RunSpec& s) : options(o), spec(s) {}
    const Options& options;
    const RunSpec& spec;
    std::uint64_t total = 0;
    std::uint64_t key_space = 1;
    std::atomic<std::uint64_t> issued{0};
    std::atomic<std::uint64_t> completed{0};
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::condition_variable cv;
    std::size_t active = 0;  // guarded by mu
};

class Client final : public Listener {
  public:
    Client(Shared& shared, std::size_t id) : s_(shared), rng_(0x9e3779b97f4a7c15ull * (id + 1)) {
        lat_.reserve(std::min<std::uint64_t>(s_.total / s_.options.clients + 16, 1u << 20));
    }
    void attach(std::unique_ptr<Caller> caller) { caller_ = std::move(caller); }

    void next() {
        const std::uint64_t i = s_.issued.fetch_add(1);
        if (i >= s_.total || s_.stop.load(std::memory_order_relaxed)) return finish();
        const Options& o = s_.options;
        reading_ = false;
        check_ = false;
        if (s_.spec.phase == Phase::Verify) {
            reading_ = true;
            check_ = true;
            key_index_ = (*s_.spec.keys)[i];
        } else if (o.workload == Workload::Range) {
            reading_ = true;
        } else {
            key_index_ = o.sequential_keys && o.workload == Workload::Put ? i % s_.key_space
                                                                          : rng_() % s_.key_space;
            if (o.workload == Workload::Mixed) {
                reading_ = std::uniform_real_distribution<double>(0, 1)(rng_) < o.read_ratio;
                check_ = reading_;
            }
        }
        if (o.workload == Workload::Range && s_.spec.phase == Phase::Measure) {
            key_ = o.range_key;
        } else {
            make_key(key_index_, o.key_size, key_);
        }
        t0_ = Clock::now();
        if (reading_) {
            caller_->get(key_, s_.spec.phase == Phase::Verify || o.linearizable);
        } else {
            make_value(key_, o.val_size, value_);
            caller_->put(key_, value_);
        }
    }

    void on_done(OpResult& r) override {
        const auto now = Clock::now();
        std::string problem;
        if (!r.ok) {
            problem = r.error;
        } else if (check_) {
            make_value(key_, s_.options.val_size, value_);
            if (!r.found && s_.spec.phase == Phase::Verify) {
                problem = "key " + key_ + " was written but a linearizable read does not find it";
            } else if (r.found && r.value != value_) {
                problem = "key " + key_ + " holds a wrong value (" +
                          std::to_string(r.value.size()) + " bytes, starting '" +
                          r.value.substr(0, 16) + "')";
            }
        }
        if (problem.empty()) {
            lat_.push_back(std::chrono::duration<float, std::milli>(now - t0_).count());
            if (!reading_ && s_.spec.written) {
                (*s_.spec.written)[key_index_].store(1, std::memory_order_relaxed);
            }
        } else {
            ++errors_;
            if (samples_.size() < 3) samples_.push_back(std::move(problem));
        }
        s_.completed.fetch_add(1, std::memory_order_relaxed);
        last_ = now;
        next();
    }

    const std::vector<float>& latencies() const { return lat_; }
    std::uint64_t errors() const { return errors_; }
    const std::vector<std::string>& samples() const { return samples_; }
    Clock::time_point last() const { return last_; }

  private:
    void finish() {
        std::lock_guard lock(s_.mu);
        if (--s_.active == 0) s_.cv.notify_all();
    }

    Shared& s_;
    std::unique_ptr<Caller> caller_;
    std::mt19937_64 rng_;
    bool reading_ = false;
    bool check_ = false;
    std::uint64_t key_index_ = 0;
    std::string key_, value_;
    Clock::time_point t0_, last_;
    std::vector<float> lat_;
    std::uint64_t errors_ = 0;
    std::vector<std::string> samples_;
};

// "[#########           ]  45%  4,500/10,000  1,234 ops/s" on a terminal only.
void progress(const Shared& s, Clock::time_point start) {
    const double frac = s.total ? double(s.completed.load()) / double(s.total) : 1.0;
    const int width = 30;
    const int filled = static_cast<int>(std::min(1.0, frac) * width);
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("\r[%s%s] %3d%%  %llu/%llu  %.0f ops/s ", std::string(filled, '#').c_str(),
                std::string(width - filled, ' ').c_str(), static_cast<int>(frac * 100),
                static_cast<unsigned long long>(s.completed.load()),
                static_cast<unsigned long long>(s.total),
                secs > 0 ? double(s.completed.load()) / secs : 0.0);
    std::fflush(stdout);
}

}  // namespace

Measured run_load(Backend& backend, const Options& options, const RunSpec& spec) {
    Shared shared(options, spec);
    shared.total = spec.phase == Phase::Verify ? spec.keys->size() : options.total;
    shared.key_space = options.key_space_size ? options.key_space_size : options.total;
    std::vector<std::unique_ptr<Client>> clients;
    const std::size_t n = std::max<std::size_t>(1, options.clients);
    for (std::size_t i = 0; i < n; ++i) {
        clients.push_back(std::make_unique<Client>(shared, i));
        clients.back()->attach(backend.make_caller(i, clients.back().get()));
    }
    shared.active = n;
    const auto start = Clock::now();
    for (auto& c : clients)
        c->next();

    const bool tty = ::isatty(STDOUT_FILENO) == 1;
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options.max_seconds));
    Measured m;
    {
        std::unique_lock lock(shared.mu);
        while (shared.active > 0) {
            auto wake = std::min(deadline, Clock::now() + std::chrono::milliseconds(250));
            shared.cv.wait_until(lock, wake, [&] { return shared.active == 0; });
            if (shared.active == 0) break;
            if (Clock::now() >= deadline && !shared.stop) {
                // Stop issuing; calls in flight end by their own RPC deadline.
                shared.stop = true;
                m.timed_out = true;
            }
            if (tty) {
                lock.unlock();
                progress(shared, start);
                lock.lock();
            }
            if (m.timed_out &&
                Clock::now() > deadline + std::chrono::milliseconds(options.rpc_timeout_ms) +
                                   std::chrono::seconds(5)) {
                std::fprintf(stderr,
                             "raftlab-bench: %zu calls still unanswered after their deadline; "
                             "giving up\n",
                             shared.active);
                std::fflush(stdout);
                std::_Exit(3);
            }
        }
    }
    if (tty) std::printf("\r\033[K");
    Clock::time_point end = start;
    for (auto& c : clients) {
        m.latencies_ms.insert(m.latencies_ms.end(), c->latencies().begin(), c->latencies().end());
        m.errors += c->errors();
        for (const auto& e : c->samples())
            if (m.sample_errors.size() < 5) m.sample_errors.push_back(e);
        end = std::max(end, c->last());
    }
    std::sort(m.latencies_ms.begin(), m.latencies_ms.end());
    m.ops = m.latencies_ms.size();
    m.seconds = std::chrono::duration<double>(end - start).count();
    // A completion callback may still be unwinding on a gRPC thread after its
    // client said it is finished; the clients live on until exit (bounded:
    // one set per phase).
    static auto* retired = new std::vector<std::unique_ptr<Client>>();
    for (auto& c : clients)
        retired->push_back(std::move(c));
    return m;
}

}  // namespace raftlab::bench
