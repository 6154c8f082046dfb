// Holds items until their lab-time deadline. Not thread-safe: the owner (one
// sender thread, or Dispatcher under its mutex) serialises access.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace raftlab::netem {

template <typename T>
class DelayQueue {
  public:
    void push(std::int64_t deadline, T item) {
        heap_.push_back(Slot{deadline, next_seq_++, std::move(item)});
        std::push_heap(heap_.begin(), heap_.end(), later);
    }

    // Every item whose deadline is <= lab_now, earliest first. Items with equal
    // deadlines come out in push order, so a link without jitter never reorders.
    std::vector<T> pop_due(std::int64_t lab_now) {
        std::vector<T> due;
        while (!heap_.empty() && heap_.front().deadline <= lab_now) {
            std::pop_heap(heap_.begin(), heap_.end(), later);
            due.push_back(std::move(heap_.back().item));
            heap_.pop_back();
        }
        return due;
    }

    std::optional<std::int64_t> next_deadline() const {
        if (heap_.empty()) return std::nullopt;
        return heap_.front().deadline;
    }

    std::size_t size() const { return heap_.size(); }
    bool empty() const { return heap_.empty(); }
    void clear() { heap_.clear(); }

  private:
    struct Slot {
        std::int64_t deadline;
        std::uint64_t seq;
        T item;
    };
    // std::*_heap builds a max-heap; "later" as the less-than puts the earliest
    // (deadline, seq) at the front.
    static bool later(const Slot& a, const Slot& b) {
        return a.deadline != b.deadline ? a.deadline > b.deadline : a.seq > b.seq;
    }

    std::vector<Slot> heap_;
    std::uint64_t next_seq_ = 0;
};

}  // namespace raftlab::netem
