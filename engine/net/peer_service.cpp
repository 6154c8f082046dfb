#include "engine/net/peer_service.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

#include "engine/net/convert.h"
#include "engine/storage/storage.h"

namespace raftlab::net {
namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Reads the stream of Raft messages on one directed link, in order.
class MessageReader final : public grpc::ServerReadReactor<pb::PeerMessage> {
  public:
    explicit MessageReader(PeerService* service) : service_(service) { StartRead(&msg_); }

    void OnReadDone(bool ok) override {
        if (!ok) {
            Finish(grpc::Status::OK);
            return;
        }
        if (auto refusal = service_->check(msg_.header())) {
            Finish(*refusal);
            return;
        }
        service_->deliver(from_proto(msg_));
        msg_.Clear();
        StartRead(&msg_);
    }
    void OnDone() override { delete this; }

  private:
    PeerService* service_;
    pb::PeerMessage msg_;
};

// InstallSnapshot (Figure 13): verifies and stages every chunk, and only when
// the whole image is staged hands a Snapshot message to the raft loop, which
// installs it atomically.
class SnapshotReader final : public grpc::ServerReadReactor<pb::SnapshotChunk> {
  public:
    explicit SnapshotReader(PeerService* service) : service_(service) { StartRead(&chunk_); }

    void OnReadDone(bool ok) override {
        if (!ok) {
            // The sender went away before the last chunk: drop what was staged.
            Finish(grpc::Status(grpc::StatusCode::ABORTED,
                                "snapshot stream ended before the "
                                "last chunk"));
            return;
        }
        if (auto status = accept()) {
            if (!status->ok())
                spdlog::warn("[Node {}] InstallSnapshot refused: {}", service_->self(),
                             status->error_message());
            Finish(*status);
            return;
        }
        chunk_.Clear();
        StartRead(&chunk_);
    }
    void OnDone() override { delete this; }

  private:
    // nullopt to keep reading; a status to finish with.
    std::optional<grpc::Status> accept() {
        if (!stage_) {
            if (auto refusal = service_->check(chunk_.header())) return refusal;
            from_ = chunk_.header().from();
            to_ = chunk_.header().to();
            term_ = chunk_.term();
            meta_ = from_proto(chunk_.meta());
            t0_ = std::chrono::steady_clock::now();
            std::string error;
            stage_ = service_->stager() ? service_->stager()(from_, meta_, &error) : nullptr;
            if (!stage_) {
                return grpc::Status(
                    grpc::StatusCode::INTERNAL,
                    "cannot stage snapshot at index " + std::to_string(meta_.index) + ": " + error);
            }
            spdlog::info("[Node {}] InstallSnapshot from node {}: receiving index {} term {}",
                         service_->self(), from_, meta_.index, meta_.term);
        }
        if (chunk_.offset() != received_) {
            return grpc::Status(grpc::StatusCode::DATA_LOSS,
                                "snapshot chunk at offset " + std::to_string(chunk_.offset()) +
                                    ", expected " + std::to_string(received_));
        }
        if (storage::crc32c(chunk_.data()) != chunk_.crc32c()) {
            return grpc::Status(grpc::StatusCode::DATA_LOSS, "snapshot chunk at offset " +
                                                                 std::to_string(chunk_.offset()) +
                                                                 " failed its CRC-32C check");
        }
        if (!chunk_.data().empty()) {
            std::string error = stage_->write(chunk_.data());
            if (!error.empty()) return grpc::Status(grpc::StatusCode::INTERNAL, error);
        }
        received_ += chunk_.data().size();
        if (!chunk_.done()) return std::nullopt;
        if (chunk_.total_bytes() != received_) {
            return grpc::Status(grpc::StatusCode::DATA_LOSS,
                                "snapshot ended at " + std::to_string(received_) +
                                    " bytes, sender says " + std::to_string(chunk_.total_bytes()));
        }
        std::string error;
        std::string handle = stage_->finish(&error);
        if (handle.empty()) return grpc::Status(grpc::StatusCode::INTERNAL, error);
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
        spdlog::info(
            "[Node {}] InstallSnapshot from node {}: staged index {} ({} bytes in {:.2f} "
            "s), installing",
            service_->self(), from_, meta_.index, received_, secs);
        core::Message msg;
        msg.type = core::MessageType::Snapshot;
        msg.from = from_;
        msg.to = to_;
        msg.term = term_;
        msg.snapshot = core::Snapshot{meta_, std::move(handle)};
        service_->deliver(std::move(msg));
        return grpc::Status::OK;
    }

    PeerService* service_;
    pb::SnapshotChunk chunk_;
    std::unique_ptr<SnapshotStage> stage_;
    core::NodeId from_ = core::kNoNode;
    core::NodeId to_ = core::kNoNode;
    core::Term term_ = 0;
    core::SnapshotMeta meta_;
    std::uint64_t received_ = 0;
    std::chrono::steady_clock::time_point t0_;
};

}  // namespace

PeerService::PeerService(const PeerGate& gate, Deliver deliver, SnapshotStager stager)
    : gate_(gate), deliver_(std::move(deliver)), stager_(std::move(stager)) {}

std::optional<grpc::Status> PeerService::check(const pb::PeerHeader& header) {
    auto reason = gate_.refuse(header);
    if (!reason) return std::nullopt;
    ++refused_;
    // Say it once per sender every few seconds, not once per message.
    std::int64_t now = now_ms();
    std::string who = header.cluster_id() + "/" + std::to_string(header.from());
    {
        std::lock_guard lock(warn_mu_);
        auto& last = last_warn_ms_[who];
        if (now - last < 2000) return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, *reason);
        last = now;
        if (last_warn_ms_.size() > 1000) last_warn_ms_.clear();  // bounded
    }
    spdlog::warn("[Node {}] peer message {}", gate_.self(), *reason);
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, *reason);
}

grpc::ServerUnaryReactor* PeerService::unary(grpc::CallbackServerContext* ctx,
                                             const pb::PeerMessage* request) {
    auto* reactor = ctx->DefaultReactor();
    if (auto refusal = check(request->header())) {
        reactor->Finish(*refusal);
        return reactor;
    }
    deliver(from_proto(*request));
    reactor->Finish(grpc::Status::OK);
    return reactor;
}

grpc::ServerUnaryReactor* PeerService::RequestVote(grpc::CallbackServerContext* ctx,
                                                   const pb::PeerMessage* request,
                                                   pb::PeerAck* /*reply*/) {
    return unary(ctx, request);
}

grpc::ServerUnaryReactor* PeerService::TimeoutNow(grpc::CallbackServerContext* ctx,
                                                  const pb::PeerMessage* request,
                                                  pb::PeerAck* /*reply*/) {
    return unary(ctx, request);
}

grpc::ServerReadReactor<pb::PeerMessage>* PeerService::AppendEntries(
    grpc::CallbackServerContext* /*ctx*/, pb::PeerAck* /*reply*/) {
    return new MessageReader(this);
}

grpc::ServerReadReactor<pb::SnapshotChunk>* PeerService::InstallSnapshot(
    grpc::CallbackServerContext* /*ctx*/, pb::PeerAck* /*reply*/) {
    return new SnapshotReader(this);
}

}  // namespace raftlab::net
