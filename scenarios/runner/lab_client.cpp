#include "scenarios/runner/lab_client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "scenarios/runner/channel.h"

namespace raftlab::scenario {

namespace {

void deadline(grpc::ClientContext& ctx, int ms = 2000) {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
}

}  // namespace

LabClient::LabClient(std::uint64_t node, std::string address)
    : node_(node), address_(std::move(address)), stub_(pb::Lab::NewStub(lab_channel(address_))) {}

std::string LabClient::explain(const grpc::Status& status, const char* rpc) const {
    const std::string who = "node " + std::to_string(node_);
    if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED ||
        status.error_code() == grpc::StatusCode::UNAVAILABLE) {
        return who + " has no Lab service at " + address_ + " (Lab." + rpc + ": " +
               status.error_message() +
               "): start it with --lab and a [lab] address; this raftlab-node may not "
               "implement the lab plane yet (issue 5)";
    }
    return who + ": Lab." + rpc + " failed: " + status.error_message();
}

std::string LabClient::set_link_rules(const std::vector<pb::LinkRule>& rules, std::uint64_t seed) {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::SetLinkRulesRequest req;
    for (const auto& r : rules)
        *req.add_rules() = r;
    req.set_seed(seed);
    pb::LabReply reply;
    auto st = stub_->SetLinkRules(&ctx, req, &reply);
    if (!st.ok()) return explain(st, "SetLinkRules");
    if (reply.error().code() != pb::OK) return reply.error().message();
    return {};
}

std::string LabClient::clear_faults() {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::LabReply reply;
    auto st = stub_->ClearFaults(&ctx, pb::ClearFaultsRequest{}, &reply);
    if (!st.ok()) return explain(st, "ClearFaults");
    return reply.error().code() == pb::OK ? std::string() : reply.error().message();
}

std::string LabClient::set_clock(double rate, std::int64_t at_mono_ns) {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::SetClockRequest req;
    req.set_rate(rate);
    req.set_at_mono_ns(at_mono_ns);
    pb::LabReply reply;
    auto st = stub_->SetClock(&ctx, req, &reply);
    if (!st.ok()) return explain(st, "SetClock");
    return reply.error().code() == pb::OK ? std::string() : reply.error().message();
}

std::int64_t LabClient::shared_instant(std::size_t nodes) {
    if (nodes < 2) return 0;
    // 300 ms covers a round of calls on a loaded machine; a node whose call
    // arrives later still changes at once, only not with the others. libstdc++'s
    // steady_clock is CLOCK_MONOTONIC, the clock the nodes' LabClock reads.
    constexpr auto kLead = std::chrono::milliseconds(300);
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               (std::chrono::steady_clock::now() + kLead).time_since_epoch())
        .count();
}

std::string LabClient::step_clock(std::uint64_t ms) {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::StepClockRequest req;
    req.set_duration_ms(ms);
    pb::LabReply reply;
    auto st = stub_->StepClock(&ctx, req, &reply);
    if (!st.ok()) return explain(st, "StepClock");
    return reply.error().code() == pb::OK ? std::string() : reply.error().message();
}

std::string LabClient::set_disk_delay(std::uint32_t ms) {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::SetDiskDelayRequest req;
    req.set_delay_ms(ms);
    pb::LabReply reply;
    auto st = stub_->SetDiskDelay(&ctx, req, &reply);
    if (!st.ok()) return explain(st, "SetDiskDelay");
    return reply.error().code() == pb::OK ? std::string() : reply.error().message();
}

std::string LabClient::read_log(std::vector<pb::LogEntryMeta>& out, LogBounds& bounds,
                                std::uint64_t max_entries) {
    out.clear();
    std::uint64_t from = 1;
    // Bounded: one page per call, at most max_entries in all.
    for (int page = 0; page < 10000 && out.size() < max_entries; ++page) {
        grpc::ClientContext ctx;
        deadline(ctx, 5000);
        pb::ReadLogRequest req;
        req.set_from(from);
        pb::ReadLogResponse resp;
        auto st = stub_->ReadLog(&ctx, req, &resp);
        if (!st.ok()) return explain(st, "ReadLog");
        if (resp.error().code() != pb::OK) return resp.error().message();
        if (page == 0) {
            bounds.first_index = resp.first_index();
            bounds.last_index = resp.last_index();
            bounds.commit_index = resp.commit_index();
            bounds.snapshot_index = resp.snapshot_index();
            bounds.snapshot_term = resp.snapshot_term();
        }
        for (const auto& e : resp.entries())
            out.push_back(e);
        if (!resp.more() || resp.entries().empty()) return {};
        from = resp.entries(resp.entries_size() - 1).index() + 1;
    }
    return {};
}

std::string LabClient::probe() {
    return clear_faults();
}

}  // namespace raftlab::scenario
