#include "engine/lab/lab_service.h"

#include <spdlog/spdlog.h>

#include <cmath>

#include "netem/rules.h"

namespace raftlab::lab {
namespace {

constexpr std::int64_t kMs = 1'000'000;

// One Watch stream: a thin adapter between gRPC's write reactor and the
// bus's Subscriber, which owns the queue and the drop accounting.
class WatchStream : public grpc::ServerWriteReactor<pb::WatchEvent> {
  public:
    WatchStream(EventBus& bus, const pb::WatchRequest& request) : bus_(bus) {
        sub_ = bus_.make_subscriber(request, [this](const pb::WatchEvent& ev, bool more) {
            StartWrite(&ev, more ? grpc::WriteOptions().set_buffer_hint() : grpc::WriteOptions());
        });
        bus_.attach(sub_);  // only now: OnWriteDone needs sub_
    }

    void OnWriteDone(bool ok) override {
        sub_->written(ok);  // starts the next write unless the stream is closing
        if (!ok || (closing_ && !sub_->writing())) finish_once();
    }
    void OnCancel() override {
        closing_ = true;
        // A write in flight must complete before Finish: its OnWriteDone
        // finishes the stream instead.
        if (sub_->close_idle()) finish_once();
    }
    void OnDone() override {
        bus_.detach(sub_);
        delete this;
    }

  private:
    void finish_once() {
        if (!finished_.exchange(true)) Finish(grpc::Status::OK);
    }

    EventBus& bus_;
    std::shared_ptr<Subscriber> sub_;
    std::atomic<bool> closing_{false};
    std::atomic<bool> finished_{false};
};

class LabService final : public pb::Lab::CallbackService {
  public:
    LabService(LabPlane& plane, LabHost host) : plane_(plane), host_(std::move(host)) {}

    grpc::ServerWriteReactor<pb::WatchEvent>* Watch(grpc::CallbackServerContext*,
                                                    const pb::WatchRequest* request) override {
        return new WatchStream(plane_.bus(), *request);
    }

    grpc::ServerUnaryReactor* ReadLog(grpc::CallbackServerContext* ctx,
                                      const pb::ReadLogRequest* request,
                                      pb::ReadLogResponse* response) override {
        host_.read_log(*request, response);
        return done(ctx);
    }

    grpc::ServerUnaryReactor* SetLinkRules(grpc::CallbackServerContext* ctx,
                                           const pb::SetLinkRulesRequest* request,
                                           pb::LabReply* reply) override {
        // Validate everything first so a bad request changes nothing.
        std::vector<std::pair<std::uint64_t, netem::Rules>> rules;
        for (const auto& r : request->rules()) {
            netem::Rules nr;
            if (auto error = to_rules(r, &nr); !error.empty()) {
                return fail(ctx, reply,
                            "link " + std::to_string(plane_.self()) + "->" +
                                std::to_string(r.to()) + ": " + error);
            }
            if (r.to() == plane_.self() || r.to() == 0) {
                return fail(ctx, reply,
                            "link rule names node " + std::to_string(r.to()) +
                                " as destination; rules shape this node's messages to another "
                                "node, so `to` must be a peer id");
            }
            rules.emplace_back(r.to(), nr);
        }
        if (request->seed() != 0) plane_.emulator().reseed(request->seed());
        for (const auto& [to, nr] : rules) {
            plane_.emulator().set_rules({plane_.self(), to}, nr);
            const std::string what = "links " + std::to_string(plane_.self()) + "->" +
                                     std::to_string(to) + ": " +
                                     (nr.is_noop() ? "cleared" : netem::describe(nr));
            spdlog::info("[Node {}] lab: {}", plane_.self(), what);
            plane_.fault_applied(what);
        }
        return ok(ctx, reply);
    }

    grpc::ServerUnaryReactor* ClearFaults(grpc::CallbackServerContext* ctx,
                                          const pb::ClearFaultsRequest*,
                                          pb::LabReply* reply) override {
        const bool had = plane_.emulator().active() || plane_.disk_delay_ms() != 0 ||
                         plane_.clock().rate() != 1.0;
        plane_.emulator().clear();
        plane_.set_disk_delay_ms(0);
        plane_.clock().set_rate(1.0);
        if (had) {
            spdlog::info("[Node {}] lab: faults cleared (links, disk delay, clock rate 1)",
                         plane_.self());
            plane_.fault_applied("faults cleared: links, disk delay, clock rate 1");
        }
        return ok(ctx, reply);
    }

