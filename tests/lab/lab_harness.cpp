#include "lab_harness.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>

#include "scenarios/runner/lab_client.h"

namespace raftlab::testing {
namespace {

std::string explain(const grpc::Status& s, const pb::LabReply& reply) {
    if (!s.ok()) return "RPC failed: " + s.error_message();
    if (reply.error().code() != pb::OK) return reply.error().message();
    return {};
}

constexpr auto kRpcDeadline = std::chrono::seconds(5);

void deadline(grpc::ClientContext& ctx) {
    ctx.set_deadline(std::chrono::system_clock::now() + kRpcDeadline);
}

}  // namespace

LabCluster::LabCluster(std::string extra_toml)
    : cluster_(ClusterOptions{3, std::move(extra_toml)}) {}

bool LabCluster::start_all() {
    bool ok = true;
    for (auto id : cluster_.ids())
        ok = cluster_.node(id).start({"--lab"}) && ok;
    return ok;
}

pb::Lab::Stub& LabCluster::lab(std::uint64_t id) {
    auto& stub = stubs_[id];
    if (!stub) {
        stub = pb::Lab::NewStub(
            grpc::CreateChannel(cluster_.address(id), grpc::InsecureChannelCredentials()));
    }
    return *stub;
}

std::string LabCluster::set_rules(std::uint64_t from, const std::vector<pb::LinkRule>& rules,
                                  std::uint64_t seed) {
    pb::SetLinkRulesRequest req;
    for (const auto& r : rules)
        *req.add_rules() = r;
    req.set_seed(seed);
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::LabReply reply;
    return explain(lab(from).SetLinkRules(&ctx, req, &reply), reply);
}

std::string LabCluster::isolate(std::uint64_t node) {
    std::vector<pb::LinkRule> out;
    for (auto id : cluster_.ids()) {
        if (id == node) continue;
        auto r = link_rule(id);
        r.set_cut(true);
        out.push_back(r);
        auto back = link_rule(node);
        back.set_cut(true);
        if (auto e = set_rules(id, {back}); !e.empty()) return e;
    }
    return set_rules(node, out);
}

std::string LabCluster::clear_faults(std::uint64_t id) {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::LabReply reply;
    return explain(lab(id).ClearFaults(&ctx, pb::ClearFaultsRequest(), &reply), reply);
}

std::string LabCluster::clear_all() {
    std::string errors;
    for (auto id : cluster_.ids())
        errors += clear_faults(id);
    return errors;
}

std::string LabCluster::set_clock_all(double rate) {
    const std::int64_t at = scenario::LabClient::shared_instant(cluster_.ids().size());
    std::string errors;
    for (auto id : cluster_.ids())
        errors += set_clock(id, rate, at);
    // The change is due at `at`: wait for that instant (a deadline, not a guess).
    std::this_thread::sleep_until(
        std::chrono::steady_clock::time_point(std::chrono::nanoseconds(at)));
    return errors;
}

std::string LabCluster::set_clock(std::uint64_t id, double rate, std::int64_t at_mono_ns) {
    pb::SetClockRequest req;
    req.set_rate(rate);
    req.set_at_mono_ns(at_mono_ns);
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::LabReply reply;
    return explain(lab(id).SetClock(&ctx, req, &reply), reply);
}

std::string LabCluster::step_clock(std::uint64_t id, std::uint64_t ms) {
    pb::StepClockRequest req;
    req.set_duration_ms(ms);
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::LabReply reply;
    return explain(lab(id).StepClock(&ctx, req, &reply), reply);
}

std::string LabCluster::set_disk_delay(std::uint64_t id, std::uint32_t ms) {
    pb::SetDiskDelayRequest req;
    req.set_delay_ms(ms);
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::LabReply reply;
    return explain(lab(id).SetDiskDelay(&ctx, req, &reply), reply);
}

std::vector<pb::LogEntryMeta> LabCluster::read_log(std::uint64_t id, pb::ReadLogResponse* head) {
    std::vector<pb::LogEntryMeta> out;
    std::uint64_t from = 0;
    for (int page = 0; page < 100 && out.size() < 100000; ++page) {
        pb::ReadLogRequest req;
        req.set_from(from);
        grpc::ClientContext ctx;
        deadline(ctx);
        pb::ReadLogResponse resp;
        if (!lab(id).ReadLog(&ctx, req, &resp).ok()) break;
        if (head && page == 0) *head = resp;
        for (const auto& e : resp.entries())
            out.push_back(e);
        if (!resp.more() || resp.entries().empty()) break;
        from = resp.entries().rbegin()->index() + 1;
    }
    return out;
}

std::uint64_t LabCluster::term(std::uint64_t id) {
    return cluster_.status(id).status.term();
}
std::uint64_t LabCluster::commit_index(std::uint64_t id) {
    return cluster_.status(id).status.commit_index();
}
std::uint32_t LabCluster::role(std::uint64_t id) {
    return cluster_.status(id).status.role();
}

pb::LinkRule link_rule(std::uint64_t to) {
    pb::LinkRule r;
    r.set_to(to);
    return r;
}

WatchLog::WatchLog(pb::Lab::Stub& lab, const pb::WatchRequest& request) {
    // Bounded: no test watches for longer than this.
    ctx_.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(3));
    reader_ = lab.Watch(&ctx_, request);
    thread_ = std::thread([this] {
        pb::WatchEvent carrier;
        while (reader_->Read(&carrier)) {
            std::lock_guard lock(mu_);
            if (carrier.batch_size() == 0) {
                dropped_ += carrier.dropped_before();
                events_.push_back(carrier);
            }
            for (const auto& ev : carrier.batch()) {
                dropped_ += ev.dropped_before();
                events_.push_back(ev);
            }
        }
    });
}

WatchLog::~WatchLog() {
    ctx_.TryCancel();
    thread_.join();
}

bool WatchLog::wait_attached(std::chrono::milliseconds timeout) {
    return wait_for([](const pb::WatchEvent& ev) { return ev.has_state(); }, timeout);
}

bool WatchLog::wait_for(const std::function<bool(const pb::WatchEvent&)>& match,
                        std::chrono::milliseconds timeout, pb::WatchEvent* found) {
    std::size_t looked = 0;
    return wait_until(
        [&] {
            std::lock_guard lock(mu_);
            for (; looked < events_.size(); ++looked) {
                if (match(events_[looked])) {
                    if (found) *found = events_[looked];
                    return true;
                }
            }
            return false;
        },
        timeout, 10ms);
}

std::vector<pb::WatchEvent> WatchLog::events() {
    std::lock_guard lock(mu_);
    return events_;
}

std::uint64_t WatchLog::dropped() {
    std::lock_guard lock(mu_);
    return dropped_;
}

double median_put_ms(api::RemoteClient& client, int n, const std::string& prefix) {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        auto r = client.put(prefix + std::to_string(i), "v");
        if (!r.error.ok()) return -1;
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

}  // namespace raftlab::testing
