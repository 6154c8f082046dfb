// etcd v3 over its own KV gRPC API (proto/etcd_kv.proto): Put and Range, the
// calls etcd's `benchmark put` and `benchmark range` make. etcd followers
// forward proposals to their leader themselves, so there is no redirect
// here; --target-leader finds the leader with Maintenance.Status, as etcd's
// benchmark does.
#include <chrono>
#include <optional>

#include "engine/bench/backend.h"
#include "engine/bench/conns.h"
#include "engine/bench/proto/etcd_kv.grpc.pb.h"

namespace raftlab::bench {
namespace {

namespace epb = etcdserverpb;

class EtcdCaller final : public Caller {
  public:
    EtcdCaller(epb::KV::Stub* stub, Listener* listener, int timeout_ms)
        : stub_(stub), listener_(listener), timeout_ms_(timeout_ms) {}

    void put(const std::string& key, const std::string& value) override {
        fresh_context();
        put_req_.set_key(key);
        put_req_.set_value(value);
        put_resp_.Clear();
        stub_->async()->Put(&*ctx_, &put_req_, &put_resp_, [this](grpc::Status s) {
            OpResult r;
            r.ok = s.ok();
            if (!s.ok()) r.error = describe(s);
            listener_->on_done(r);
        });
    }

    void get(const std::string& key, bool linearizable) override {
        fresh_context();
        range_req_.set_key(key);
        range_req_.set_serializable(!linearizable);
        range_resp_.Clear();
        stub_->async()->Range(&*ctx_, &range_req_, &range_resp_, [this](grpc::Status s) {
            OpResult r;
            r.ok = s.ok();
            if (!s.ok()) {
                r.error = describe(s);
            } else if (range_resp_.kvs_size() > 0) {
                r.found = true;
                r.value = std::move(*range_resp_.mutable_kvs(0)->mutable_value());
            }
            listener_->on_done(r);
        });
    }

  private:
    void fresh_context() {
        ctx_.emplace();
        ctx_->set_deadline(std::chrono::system_clock::now() +
                           std::chrono::milliseconds(timeout_ms_));
    }

    epb::KV::Stub* stub_;
    Listener* listener_;
    int timeout_ms_;
    std::optional<grpc::ClientContext> ctx_;
    epb::PutRequest put_req_;
    epb::PutResponse put_resp_;
    epb::RangeRequest range_req_;
    epb::RangeResponse range_resp_;
};

class EtcdBackend final : public Backend {
  public:
    EtcdBackend(const Options& options, std::vector<std::string> endpoints, std::string leader)
        : options_(options), endpoints_(std::move(endpoints)), leader_(std::move(leader)) {
        for (auto& channel : make_conns(endpoints_, options_.conns)) {
            stubs_.push_back(epb::KV::NewStub(channel));
        }
    }

    std::unique_ptr<Caller> make_caller(std::size_t index, Listener* listener) override {
        return std::make_unique<EtcdCaller>(stubs_[index % stubs_.size()].get(), listener,
                                            options_.rpc_timeout_ms);
    }

    std::string describe() const override {
        std::string out = "etcd at";
        for (const auto& e : endpoints_)
            out += " " + e;
        if (!leader_.empty()) out += " (leader " + leader_ + ")";
        return out;
    }

  private:
    const Options& options_;
    std::vector<std::string> endpoints_;
    std::string leader_;
    std::vector<std::unique_ptr<epb::KV::Stub>> stubs_;
};

std::string find_leader(const std::vector<std::string>& endpoints, std::string* error) {
    std::string seen;
    for (const auto& endpoint : endpoints) {
        auto stub = epb::Maintenance::NewStub(make_bench_channel(endpoint, -2));
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
        epb::StatusRequest req;
        epb::StatusResponse resp;
        grpc::Status s = stub->Status(&ctx, req, &resp);
        if (!s.ok()) {
            seen += " " + endpoint + " (" + describe(s) + ")";
            continue;
        }
        if (resp.leader() != 0 && resp.leader() == resp.header().member_id()) return endpoint;
        seen += " " + endpoint + " (follower)";
    }
    *error = "--target-leader: no etcd endpoint is the leader:" + seen +
             "; check that etcd is running and every member is listed in --endpoints";
    return {};
}

}  // namespace

std::unique_ptr<Backend> make_etcd_backend(const Options& options, std::string* error) {
    std::vector<std::string> endpoints = options.endpoints;
    std::string leader;
    if (options.target_leader) {
        leader = wait_for_leader([&](std::string* e) { return find_leader(options.endpoints, e); },
                                 error);
        if (leader.empty()) return nullptr;
        endpoints = {leader};
    }
    return std::make_unique<EtcdBackend>(options, std::move(endpoints), leader);
}

}  // namespace raftlab::bench
