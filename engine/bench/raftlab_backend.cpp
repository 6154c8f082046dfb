// Raft Lab over its KV gRPC API (engine/proto/kv.proto). Writes must reach
// the leader: a follower answers NOT_LEADER with the leader's address, which
// the caller follows (at most 3 hops; the hop is part of the latency). With
// --target-leader every connection goes to the leader from the start.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>

#include "engine/bench/backend.h"
#include "engine/bench/conns.h"
#include "engine/proto/cluster.grpc.pb.h"
#include "engine/proto/kv.grpc.pb.h"

namespace raftlab::bench {
namespace {

const char* code_name(pb::ErrorCode code) {
    return pb::ErrorCode_Name(code).c_str();
}

class RaftlabBackend;

class RaftlabCaller final : public Caller {
  public:
    RaftlabCaller(RaftlabBackend& backend, pb::KV::Stub* stub, Listener* listener, int timeout_ms)
        : backend_(backend), stub_(stub), listener_(listener), timeout_ms_(timeout_ms) {}

    void put(const std::string& key, const std::string& value) override {
        hops_ = 0;
        put_req_.set_key(key);
        put_req_.set_value(value);
        send_put(stub_);
    }

    void get(const std::string& key, bool linearizable) override {
        hops_ = 0;
        get_req_.set_key(key);
        get_req_.set_consistency(linearizable ? pb::LINEARIZABLE : pb::EVENTUAL);
        send_get(stub_);
    }

  private:
    void fresh_context() {
        ctx_.emplace();
        ctx_->set_deadline(std::chrono::system_clock::now() +
                           std::chrono::milliseconds(timeout_ms_));
    }

    void send_put(pb::KV::Stub* stub) {
        fresh_context();
        put_resp_.Clear();
        stub->async()->Put(&*ctx_, &put_req_, &put_resp_,
                           [this](grpc::Status s) { on_put(std::move(s)); });
    }

    void send_get(pb::KV::Stub* stub) {
        fresh_context();
        get_resp_.Clear();
        stub->async()->Get(&*ctx_, &get_req_, &get_resp_,
                           [this](grpc::Status s) { on_get(std::move(s)); });
    }

    // A follower's NOT_LEADER hint: the stub to retry on, or nullptr.
    pb::KV::Stub* redirect(const pb::Error& e);

    void on_put(grpc::Status status) {
        OpResult r;
        if (!status.ok()) {
            r.error = describe(status);
        } else if (auto* next = redirect(put_resp_.error())) {
            return send_put(next);
        } else if (put_resp_.error().code() != pb::OK) {
            r.error = std::string(code_name(put_resp_.error().code())) + ": " +
                      put_resp_.error().message();
        } else {
            r.ok = true;
        }
        listener_->on_done(r);
    }

    void on_get(grpc::Status status) {
        OpResult r;
        if (!status.ok()) {
            r.error = describe(status);
        } else if (auto* next = redirect(get_resp_.error())) {
            return send_get(next);
        } else if (get_resp_.error().code() != pb::OK) {
            r.error = std::string(code_name(get_resp_.error().code())) + ": " +
                      get_resp_.error().message();
        } else {
            r.ok = true;
            r.found = get_resp_.found();
            r.value = std::move(*get_resp_.mutable_value());
        }
        listener_->on_done(r);
    }

    RaftlabBackend& backend_;
    pb::KV::Stub* stub_;
    Listener* listener_;
    int timeout_ms_;
    int hops_ = 0;
    std::optional<grpc::ClientContext> ctx_;
    pb::PutRequest put_req_;
    pb::PutResponse put_resp_;
    pb::GetRequest get_req_;
    pb::GetResponse get_resp_;
};

class RaftlabBackend final : public Backend {
  public:
    RaftlabBackend(const Options& options, std::vector<std::string> endpoints, std::string leader)
        : options_(options), endpoints_(std::move(endpoints)), leader_(std::move(leader)) {
        for (auto& channel : make_conns(endpoints_, options_.conns)) {
            stubs_.push_back(pb::KV::NewStub(channel));
        }
    }

    std::unique_ptr<Caller> make_caller(std::size_t index, Listener* listener) override {
        return std::make_unique<RaftlabCaller>(*this, stubs_[index % stubs_.size()].get(), listener,
                                               options_.rpc_timeout_ms);
    }

    std::string describe() const override {
        std::string out = "Raft Lab at";
        for (const auto& e : endpoints_)
            out += " " + e;
        if (!leader_.empty()) out += " (leader " + leader_ + ")";
        return out;
    }

    // One extra connection per leader address seen in a hint, shared by all
    // callers (only used without --target-leader).
    pb::KV::Stub* leader_stub(const std::string& address) {
        std::lock_guard lock(mu_);
        auto& stub = redirects_[address];
        if (!stub) stub = pb::KV::NewStub(make_bench_channel(address, -1));
        return stub.get();
    }

  private:
    const Options& options_;
    std::vector<std::string> endpoints_;
    std::string leader_;
    std::vector<std::unique_ptr<pb::KV::Stub>> stubs_;
    std::mutex mu_;
    std::map<std::string, std::unique_ptr<pb::KV::Stub>> redirects_;
};

pb::KV::Stub* RaftlabCaller::redirect(const pb::Error& e) {
    if (e.code() != pb::NOT_LEADER || e.leader_address().empty() || hops_ >= 3) return nullptr;
    ++hops_;
    return backend_.leader_stub(e.leader_address());
}

// The endpoint whose node says it is the leader, by the Status RPC.
std::string find_leader(const std::vector<std::string>& endpoints, std::string* error) {
    std::string seen;
    for (const auto& endpoint : endpoints) {
        auto stub = pb::Cluster::NewStub(make_bench_channel(endpoint, -2));
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
        pb::StatusRequest req;
        pb::StatusResponse resp;
        grpc::Status s = stub->Status(&ctx, req, &resp);
        if (!s.ok()) {
            seen += " " + endpoint + " (" + describe(s) + ")";
            continue;
        }
        if (resp.role() == 2) return endpoint;
        seen += " " + endpoint + " (" + resp.role_name() + ")";
    }
    *error = "--target-leader: no endpoint is the leader:" + seen +
             "; wait for an election to finish, or list every node in --endpoints";
    return {};
}

}  // namespace

std::unique_ptr<Backend> make_raftlab_backend(const Options& options, std::string* error) {
    std::vector<std::string> endpoints = options.endpoints;
    std::string leader;
    if (options.target_leader) {
        leader = wait_for_leader([&](std::string* e) { return find_leader(options.endpoints, e); },
                                 error);
        if (leader.empty()) return nullptr;
        endpoints = {leader};
    }
    return std::make_unique<RaftlabBackend>(options, std::move(endpoints), leader);
}

}  // namespace raftlab::bench
