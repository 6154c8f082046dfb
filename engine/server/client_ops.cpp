// Client calls: validated here, then handed to the raft loop (writes, linearizable
// and lease reads) or served from the applied state directly (eventual reads).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/server/node_impl.h"
#include "engine/storage/command.h"

namespace raftlab::server {
namespace {

constexpr std::size_t kDefaultScanLimit = 1000;

// Empty when acceptable, else a message naming the value, the limit and the fix.
std::string check_key(const std::string& key, const config::LimitsSection& limits,
                      const std::string& what = "key") {
    if (key.empty()) return what + " is empty; give a non-empty " + what;
    if (key.size() > limits.max_key_bytes) {
        return fmt::format(
            "{} is {} bytes, over the limit of {} ([limits] max_key_bytes); use "
            "a shorter {} or raise the limit",
            what, key.size(), limits.max_key_bytes, what);
    }
    return {};
}

std::string check_value(const std::string& value, const config::LimitsSection& limits,
                        const char* what = "value") {
    if (value.size() > limits.max_value_bytes) {
        return fmt::format(
            "{} is {} bytes, over the limit of {} ([limits] max_value_bytes); "
            "split it or raise the limit",
            what, value.size(), limits.max_value_bytes);
    }
    return {};
}

// Log hygiene (docs/security.md): keys and values are user data and appear in
// the log only with --log-values, a debugging aid. Shown escaped and cut at
// 200 bytes so one huge or binary value cannot flood or garble the log.
std::string printable(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < 200; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("\\x{:02x}", c);
        }
    }
    if (text.size() > 200) out += fmt::format("...({} bytes)", text.size());
    return out;
}

void log_write(const Node::Impl& impl, const char* op, const std::string& key,
               const std::string* value) {
    if (!impl.options.log_values) return;
    spdlog::info("[Node {}] client {} key=\"{}\"{}{}{} (--log-values)", impl.self, op,
                 printable(key), value ? " value=\"" : "", value ? printable(*value) : "",
                 value ? "\"" : "");
}

// Lab (--lab, issue 5): a ClientRequest event once the outcome is known.
// With no watcher that wants client events the callback passes through
// untouched.
WriteCallback tap_write(Node::Impl& impl, const char* op, const std::string& key,
                        WriteCallback done) {
    if (!impl.lab || !impl.lab->bus().wants(lab::EventClass::Client)) return done;
    return [lab = impl.lab.get(), op, key, done = std::move(done)](WriteResult r) {
        lab->on_client(op, key, r.error.ok(), r.error.ok() ? "" : to_string(r.error.code), 0,
                       r.index);
        done(std::move(r));
    };
}

ReadCallback tap_read(Node::Impl& impl, const char* op, const std::string& key,
                      Consistency consistency, ReadCallback done) {
    if (!impl.lab || !impl.lab->bus().wants(lab::EventClass::Client)) return done;
    return [lab = impl.lab.get(), op, key, consistency, done = std::move(done)](ReadResult r) {
        lab->on_client(op, key, r.error.ok(), r.error.ok() ? "" : to_string(r.error.code),
                       static_cast<std::uint32_t>(consistency), r.applied_index);
        done(std::move(r));
    };
}

}  // namespace

void Node::put(std::string key, std::string value, WriteCallback done) {
    done = tap_write(*impl_, "put", key, std::move(done));
    auto error = check_key(key, impl_->cfg().limits);
    if (error.empty()) error = check_value(value, impl_->cfg().limits);
    if (!error.empty()) return done(WriteResult{OpError{Code::InvalidArgument, error}});
    log_write(*impl_, "put", key, &value);
    impl_->push(
        ProposeIn{storage::encode_command(storage::Command::put(std::move(key), std::move(value))),
                  std::move(done)});
}

void Node::del(std::string key, WriteCallback done) {
    done = tap_write(*impl_, "delete", key, std::move(done));
    auto error = check_key(key, impl_->cfg().limits);
    if (!error.empty()) return done(WriteResult{OpError{Code::InvalidArgument, error}});
    log_write(*impl_, "delete", key, nullptr);
    impl_->push(
        ProposeIn{storage::encode_command(storage::Command::del(std::move(key))), std::move(done)});
}

