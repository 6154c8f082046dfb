#include "gui/live/applied_audit.h"

#include <grpcpp/grpcpp.h>

#include <QMetaObject>
#include <QPointer>
#include <algorithm>
#include <chrono>

#include "engine/proto/lab.grpc.pb.h"
#include "scenarios/runner/channel.h"

namespace raftlab::gui {

AppliedAudit::AppliedAudit(Deliver deliver, QObject* parent)
    : QObject(parent), deliver_(std::move(deliver)), worker_(new QObject) {
    thread_.setObjectName(QStringLiteral("applied-audit"));
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.start();
}

AppliedAudit::~AppliedAudit() {
    thread_.quit();
    thread_.wait();
}

void AppliedAudit::poll(const std::map<NodeId, Target>& targets) {
    if (busy_.exchange(true)) return;
    QMetaObject::invokeMethod(
        worker_, [this, targets] { round(targets); }, Qt::QueuedConnection);
}

void AppliedAudit::round(const std::map<NodeId, Target>& targets) {
    std::vector<AppliedEntry> found;
    for (const auto& [id, t] : targets) {
        if (t.address.empty() || t.applied_index == 0) continue;
        Index& next = next_[id];
        const Index to = t.applied_index;
        const Index from =
            std::max({next, Index{1}, to >= kMaxPerRound ? to - kMaxPerRound + 1 : Index{1}});
        if (from > to) continue;
        auto& slot = stubs_[t.address];
        if (!slot)
            slot =
                std::shared_ptr<pb::Lab::Stub>(pb::Lab::NewStub(scenario::lab_channel(t.address)));
        auto* stub = static_cast<pb::Lab::Stub*>(slot.get());
        grpc::ClientContext ctx;
        // Short: a paused or dead node is simply read next round.
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
        pb::ReadLogRequest req;
        req.set_from(from);
        req.set_to(to);
        req.set_max_entries(static_cast<std::uint32_t>(kMaxPerRound));
        pb::ReadLogResponse resp;
        if (!stub->ReadLog(&ctx, req, &resp).ok() || resp.error().code() != pb::OK) continue;
        for (const auto& e : resp.entries()) {
            // Only what the node says it applied; the rest may still change.
            if (!e.applied()) continue;
            found.push_back({id, e.index(), e.term(), e.hash()});
            next = std::max(next, e.index() + 1);
        }
        // Entries compacted into a snapshot are not readable; go on after it.
        next = std::max(next, std::min<Index>(resp.first_index(), to + 1));
    }
    ++rounds_;
    QMetaObject::invokeMethod(
        this,
        [this, found = std::move(found)]() mutable {
            busy_ = false;
            if (deliver_) deliver_(std::move(found));
        },
        Qt::QueuedConnection);
}

}  // namespace raftlab::gui
