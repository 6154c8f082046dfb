#include "engine/server/cluster_service.h"

#include "engine/core/progress_name.h"
#include "engine/net/convert.h"
#include "engine/proto/cluster.grpc.pb.h"
#include "engine/server/kv_service.h"
#include "engine/server/role_log.h"

namespace raftlab::server {
namespace {

class ClusterService final : public pb::Cluster::CallbackService {
  public:
    explicit ClusterService(Node& node) : node_(node) {}

    grpc::ServerUnaryReactor* Members(grpc::CallbackServerContext* ctx, const pb::MembersRequest*,
                                      pb::MembersResponse* resp) override {
        core::Status st = node_.status();
        // The leader's view is the authoritative one (a follower may lag, and a
        // removed node may never learn it was removed): redirect when we can.
        if (st.role != core::Role::Leader && st.leader != core::kNoNode) {
            OpError e(Code::NotLeader, "ask the leader for the membership");
            e.leader = st.leader;
            e.leader_address = node_.member_address(st.leader);
            if (!e.leader_address.empty()) to_proto(e, resp->mutable_error());
        }
        net::to_proto(st.membership, resp->mutable_membership());
        resp->set_leader_id(st.leader);
        resp->set_term(st.term);
        auto* reactor = ctx->DefaultReactor();
        reactor->Finish(grpc::Status::OK);
        return reactor;
    }

    grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* ctx, const pb::StatusRequest*,
                                     pb::StatusResponse* resp) override {
        core::Status st = node_.status();
        resp->set_id(node_.id());
        resp->set_address(node_.listen_address());
        resp->set_cluster_id(node_.cluster_id());
        resp->set_role(static_cast<std::uint32_t>(st.role));
        resp->set_role_name(role_name(st.role));
        resp->set_term(st.term);
        resp->set_vote(st.vote);
        resp->set_leader_id(st.leader);
        auto it = st.membership.members.find(st.leader);
        if (it != st.membership.members.end()) resp->set_leader_address(it->second.address);
        resp->set_commit_index(st.commit_index);
        resp->set_applied_index(st.applied_index);
        resp->set_first_index(st.first_index);
        resp->set_last_index(st.last_index);
        resp->set_snapshot_index(st.snapshot_index);
        resp->set_snapshot_term(st.snapshot_term);
        net::to_proto(st.membership, resp->mutable_membership());
        for (const auto& [id, p] : st.progress) {
            if (id == node_.id()) continue;
            auto* pp = resp->add_progress();
            pp->set_id(id);
            pp->set_match_index(p.match_index);
            pp->set_next_index(p.next_index);
            pp->set_state(core::to_string(p.state));
            pp->set_inflight(p.inflight_msgs);
            pp->set_recent_active(p.recent_active);
        }
        auto* reactor = ctx->DefaultReactor();
        reactor->Finish(grpc::Status::OK);
        return reactor;
    }

    grpc::ServerUnaryReactor* JoinCluster(grpc::CallbackServerContext* ctx,
                                          const pb::JoinClusterRequest* req,
                                          pb::JoinClusterResponse* resp) override {
        auto* reactor = ctx->DefaultReactor();
        auto fail = [&](Code code, std::string message) {
            to_proto(OpError{code, std::move(message)}, resp->mutable_error());
            reactor->Finish(grpc::Status::OK);
            return reactor;
        };
        if (req->cluster_id() != node_.cluster_id()) {
            return fail(Code::InvalidArgument,
                        "node " + std::to_string(req->node_id()) + " asks to join cluster '" +
                            req->cluster_id() + "' but this is cluster '" + node_.cluster_id() +
                            "'; fix cluster_id in the joining node's config");
        }
        core::Status st = node_.status();
        auto it = st.membership.members.find(req->node_id());
        if (it != st.membership.members.end()) {
            if (it->second.address != req->address()) {
                return fail(Code::InvalidArgument,
                            "node " + std::to_string(req->node_id()) +
                                " is already a member with address " + it->second.address +
                                ", not " + req->address() +
                                "; use a new node_id, or remove the old member first");
            }
            // Joining again (a restart before the join answer arrived): done.
            net::to_proto(st.membership, resp->mutable_membership());
            resp->set_leader_id(st.leader);
            reactor->Finish(grpc::Status::OK);
            return reactor;
        }
        node_.add_learner(req->node_id(), req->address(),
                          static_cast<core::NodeStatus>(req->status()),
                          [reactor, resp, this](ChangeResult r) {
                              to_proto(r.error, resp->mutable_error());
                              net::to_proto(r.membership, resp->mutable_membership());
                              resp->set_index(r.index);
                              resp->set_leader_id(node_.leader());
                              reactor->Finish(grpc::Status::OK);
                          });
        return reactor;
    }

    grpc::ServerUnaryReactor* PromoteLearner(grpc::CallbackServerContext* ctx,
                                             const pb::PromoteLearnerRequest* req,
                                             pb::ChangeResponse* resp) override {
        auto* reactor = ctx->DefaultReactor();
        node_.promote_learner(req->node_id(), finisher(reactor, resp));
        return reactor;
    }

    grpc::ServerUnaryReactor* RemoveNode(grpc::CallbackServerContext* ctx,
                                         const pb::RemoveNodeRequest* req,
                                         pb::ChangeResponse* resp) override {
        auto* reactor = ctx->DefaultReactor();
        node_.remove_node(req->node_id(), finisher(reactor, resp));
        return reactor;
    }

    grpc::ServerUnaryReactor* TransferLeader(grpc::CallbackServerContext* ctx,
                                             const pb::TransferLeaderRequest* req,
                                             pb::ChangeResponse* resp) override {
        auto* reactor = ctx->DefaultReactor();
        node_.transfer_leader(req->node_id(), finisher(reactor, resp));
        return reactor;
    }

  private:
    static ChangeCallback finisher(grpc::ServerUnaryReactor* reactor, pb::ChangeResponse* resp) {
        return [reactor, resp](ChangeResult r) {
            to_proto(r.error, resp->mutable_error());
            resp->set_index(r.index);
            net::to_proto(r.membership, resp->mutable_membership());
            reactor->Finish(grpc::Status::OK);
        };
    }

    Node& node_;
};

}  // namespace

std::unique_ptr<grpc::Service> make_cluster_service(Node& node) {
    return std::make_unique<ClusterService>(node);
}

}  // namespace raftlab::server
