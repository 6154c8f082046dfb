#include "engine/lab/snapshot_taps.h"

namespace raftlab::lab {
namespace {

class TappedImage : public net::SnapshotImage {
  public:
    TappedImage(LabPlane& lab, core::NodeId to, std::unique_ptr<net::SnapshotImage> inner)
        : lab_(lab), to_(to), inner_(std::move(inner)) {}
    const core::SnapshotMeta& meta() const override { return inner_->meta(); }
    bool next(std::string* chunk) override {
        const bool more = inner_->next(chunk);
        sent_ += chunk->size();
        // The image's size is known only once it has been read to the end.
        lab_.on_snapshot_progress(true, to_, inner_->meta().index, sent_, more ? 0 : sent_);
        return more;
    }
    std::string error() const override { return inner_->error(); }

  private:
    LabPlane& lab_;
    const core::NodeId to_;
    std::unique_ptr<net::SnapshotImage> inner_;
    std::uint64_t sent_ = 0;
};

class TappedStage : public net::SnapshotStage {
  public:
    TappedStage(LabPlane& lab, core::NodeId from, core::Index index,
                std::unique_ptr<net::SnapshotStage> inner)
        : lab_(lab), from_(from), index_(index), inner_(std::move(inner)) {}
    std::string write(const std::string& chunk) override {
        auto error = inner_->write(chunk);
        if (error.empty()) {
            received_ += chunk.size();
            lab_.on_snapshot_progress(false, from_, index_, received_, 0);
        }
        return error;
    }
    std::string finish(std::string* error) override { return inner_->finish(error); }

  private:
    LabPlane& lab_;
    const core::NodeId from_;
    core::Index index_;
    std::unique_ptr<net::SnapshotStage> inner_;
    std::uint64_t received_ = 0;
};

}  // namespace

std::unique_ptr<net::SnapshotImage> tap_sending(LabPlane& lab, core::NodeId to,
                                                std::unique_ptr<net::SnapshotImage> image) {
    if (!image) return image;
    return std::make_unique<TappedImage>(lab, to, std::move(image));
}

std::unique_ptr<net::SnapshotStage> tap_receiving(LabPlane& lab, core::NodeId from,
                                                  const core::SnapshotMeta& meta,
                                                  std::unique_ptr<net::SnapshotStage> stage) {
    if (!stage) return stage;
    return std::make_unique<TappedStage>(lab, from, meta.index, std::move(stage));
}

}  // namespace raftlab::lab
