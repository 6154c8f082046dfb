// Node start-up, wiring and shutdown.
#include "engine/server/node.h"

#include <spdlog/spdlog.h>

#include "engine/lab/events.h"
#include "engine/lab/lab_service.h"
#include "engine/lab/read_log.h"
#include "engine/lab/snapshot_taps.h"
#include "engine/net/tls.h"
#include "engine/server/cluster_service.h"
#include "engine/server/kv_service.h"
#include "engine/server/lab_listener.h"
#include "engine/server/listen_probe.h"
#include "engine/server/node_impl.h"
#include "engine/server/role_log.h"
#include "engine/server/snapshot_adapter.h"

namespace raftlab::server {

std::unique_ptr<Node> Node::start(NodeOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->options = std::move(options);
    const auto& cfg = impl->cfg();
    impl->self = cfg.cluster.node_id;
    impl->listen_address = cfg.cluster.listen_address;
    for (const auto& w : cfg.warnings)
        spdlog::warn("[Node {}] {}: {}", impl->self, cfg.source, w);

    // [lab] enabled = true is the config file's way of saying --lab.
    if (cfg.lab.enabled) impl->options.lab = true;
    LabEndpoints lab_endpoints;
    if (impl->options.lab) {
        // Checked before anything is opened: the Lab service injects faults
        // and freezes time with no authentication, so it must never be
        // reachable from another machine.
        lab_endpoints = plan_lab_endpoints(
            cfg.cluster.listen_address,
            impl->options.lab_address.empty() ? cfg.lab.address : impl->options.lab_address);
    }
    if (auto error = probe_listen(cfg.cluster.listen_address); !error.empty()) {
        throw NodeError(error);
    }

    try {
        impl->store =
            storage::Storage::open(cfg.data_dir(), cfg.cluster.cluster_id, cfg.cluster.node_id);
    } catch (const storage::StorageError& e) {
        throw NodeError(e.what());
    }
    bool fresh = impl->store->is_fresh();
    if (fresh && !cfg.joins_as_learner()) impl->store->bootstrap(cfg.bootstrap_membership());
    core::Restored restored = impl->store->load();
    impl->raft = std::make_unique<core::Raft>(cfg.core_config(), restored);
    impl->persisted_hard_state = restored.hard_state;
    if (fresh) {
        spdlog::info("[Node {}] fresh data dir {}: {}", impl->self, cfg.data_dir().string(),
                     cfg.joins_as_learner()
                         ? "this node joins as a learner (its initial_cluster entry is role 3)"
                         : "bootstrapping " + describe(cfg.bootstrap_membership()));
    } else {
        spdlog::info(
            "[Node {}] restored from {}: term {}, commit {}, applied {}, {} (the "
            "persisted membership wins over initial_cluster)",
            impl->self, cfg.data_dir().string(), restored.hard_state.term,
            restored.hard_state.commit, restored.applied, describe(impl->raft->membership()));
    }

    try {
        impl->tls = net::load_tls(cfg.tls);  // [tls]: peer and client traffic (docs/security.md)
    } catch (const std::exception& e) {
        throw NodeError(e.what());
    }
    impl->gate = std::make_unique<net::PeerGate>(cfg.cluster.cluster_id, impl->self);
    Impl* raw = impl.get();
    std::size_t chunk = cfg.raft.snapshot_chunk_bytes;
    impl->transport = std::make_unique<net::Transport>(
        impl->self, cfg.cluster.cluster_id, chunk,
        [raw, chunk](core::NodeId to, const core::SnapshotMeta&,
                     std::string* error) -> std::unique_ptr<net::SnapshotImage> {
            try {
                std::unique_ptr<net::SnapshotImage> image = open_snapshot_image(*raw->store, chunk);
                return raw->lab ? lab::tap_sending(*raw->lab, to, std::move(image))
                                : std::move(image);
            } catch (const std::exception& e) {
                *error = e.what();
                return nullptr;
            }
        });
    if (impl->tls) impl->transport->use_credentials(net::channel_credentials(&*impl->tls));
    impl->peer_service = std::make_unique<net::PeerService>(
        *impl->gate, [raw](core::Message msg) { raw->push(std::move(msg)); },
        [raw](core::NodeId from, const core::SnapshotMeta& meta,
              std::string* error) -> std::unique_ptr<net::SnapshotStage> {
            try {
                // Storage stages one image at a time and a new stream discards
                // the previous one. A complete image already handed to the raft
                // loop must survive until the loop installs or drops it, so a
                // stream that arrives meanwhile is refused (the leader re-sends
                // the snapshot later). An incomplete stream may be superseded:
                // its finish() then fails (see snapshot_adapter.cpp).
                std::unique_ptr<net::SnapshotStage> stage;
                {
                    std::lock_guard lock(raw->staged_mu);
                    if (raw->staged) {
                        *error =
                            "a snapshot received earlier is still waiting to be installed; "
                            "the leader will send it again";
                        return nullptr;
                    }
                    stage = stage_snapshot(*raw->store, raw->staged_mu, raw->staged);
                }
                return raw->lab ? lab::tap_receiving(*raw->lab, from, meta, std::move(stage))
                                : std::move(stage);
            } catch (const std::exception& e) {
                *error = e.what();
                return nullptr;
            }
        });
    if (impl->options.lab) impl->start_lab();
    impl->last_membership = impl->raft->membership();
    impl->on_membership(impl->last_membership);
    bool join = cfg.joins_as_learner() && !impl->last_membership.contains(impl->self);
    if (join) {
        // Until the leader's configuration reaches this node, admit and dial
        // the nodes named in initial_cluster: one of them is the leader, and
        // our answers to its first AppendEntries must find their way back.
        core::Membership seeds;
        for (const auto& m : cfg.cluster.initial_cluster) {
            seeds.members[m.id] = core::Member{m.id, m.address, m.is_voter(), m.status};
            impl->transport->add_peer(m.id, m.address);
        }
        for (const auto& [id, m] : impl->last_membership.members)
            seeds.members[id] = m;
        impl->gate->set_members(seeds);
    }
    impl->init_apply_state(restored);
    impl->publish_status();

    std::unique_ptr<Node> node(new Node(std::move(impl)));
    node->impl_->services.push_back(make_kv_service(*node));
    node->impl_->services.push_back(make_cluster_service(*node));
    if (raw->lab) {
        lab::LabHost host{[raw](const pb::ReadLogRequest& req, pb::ReadLogResponse* out) {
            core::Index commit;
            {
                std::lock_guard lock(raw->status_mu);
                commit = raw->status.commit_index;
            }
            lab::read_log(*raw->store, req, commit, raw->store->applied_index(), out);
        }};
        if (lab_endpoints.on_listen_address) {
            node->impl_->services.push_back(lab::make_lab_service(*raw->lab, host));
        }
        if (!lab_endpoints.own_address.empty()) {
            raw->lab_services.push_back(lab::make_lab_service(*raw->lab, host));
            // KV and Cluster too, so a viewer attached here can be a client;
            // but never as a plaintext way around [tls] (docs/security.md).
            if (!raw->tls) {
                raw->lab_services.push_back(make_kv_service(*node));
                raw->lab_services.push_back(make_cluster_service(*node));
            }
        }
    }
    node->impl_->start_server();
    if (!raw->lab_services.empty()) {
        raw->lab_server = start_lab_server(lab_endpoints.own_address, raw->lab_services,
                                           static_cast<int>(cfg.limits.max_rpc_bytes) + (1 << 20),
                                           &raw->lab_address);
    }
    node->impl_->start_threads();
    if (join) {
        JoinRequest req;
        req.self = raw->self;
        req.address = cfg.self().address;
        req.cluster_id = cfg.cluster.cluster_id;
        req.status = cfg.self().status == core::NodeStatus::ReadOnly ? core::NodeStatus::ReadOnly
                                                                     : core::NodeStatus::Promotable;
        req.seeds = cfg.join_seeds();
        if (raw->tls) req.credentials = net::channel_credentials(&*raw->tls);
        raw->joiner = std::make_unique<Joiner>(req, [raw] {
            std::lock_guard lock(raw->status_mu);
            return raw->status.membership.contains(raw->self);
        });
    }
    spdlog::info("[Node {}] serving on {} (cluster '{}')", node->impl_->self,
                 node->impl_->listen_address, cfg.cluster.cluster_id);
    if (raw->lab) {
        spdlog::info("[Node {}] Lab service on {}{}", raw->self,
                     lab_endpoints.on_listen_address ? raw->listen_address : raw->lab_address,
                     lab_endpoints.on_listen_address && raw->lab_server
                         ? " and on " + raw->lab_address
                         : std::string());
    }
    return node;
}

void Node::Impl::start_server() {
    grpc::ServerBuilder builder;
    int port = 0;
    // gRPC enables SO_REUSEPORT by default, which would let a second node
    // silently share the port; refuse that.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.SetMaxReceiveMessageSize(static_cast<int>(cfg().limits.max_rpc_bytes) + (1 << 20));
    builder.SetMaxSendMessageSize(static_cast<int>(cfg().limits.max_rpc_bytes) + (1 << 20));
    builder.AddListeningPort(listen_address, net::server_credentials(tls ? &*tls : nullptr), &port);
    builder.RegisterService(peer_service.get());
    for (auto& s : services)
        builder.RegisterService(s.get());
    server = builder.BuildAndStart();
    if (!server || port == 0) {
        throw NodeError("cannot listen on " + listen_address +
                        ": gRPC could not bind it (in use, or not an address of this machine); "
                        "choose another listen_address");
    }
    auto hp = config::parse_host_port(listen_address);
    if (hp && hp->port == 0) {
        listen_address =
            (hp->host.find(':') != std::string::npos ? "[" + hp->host + "]" : hp->host) + ":" +
            std::to_string(port);
    }
}

// The lab plane (--lab, issue 5): event bus, netem on every outgoing
// message, and the raft loop woken whenever the lab clock changes.
void Node::Impl::start_lab() {
    lab = std::make_unique<lab::LabPlane>(self, lab_clock, [this] {
        lab::StateExtras x;
        x.address = listen_address;
        x.cluster_id = cfg().cluster.cluster_id;
        x.tick_ms = static_cast<int>(cfg().raft.tick_ms);
        x.learner_catchup_lag = cfg().core_config().learner_catchup_lag;
        x.lab_now_ns = lab_clock.now();
        x.clock_rate = lab_clock.rate();
        x.mono_now_ns = netem::LabClock::monotonic_now_ns();
        std::lock_guard lock(status_mu);
        return lab::to_node_state(status, x);
    });
    transport->use_netem(lab->emulator(), lab_clock);
    lab_clock.add_listener([this] {
        std::lock_guard lock(in_mu);
        clock_changed = true;
        in_cv.notify_all();
    });
    spdlog::info("[Node {}] lab plane on: Lab service, netem and lab time (loopback only)", self);
}

void Node::Impl::start_threads() {
    last_tick = lab_now();
    next_reap = last_tick;
    apply_thread = std::thread([this] { run_apply(); });
    loop_thread = std::thread([this] { run_loop(); });
}

void fail_input(Input& in, const OpError& e) {
    if (auto* p = std::get_if<ProposeIn>(&in)) p->done(WriteResult{e});
    if (auto* r = std::get_if<ReadIndexIn>(&in)) r->serve(e);
    if (auto* c = std::get_if<ChangeIn>(&in)) c->done(ChangeResult{e});
}

void Node::Impl::push(Input input) {
    {
        std::lock_guard lock(in_mu);
        if (!stopping) {
            inbox.push_back(std::move(input));
            in_cv.notify_one();
            return;
        }
    }
    fail_input(input,
               OpError{Code::ShuttingDown, "node " + std::to_string(self) + " is shutting down"});
}

OpError Node::Impl::not_leader_error(core::NodeId leader) const {
    OpError e;
    if (leader == core::kNoNode) {
        e.code = Code::NoLeader;
        e.message =
            "no leader is known right now (election in progress or no quorum); retry "
            "shortly";
        return e;
    }
    e.code = Code::NotLeader;
    e.leader = leader;
    std::lock_guard lock(status_mu);
    auto it = status.membership.members.find(leader);
    if (it != status.membership.members.end()) e.leader_address = it->second.address;
    e.message = "node " + std::to_string(self) + " is not the leader; the leader is node " +
                std::to_string(leader) +
                (e.leader_address.empty() ? "" : " at " + e.leader_address);
    return e;
}

void Node::Impl::shutdown() {
    if (stopped.exchange(true)) return;
    spdlog::info("[Node {}] shutting down", self);
    joiner.reset();
    if (server) server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    if (lab_server) {
        lab_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    }
    // A sync held by a lab-time disk delay on a frozen clock must not hold
    // the raft loop past shutdown.
    if (lab) lab->stop();
    std::vector<Input> leftover;
    {
        std::lock_guard lock(in_mu);
        stopping = true;
        leftover.swap(inbox);
    }
    in_cv.notify_all();
    if (loop_thread.joinable()) loop_thread.join();
    for (auto& in : leftover) {
        fail_input(
            in, OpError{Code::ShuttingDown, "node " + std::to_string(self) + " is shutting down"});
    }
    {
        std::lock_guard lock(apply_q_mu);
        apply_stopping = true;
    }
    apply_cv.notify_all();
    if (apply_thread.joinable()) apply_thread.join();
    reap_expired(true, Code::ShuttingDown);
    for (auto& [index, serve] : waiting_reads) {
        serve(OpError{Code::ShuttingDown, "node " + std::to_string(self) + " is shutting down"});
    }
    waiting_reads.clear();
    if (transport) transport->stop();
    if (server) server->Wait();
    server.reset();
    if (lab_server) lab_server->Wait();
    lab_server.reset();
    {
        std::lock_guard lock(staged_mu);
        staged.reset();
    }
    store.reset();
    spdlog::info("[Node {}] stopped cleanly", self);
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() {
    stop();
}
void Node::stop() {
    impl_->shutdown();
}

core::NodeId Node::id() const {
    return impl_->self;
}
const std::string& Node::cluster_id() const {
    return impl_->cfg().cluster.cluster_id;
}
const std::string& Node::listen_address() const {
    return impl_->listen_address;
}
const config::NodeConfig& Node::config() const {
    return impl_->cfg();
}

core::Status Node::status() const {
    std::lock_guard lock(impl_->status_mu);
    return impl_->status;
}
bool Node::is_leader() const {
    return impl_->leader_flag.load();
}
core::NodeId Node::leader() const {
    return impl_->leader_id.load();
}

std::string Node::member_address(core::NodeId id) const {
    std::lock_guard lock(impl_->status_mu);
    auto it = impl_->status.membership.members.find(id);
    return it == impl_->status.membership.members.end() ? std::string() : it->second.address;
}

void Node::add_leader_observer(LeaderObserver observer) {
    std::lock_guard lock(impl_->status_mu);
    impl_->observers.push_back(std::move(observer));
}

std::uint64_t Node::refused_peer_messages() const {
    return impl_->peer_service->refused();
}

}  // namespace raftlab::server