    grpc::ServerUnaryReactor* SetClock(grpc::CallbackServerContext* ctx,
                                       const pb::SetClockRequest* request,
                                       pb::LabReply* reply) override {
        const double rate = request->rate();
        if (!(rate >= 0 && rate <= netem::LabClock::kMaxRate)) {
            return fail(ctx, reply,
                        "clock rate " + std::to_string(rate) +
                            " is out of range: use 0 (frozen), " +
                            "0.1 (slow motion), 1 (real time) or up to " +
                            std::to_string(netem::LabClock::kMaxRate));
        }
        const std::int64_t at = request->at_mono_ns();
        const std::int64_t ahead = at - netem::LabClock::monotonic_now_ns();
        if (at != 0 && ahead > 10'000 * kMs) {
            return fail(ctx, reply,
                        "clock change at_mono_ns is " + std::to_string(ahead / kMs) +
                            " ms ahead; schedule it at most 10 s ahead (0 means now)");
        }
        if (at != 0 && ahead > 0) {
            plane_.clock().set_rate_at(rate, at);
            spdlog::info("[Node {}] lab: clock rate {} in {} ms", plane_.self(), rate, ahead / kMs);
        } else {
            plane_.clock().set_rate(rate);
            spdlog::info("[Node {}] lab: clock rate {}", plane_.self(), rate);
        }
        plane_.fault_applied("clock rate " + format_rate(rate));
        return ok(ctx, reply);
    }

    grpc::ServerUnaryReactor* StepClock(grpc::CallbackServerContext* ctx,
                                        const pb::StepClockRequest* request,
                                        pb::LabReply* reply) override {
        if (request->duration_ms() > 3'600'000) {
            return fail(ctx, reply,
                        "clock step of " + std::to_string(request->duration_ms()) +
                            " ms is over the 1 hour limit; step in smaller amounts");
        }
        plane_.clock().step(std::chrono::milliseconds(request->duration_ms()));
        plane_.fault_applied("clock step " + std::to_string(request->duration_ms()) + "ms");
        return ok(ctx, reply);
    }

    grpc::ServerUnaryReactor* SetDiskDelay(grpc::CallbackServerContext* ctx,
                                           const pb::SetDiskDelayRequest* request,
                                           pb::LabReply* reply) override {
        if (request->delay_ms() > 60'000) {
            return fail(ctx, reply,
                        "disk delay " + std::to_string(request->delay_ms()) +
                            " ms is over the 60000 ms limit");
        }
        plane_.set_disk_delay_ms(request->delay_ms());
        spdlog::info("[Node {}] lab: disk delay {} ms per sync", plane_.self(),
                     request->delay_ms());
        plane_.fault_applied("disk delay " + std::to_string(request->delay_ms()) + "ms");
        return ok(ctx, reply);
    }

  private:
    static std::string format_rate(double rate) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", rate);
        return buf;
    }

    grpc::ServerUnaryReactor* done(grpc::CallbackServerContext* ctx) {
        auto* reactor = ctx->DefaultReactor();
        reactor->Finish(grpc::Status::OK);
        return reactor;
    }
    grpc::ServerUnaryReactor* ok(grpc::CallbackServerContext* ctx, pb::LabReply* reply) {
        reply->set_lab_now_ns(plane_.clock().now());
        reply->set_clock_rate(plane_.clock().rate());
        return done(ctx);
    }
    grpc::ServerUnaryReactor* fail(grpc::CallbackServerContext* ctx, pb::LabReply* reply,
                                   const std::string& message) {
        reply->mutable_error()->set_code(pb::INVALID_ARGUMENT);
        reply->mutable_error()->set_message(message);
        return ok(ctx, reply);
    }

    LabPlane& plane_;
    LabHost host_;
};

}  // namespace

std::string to_rules(const pb::LinkRule& in, netem::Rules* out) {
    out->delay_ns = std::int64_t{in.delay_ms()} * kMs;
    out->jitter_ns = std::int64_t{in.jitter_ms()} * kMs;
    out->jitter =
        in.distribution() == pb::LinkRule::NORMAL ? netem::Jitter::Normal : netem::Jitter::Uniform;
    out->loss_percent = in.loss_pct();
    out->duplicate_percent = in.duplicate_pct();
    out->bandwidth_bytes_per_s = in.bandwidth_bps();
    out->cut = in.cut();
    return netem::validate(*out);
}

std::unique_ptr<grpc::Service> make_lab_service(LabPlane& plane, LabHost host) {
    return std::make_unique<LabService>(plane, std::move(host));
}

}  // namespace raftlab::lab
