#include "engine/server/kv_service.h"

#include "engine/proto/kv.grpc.pb.h"

namespace raftlab::server {

void to_proto(const OpError& in, pb::Error* out) {
    out->set_code(static_cast<pb::ErrorCode>(in.code));
    out->set_message(in.message);
    out->set_leader_id(in.leader);
    out->set_leader_address(in.leader_address);
}

namespace {

Consistency from_proto(pb::Consistency c) {
    switch (c) {
        case pb::LEASE:
            return Consistency::Lease;
        case pb::EVENTUAL:
            return Consistency::Eventual;
        default:
            return Consistency::Linearizable;
    }
}

class KvService final : public pb::KV::CallbackService {
  public:
    explicit KvService(Node& node) : node_(node) {}

    grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext* ctx, const pb::PutRequest* req,
                                  pb::PutResponse* resp) override {
        auto* reactor = ctx->DefaultReactor();
        node_.put(req->key(), req->value(), [reactor, resp](WriteResult r) {
            to_proto(r.error, resp->mutable_error());
            resp->set_index(r.index);
            reactor->Finish(grpc::Status::OK);
        });
        return reactor;
    }

    grpc::ServerUnaryReactor* Delete(grpc::CallbackServerContext* ctx, const pb::DeleteRequest* req,
                                     pb::DeleteResponse* resp) override {
        auto* reactor = ctx->DefaultReactor();
        node_.del(req->key(), [reactor, resp](WriteResult r) {
            to_proto(r.error, resp->mutable_error());
            resp->set_index(r.index);
            resp->set_existed(r.previous.has_value());
            reactor->Finish(grpc::Status::OK);
        });
        return reactor;
    }

    grpc::ServerUnaryReactor* CompareAndSwap(grpc::CallbackServerContext* ctx,
                                             const pb::CompareAndSwapRequest* req,
                                             pb::CompareAndSwapResponse* resp) override {
        auto* reactor = ctx->DefaultReactor();
        std::optional<std::string> expected;
        if (!req->expect_absent()) expected = req->expected();
        node_.compare_and_swap(req->key(), std::move(expected), req->value(),
                               [reactor, resp](WriteResult r) {
                                   to_proto(r.error, resp->mutable_error());
                                   resp->set_index(r.index);
                                   resp->set_succeeded(r.error.ok() && r.succeeded);
                                   reactor->Finish(grpc::Status::OK);
                               });
        return reactor;
    }

    grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* ctx, const pb::GetRequest* req,
                                  pb::GetResponse* resp) override {
        auto* reactor = ctx->DefaultReactor();
        core::NodeId self = node_.id();
        node_.get(req->key(), from_proto(req->consistency()), [reactor, resp, self](ReadResult r) {
            to_proto(r.error, resp->mutable_error());
            resp->set_found(r.value.has_value());
            if (r.value) resp->set_value(std::move(*r.value));
            resp->set_applied_index(r.applied_index);
            resp->set_served_by(self);
            reactor->Finish(grpc::Status::OK);
        });
        return reactor;
    }

    grpc::ServerUnaryReactor* Scan(grpc::CallbackServerContext* ctx, const pb::ScanRequest* req,
                                   pb::ScanResponse* resp) override {
        auto* reactor = ctx->DefaultReactor();
        node_.scan(req->prefix(), req->limit(), from_proto(req->consistency()),
                   [reactor, resp](ReadResult r) {
                       to_proto(r.error, resp->mutable_error());
                       for (auto& kv : r.items) {
                           auto* item = resp->add_items();
                           item->set_key(std::move(kv.key));
                           item->set_value(std::move(kv.value));
                       }
                       resp->set_more(r.more);
                       resp->set_applied_index(r.applied_index);
                       reactor->Finish(grpc::Status::OK);
                   });
        return reactor;
    }

  private:
    Node& node_;
};

}  // namespace

std::unique_ptr<grpc::Service> make_kv_service(Node& node) {
    return std::make_unique<KvService>(node);
}

}  // namespace raftlab::server
