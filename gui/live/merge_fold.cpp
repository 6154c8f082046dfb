#include "gui/live/merge_fold.h"

#include <algorithm>
#include <chrono>
#include <iterator>

namespace raftlab::gui {

namespace {
constexpr auto kFoldEvery = std::chrono::milliseconds(33);  // at most 30 frames a second
// At most this many events folded per tick (90,000 events/s), and no more
// while the UI thread has not taken this many: a UI thread that is starved
// of CPU takes bounded frames, and the flood backs up in the backlog...
constexpr std::size_t kMaxFoldPerTick = 3000;
constexpr std::size_t kMaxUntaken = 3000;
// ...where past this many waiting events the oldest are shed (counted).
constexpr std::size_t kMaxBacklog = 200'000;

bool earlier(const Event& a, const Event& b) {
    return a.t_ns < b.t_ns;
}
}  // namespace

MergeFold::MergeFold(Horizon horizon) : horizon_(std::move(horizon)) {
    health_checks_ = board_.checks();
}

MergeFold::~MergeFold() {
    stop();
}

void MergeFold::start() {
    std::lock_guard lock(mu_);
    if (running_) return;
    running_ = true;
    thread_ = std::thread([this] { run(); });
}

void MergeFold::stop() {
    {
        std::lock_guard lock(mu_);
        running_ = false;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void MergeFold::push(std::vector<Event>&& events) {
    std::lock_guard lock(mu_);
    if (fresh_.empty()) {
        fresh_ = std::move(events);
    } else {
        fresh_.insert(fresh_.end(), std::make_move_iterator(events.begin()),
                      std::make_move_iterator(events.end()));
    }
}

void MergeFold::record(const QJsonObject& o) {
    std::lock_guard lock(mu_);
    records_.push_back(o);
}

void MergeFold::judge(std::function<void(HealthBoard&)> f) {
    std::lock_guard lock(mu_);
    judgements_.push_back(std::move(f));
}

std::shared_ptr<FoldedBatch> MergeFold::take() {
    std::lock_guard lock(mu_);
    return std::move(outbox_);
}

MergeFold::HealthChecks MergeFold::health() const {
    std::lock_guard lock(mu_);
    return health_checks_;
}

void MergeFold::run() {
    std::unique_lock lock(mu_);
    while (running_) {
        wake_.wait_for(lock, kFoldEvery, [this] { return !running_; });
        if (!running_) return;
        lock.unlock();
        tick();
        lock.lock();
    }
}

std::vector<Event> MergeFold::take_ready() {
    std::vector<Event> fresh;
    std::size_t untaken = 0;
    {
        std::lock_guard lock(mu_);
        fresh.swap(fresh_);
        if (outbox_) untaken = outbox_->size();
    }
    // Each stream's events come in order, but the streams interleave:
    // sort what came since the last tick and merge it into the backlog,
    // which is sorted already (linear, not a sort of the whole backlog).
    if (!fresh.empty()) {
        std::stable_sort(fresh.begin(), fresh.end(), earlier);
        const auto old = static_cast<std::ptrdiff_t>(backlog_.size());
        backlog_.insert(backlog_.end(), std::make_move_iterator(fresh.begin()),
                        std::make_move_iterator(fresh.end()));
        std::inplace_merge(backlog_.begin(), backlog_.begin() + old, backlog_.end(), earlier);
    }
    // A flood the UI cannot show sheds its oldest rather than growing
    // without bound.
    if (backlog_.size() > kMaxBacklog) {
        const std::size_t shed = backlog_.size() - kMaxBacklog;
        backlog_.erase(backlog_.begin(), backlog_.begin() + static_cast<std::ptrdiff_t>(shed));
        shed_ += shed;
    }
    if (untaken >= kMaxUntaken) return {};
    const std::int64_t horizon = horizon_();
    auto cut = std::upper_bound(backlog_.begin(), backlog_.end(), horizon,
                                [](std::int64_t h, const Event& e) { return h < e.t_ns; });
    if (cut - backlog_.begin() > static_cast<std::ptrdiff_t>(kMaxFoldPerTick))
        cut = backlog_.begin() + static_cast<std::ptrdiff_t>(kMaxFoldPerTick);
    std::vector<Event> ready(std::make_move_iterator(backlog_.begin()),
                             std::make_move_iterator(cut));
    backlog_.erase(backlog_.begin(), cut);
    return ready;
}

void MergeFold::tick() {
    std::vector<QJsonObject> records;
    std::vector<std::function<void(HealthBoard&)>> judgements;
    {
        std::lock_guard lock(mu_);
        records.swap(records_);
        judgements.swap(judgements_);
    }
    for (const QJsonObject& o : records)
        board_.record(o);
    for (auto& f : judgements)
        f(board_);
    std::vector<Event> ready = take_ready();
    if (ready.empty() && records.empty() && judgements.empty()) return;
    auto batch = std::make_shared<FoldedBatch>();
    fold_.fold_into(*batch, std::move(ready));
    for (const Event& e : batch->events)
        board_.observe(e);
    HealthChecks checks = board_.checks();
    // A batch the UI thread has not taken yet grows by this one; the
    // appending happens outside the lock, so take() never waits for it.
    std::shared_ptr<FoldedBatch> untaken;
    {
        std::lock_guard lock(mu_);
        untaken = std::move(outbox_);
    }
    if (untaken && !batch->empty()) {
        append_batch(*untaken, std::move(*batch));
        batch = std::move(untaken);
    } else if (untaken) {
        batch = std::move(untaken);
    }
    std::lock_guard lock(mu_);
    health_checks_ = std::move(checks);
    if (!batch->empty()) outbox_ = std::move(batch);
}

}  // namespace raftlab::gui
