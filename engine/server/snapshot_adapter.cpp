#include "engine/server/snapshot_adapter.h"

#include "engine/failpoint/failpoint.h"

namespace raftlab::server {
namespace {

class Image final : public net::SnapshotImage {
  public:
    explicit Image(std::unique_ptr<storage::SnapshotReader> reader) : reader_(std::move(reader)) {}

    const core::SnapshotMeta& meta() const override { return reader_->meta(); }

    bool next(std::string* chunk) override {
        RAFTLAB_FAILPOINT("snapshot.mid_send");
        if (done_) return false;
        try {
            auto c = reader_->next();
            if (!c) {
                done_ = true;
                return false;
            }
            *chunk = storage::encode_chunk(*c);
            if (c->last) done_ = true;
            return true;
        } catch (const std::exception& e) {
            error_ = e.what();
            done_ = true;
            return false;
        }
    }

    std::string error() const override { return error_; }

  private:
    std::unique_ptr<storage::SnapshotReader> reader_;
    bool done_ = false;
    std::string error_;
};

class Stage final : public net::SnapshotStage {
  public:
    Stage(std::unique_ptr<storage::SnapshotWriter> writer, std::mutex& slot_mu,
          std::unique_ptr<storage::SnapshotWriter>& slot)
        : writer_(std::move(writer)), slot_mu_(slot_mu), slot_(slot) {}

    std::string write(const std::string& bytes) override {
        std::string error;
        auto chunk = storage::decode_chunk(bytes, &error);
        if (!chunk) return "bad snapshot chunk: " + error;
        try {
            writer_->accept(*chunk);
            RAFTLAB_FAILPOINT("snapshot.mid_receive");
        } catch (const std::exception& e) {
            return e.what();
        }
        return {};
    }

    std::string finish(std::string* error) override {
        if (!writer_->complete()) {
            *error = "the stream ended before storage saw the last chunk";
            return {};
        }
        // New stages are created under slot_mu_ too, so either this image is
        // still the staged one and takes the slot (newer streams are then
        // refused until it is installed or dropped), or a newer stream already
        // superseded it and it must not reach the raft loop.
        std::lock_guard lock(slot_mu_);
        if (!writer_->is_current()) {
            *error = "a newer snapshot stream superseded this one";
            return {};
        }
        std::string handle = writer_->handle();
        slot_ = std::move(writer_);
        return handle;
    }

  private:
    std::unique_ptr<storage::SnapshotWriter> writer_;
    std::mutex& slot_mu_;
    std::unique_ptr<storage::SnapshotWriter>& slot_;
};

}  // namespace

std::unique_ptr<net::SnapshotImage> open_snapshot_image(const storage::Storage& store,
                                                        std::size_t chunk_bytes) {
    return std::make_unique<Image>(store.read_snapshot(chunk_bytes));
}

std::unique_ptr<net::SnapshotStage> stage_snapshot(storage::Storage& store, std::mutex& slot_mu,
                                                   std::unique_ptr<storage::SnapshotWriter>& slot) {
    return std::make_unique<Stage>(store.write_snapshot(), slot_mu, slot);
}

}  // namespace raftlab::server
