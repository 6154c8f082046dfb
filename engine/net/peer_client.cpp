#include "engine/net/peer_client.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "engine/net/channel.h"
#include "engine/net/convert.h"
#include "engine/storage/storage.h"

namespace raftlab::net {
namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Votes must be answered well within an election timeout to be useful.
constexpr auto kUnaryDeadline = std::chrono::milliseconds(500);

}  // namespace

PeerClient::PeerClient(PeerClientOptions options, SnapshotOpener opener)
    : options_(std::move(options)), opener_(std::move(opener)) {
    channel_ = make_channel(options_.address, options_.credentials);
    stub_ = pb::RaftPeer::NewStub(channel_);
    thread_ = std::thread([this] { run(); });
}

PeerClient::~PeerClient() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        if (active_ctx_) active_ctx_->TryCancel();
        if (snapshot_ctx_) snapshot_ctx_->TryCancel();
    }
    cv_.notify_all();
    thread_.join();
    if (snapshot_thread_.joinable()) snapshot_thread_.join();
}

void PeerClient::send(core::Message msg) {
    {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        if (queue_.size() >= options_.max_queued) {
            ++dropped_;
            return;
        }
        queue_.push_back(std::move(msg));
    }
    cv_.notify_one();
}

std::uint64_t PeerClient::dropped() const {
    std::lock_guard lock(mu_);
    return dropped_;
}

void PeerClient::sever() {
    std::lock_guard lock(mu_);
    if (active_ctx_) active_ctx_->TryCancel();
    if (snapshot_ctx_) snapshot_ctx_->TryCancel();
}

void PeerClient::run() {
    std::deque<core::Message> batch;
    for (;;) {
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) break;
            batch.swap(queue_);
        }
        for (auto& msg : batch)
            transmit(msg);
        batch.clear();
    }
    close_stream();
}

void PeerClient::transmit(const core::Message& msg) {
    if (msg.type == core::MessageType::Snapshot) {
        start_snapshot(msg);
        return;
    }
    pb::PeerMessage pm;
    to_proto(msg, options_.cluster_id, &pm);
    if (msg.type == core::MessageType::Vote || msg.type == core::MessageType::PreVote ||
        msg.type == core::MessageType::TimeoutNow) {
        transmit_unary(msg, pm);
    } else {
        transmit_stream(pm);
    }
}

void PeerClient::transmit_unary(const core::Message& msg, const pb::PeerMessage& pm) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kUnaryDeadline);
    {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        active_ctx_ = &ctx;
    }
    pb::PeerAck ack;
    grpc::Status status = msg.type == core::MessageType::TimeoutNow
                              ? stub_->TimeoutNow(&ctx, pm, &ack)
                              : stub_->RequestVote(&ctx, pm, &ack);
    {
        std::lock_guard lock(mu_);
        active_ctx_ = nullptr;
    }
    if (!status.ok()) warn_unreachable(core::to_string(msg.type), status);
}

void PeerClient::transmit_stream(const pb::PeerMessage& pm) {
    if (!stream_) {
        auto ctx = std::make_unique<grpc::ClientContext>();
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
            active_ctx_ = ctx.get();
        }
        stream_ack_.Clear();
        stream_ = stub_->AppendEntries(ctx.get(), &stream_ack_);
        stream_ctx_ = std::move(ctx);
    }
    if (!stream_->Write(pm)) close_stream();
}

void PeerClient::close_stream() {
    if (!stream_) return;
    stream_->WritesDone();
    grpc::Status status = stream_->Finish();
    {
        std::lock_guard lock(mu_);
        active_ctx_ = nullptr;
    }
    stream_.reset();
    stream_ctx_.reset();
    if (!status.ok()) warn_unreachable("AppendEntries stream", status);
}

void PeerClient::warn_unreachable(const std::string& what, const grpc::Status& status) {
    // A dead peer fails every call; say so once every few seconds, not per message.
    std::int64_t now = now_ms();
    if (now - last_warn_ms_ < 5000) return;
    last_warn_ms_ = now;
    if (status.error_code() == grpc::StatusCode::CANCELLED) return;
    spdlog::warn("[Node {}] {} to node {} at {} failed: {} (code {}); will retry", options_.self,
                 what, options_.peer, options_.address, status.error_message(),
                 static_cast<int>(status.error_code()));
}

void PeerClient::start_snapshot(const core::Message& msg) {
    std::lock_guard lock(mu_);
    if (stopping_ || snapshot_running_) return;  // the leader re-sends if this one is lost
    if (snapshot_thread_.joinable()) snapshot_thread_.join();  // finished already
    snapshot_running_ = true;
    snapshot_thread_ = std::thread([this, msg] { stream_snapshot(msg); });
}

void PeerClient::stream_snapshot(core::Message msg) {
    std::string error;
    auto image = opener_ ? opener_(options_.peer, msg.snapshot->meta, &error) : nullptr;
    if (!image) {
        spdlog::error("[Node {}] cannot send snapshot at index {} to node {}: {}", options_.self,
                      msg.snapshot->meta.index, options_.peer,
                      error.empty() ? "no snapshot source" : error);
        std::lock_guard lock(mu_);
        snapshot_running_ = false;
        return;
    }
    grpc::ClientContext ctx;
    {
        std::lock_guard lock(mu_);
        if (stopping_) {
            snapshot_running_ = false;
            return;
        }
        snapshot_ctx_ = &ctx;
    }
    const core::SnapshotMeta& meta = image->meta();
    pb::PeerAck ack;
    auto writer = stub_->InstallSnapshot(&ctx, &ack);
    auto t0 = std::chrono::steady_clock::now();
    std::uint64_t offset = 0;
    bool ok = true;
    pb::SnapshotChunk chunk;
    auto* h = chunk.mutable_header();
    h->set_cluster_id(options_.cluster_id);
    h->set_from(options_.self);
    h->set_to(options_.peer);
    chunk.set_term(msg.term);
    to_proto(meta, chunk.mutable_meta());
    std::string data;
    for (;;) {
        data.clear();
        bool more = image->next(&data);
        if (!more && !image->error().empty()) {
            spdlog::error("[Node {}] reading snapshot {} for node {} failed: {}", options_.self,
                          meta.index, options_.peer, image->error());
            ok = false;
            break;
        }
        chunk.set_offset(offset);
        chunk.set_crc32c(storage::crc32c(data));
        offset += data.size();
        chunk.set_data(std::move(data));
        chunk.set_done(!more);
        if (!more) chunk.set_total_bytes(offset);
        if (!writer->Write(chunk)) {
            ok = false;
            break;
        }
        if (!more) break;
        // Only the first chunk carries the metadata.
        chunk.clear_meta();
        data = std::string();
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (ok && status.ok()) {
        spdlog::info(
            "[Node {}] InstallSnapshot sent to node {}: index {} term {}, {} bytes in "
            "{:.2f} s",
            options_.self, options_.peer, meta.index, meta.term, offset, secs);
    } else {
        spdlog::warn("[Node {}] InstallSnapshot to node {} at {} failed after {} bytes: {}",
                     options_.self, options_.peer, options_.address, offset,
                     status.ok() ? std::string("write failed") : status.error_message());
    }
    std::lock_guard lock(mu_);
    snapshot_ctx_ = nullptr;
    snapshot_running_ = false;
}

}  // namespace raftlab::net