void Node::compare_and_swap(std::string key, std::optional<std::string> expected, std::string value,
                            WriteCallback done) {
    done = tap_write(*impl_, "cas", key, std::move(done));
    auto error = check_key(key, impl_->cfg().limits);
    if (error.empty()) error = check_value(value, impl_->cfg().limits);
    if (error.empty() && expected) error = check_value(*expected, impl_->cfg().limits, "expected");
    if (!error.empty()) return done(WriteResult{OpError{Code::InvalidArgument, error}});
    log_write(*impl_, "cas", key, &value);
    impl_->push(ProposeIn{storage::encode_command(storage::Command::cas(
                              std::move(key), std::move(expected), std::move(value))),
                          std::move(done)});
}

namespace {

// Runs `read` against the state machine once the consistency level allows.
void schedule_read(Node::Impl& impl, Consistency consistency, std::function<ReadResult()> read,
                   ReadCallback done) {
    if (consistency == Consistency::Eventual) {
        done(read());
        return;
    }
    auto serve = [read = std::move(read), done = std::move(done)](const OpError& error) {
        if (!error.ok()) return done(ReadResult{error});
        done(read());
    };
    impl.push(ReadIndexIn{std::move(serve), consistency == Consistency::Lease});
}

}  // namespace

void Node::get(std::string key, Consistency consistency, ReadCallback done) {
    done = tap_read(*impl_, "get", key, consistency, std::move(done));
    auto error = check_key(key, impl_->cfg().limits);
    if (!error.empty()) return done(ReadResult{OpError{Code::InvalidArgument, error}});
    Impl* impl = impl_.get();
    schedule_read(
        *impl_, consistency,
        [impl, key = std::move(key)] {
            ReadResult r;
            r.applied_index = impl->store->applied_index();
            r.value = impl->store->get(key);
            return r;
        },
        std::move(done));
}

void Node::scan(std::string prefix, std::size_t limit, Consistency consistency, ReadCallback done) {
    done = tap_read(*impl_, "scan", prefix, consistency, std::move(done));
    if (prefix.size() > impl_->cfg().limits.max_key_bytes) {
        return done(ReadResult{
            OpError{Code::InvalidArgument, check_key(prefix, impl_->cfg().limits, "prefix")}});
    }
    if (limit == 0) limit = kDefaultScanLimit;
    Impl* impl = impl_.get();
    schedule_read(
        *impl_, consistency,
        [impl, prefix = std::move(prefix), limit] {
            ReadResult r;
            r.applied_index = impl->store->applied_index();
            // One extra to learn whether the limit cut the result short.
            auto items = impl->store->scan(prefix, limit + 1);
            r.more = items.size() > limit;
            if (r.more) items.resize(limit);
            r.items.reserve(items.size());
            for (auto& kv : items)
                r.items.push_back({std::move(kv.key), std::move(kv.value)});
            return r;
        },
        std::move(done));
}

void Node::add_learner(core::NodeId id, std::string address, core::NodeStatus status,
                       ChangeCallback done) {
    if (id == core::kNoNode || address.empty()) {
        return done(ChangeResult{
            OpError{Code::InvalidArgument, "a new node needs a non-zero id and an address"}});
    }
    impl_->push(
        ChangeIn{ChangeIn::Kind::AddLearner, id, std::move(address), status, std::move(done)});
}

void Node::promote_learner(core::NodeId id, ChangeCallback done) {
    impl_->push(ChangeIn{ChangeIn::Kind::Promote, id, {}, {}, std::move(done)});
}

void Node::remove_node(core::NodeId id, ChangeCallback done) {
    impl_->push(ChangeIn{ChangeIn::Kind::Remove, id, {}, {}, std::move(done)});
}

void Node::transfer_leader(core::NodeId target, ChangeCallback done) {
    impl_->push(ChangeIn{ChangeIn::Kind::Transfer, target, {}, {}, std::move(done)});
}

}  // namespace raftlab::server
