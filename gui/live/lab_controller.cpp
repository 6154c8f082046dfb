#include "gui/live/lab_controller.h"

#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <QMetaObject>
#include <chrono>
#include <thread>

#include "engine/proto/cluster.grpc.pb.h"
#include "engine/proto/kv.grpc.pb.h"
#include "engine/proto/lab.grpc.pb.h"
#include "gui/live/live_watch_source.h"
#include "gui/live/session_recorder.h"
#include "scenarios/runner/channel.h"
#include "scenarios/runner/kv_call.h"
#include "scenarios/runner/lab_client.h"
#include "scenarios/runner/supervisor.h"

namespace raftlab::gui {

namespace {

// The lab's nodes tick every 10 ms and time out after 150–300 ms, so a
// failover is over in well under a second: a class sees it happen.
constexpr const char* kRaftToml =
    "tick_ms = 10\n"
    "heartbeat_interval_ms = 50\n"
    "election_timeout_min_ms = 150\n"
    "election_timeout_max_ms = 300\n"
    "lease_ms = 110\n";  // below the minimum timeout (thesis §6.4.1)

std::string list_of(const std::vector<NodeId>& ids) {
    std::string s;
    for (NodeId id : ids)
        s += (s.empty() ? "" : ",") + std::to_string(id);
    return s;
}

}  // namespace

const char* lab_raft_toml() {
    return kRaftToml;
}

LabController::LabController(LiveWatchSource* source, QObject* parent)
    : QObject(parent), source_(source), worker_(new QObject), client_worker_(new QObject) {
    thread_.setObjectName(QStringLiteral("lab-controller"));
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.start();
    client_thread_.setObjectName(QStringLiteral("lab-client"));
    client_worker_->moveToThread(&client_thread_);
    connect(&client_thread_, &QThread::finished, client_worker_, &QObject::deleteLater);
    client_thread_.start();
}

LabController::~LabController() {
    shutdown();
    client_thread_.quit();
    client_thread_.wait();
    thread_.quit();
    thread_.wait();
}

void LabController::post(std::function<void()> work) {
    QMetaObject::invokeMethod(worker_, std::move(work), Qt::QueuedConnection);
}

void LabController::shutdown() {
    if (!thread_.isRunning()) return;
    // Blocking on purpose: the window is closing and must not return before
    // every node it started is gone (issue 7: closing stops every process).
    QMetaObject::invokeMethod(
        worker_,
        [this] {
            if (supervisor_) supervisor_->kill_all();
            supervisor_.reset();
            if (owns_run_dir_) {
                std::error_code ec;
                std::filesystem::remove_all(run_dir_, ec);
                owns_run_dir_ = false;
            }
        },
        Qt::BlockingQueuedConnection);
    std::lock_guard lock(mu_);
    controllable_.clear();
}

bool LabController::canControl(NodeId id) const {
    std::lock_guard lock(mu_);
    return controllable_.count(id) > 0;
}

std::map<NodeId, std::string> LabController::nodeAddresses() const {
    std::lock_guard lock(mu_);
    return client_addresses_;
}

QString LabController::runDir() const {
    return QString::fromStdString(run_dir_.string());
}

void LabController::fault(NodeId node, const std::string& what, const std::string& detail,
                          NodeId peer) {
    Event e;
    e.kind = EventKind::Fault;
    e.kind_name = "fault";
    e.node = node;
    e.what = what;
    e.text = detail;
    if (peer != kNoNode) {
        e.peer = peer;
        e.known |= kPeer;
    }
    source_->inject(std::move(e));
}

void LabController::startLocal(int nodes, const QString& node_bin, const QString& run_dir) {
    owns_processes_ = true;
    if (run_dir.isEmpty()) {
        std::string templ =
            (std::filesystem::temp_directory_path() / "raftlab-gui-XXXXXX").string();
        if (::mkdtemp(templ.data()) == nullptr) {
            emit status(
                tr("Could not create a run directory under %1; is /tmp writable?")
                    .arg(QString::fromStdString(std::filesystem::temp_directory_path().string())));
            return;
        }
        run_dir_ = templ;
        owns_run_dir_ = true;
    } else {
        run_dir_ = run_dir.toStdString();
        std::filesystem::create_directories(run_dir_);
    }
    scenario::SupervisorOptions options;
    options.run_dir = run_dir_;
    options.node_bin = node_bin.toStdString();
    options.raft_toml = kRaftToml;
    options.lab = true;
    next_id_ = static_cast<NodeId>(nodes) + 1;
    post([this, options, nodes] {
        supervisor_ = std::make_unique<scenario::Supervisor>(options);
        for (int i = 1; i <= nodes; ++i)
            supervisor_->plan(static_cast<NodeId>(i), false);
        for (int i = 1; i <= nodes; ++i)
            startNode(static_cast<NodeId>(i));
    });
}

void LabController::startNode(NodeId id) {
    const std::string error = supervisor_->start(id);
    if (!error.empty()) {
        emit status(tr("Node %1 did not start: %2").arg(id).arg(QString::fromStdString(error)));
        return;
    }
    {
        std::lock_guard lock(mu_);
        controllable_.insert(id);
        client_addresses_[id] = supervisor_->node(id).address;
    }
    source_->watch(id, supervisor_->node(id).address);
    fault(id, "start", "pid " + std::to_string(supervisor_->pid(id)));
    emit nodeStarted(id);
    // A node that dies at once (bad config, port taken) says why in its
    // own output; show that instead of a silent grey circle. Bounded wait,
    // on the worker thread.
    for (int i = 0; i < 15 && supervisor_->state(id) == scenario::ProcessState::Running; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (supervisor_->state(id) == scenario::ProcessState::Exited) {
        fault(id, "exited",
              "exit code " + std::to_string(supervisor_->exit_code(id)) + ": " +
                  supervisor_->log_tail(id, 1));
        emit status(tr("Node %1 exited at start (code %2): %3")
                        .arg(id)
                        .arg(supervisor_->exit_code(id))
                        .arg(QString::fromStdString(supervisor_->log_tail(id, 3))));
    }
}

void LabController::attach(const std::vector<std::string>& lab_addresses) {
    owns_processes_ = false;
    post([this, lab_addresses] {
        for (const auto& address : lab_addresses) {
            // Who is there? The first event of a Watch stream is the node's
            // state, stamped with its id.
            auto stub = pb::Lab::NewStub(scenario::lab_channel(address));
            grpc::ClientContext ctx;
            ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
            pb::WatchRequest req;
            auto reader = stub->Watch(&ctx, req);
            pb::WatchEvent first;
            if (!reader->Read(&first)) {
                ctx.TryCancel();
                const grpc::Status st = reader->Finish();
                emit status(tr("No Lab service answers at %1 (%2): start the node with --lab, "
                               "and give its listen_address")
                                .arg(QString::fromStdString(address))
                                .arg(QString::fromStdString(st.error_message())));
                continue;
            }
            ctx.TryCancel();
            reader->Finish();
            const NodeId id = first.node_id();
            attached_[id] = address;
            {
                // The Lab service's address serves KV too (one port).
                std::lock_guard lock(mu_);
                client_addresses_[id] = address;
            }
            source_->watch(id, address);
            emit status(tr("Watching node %1 at %2").arg(id).arg(QString::fromStdString(address)));
        }
    });
}

void LabController::adopt(NodeId id, const std::string& address) {
    {
        std::lock_guard lock(mu_);
        client_addresses_[id] = address;
    }
    post([this, id, address] {
        attached_[id] = address;
        source_->watch(id, address);
    });
}

std::string LabController::labAddress(NodeId id) const {
    // raftlab-node --lab serves the Lab service on its listen_address, next
    // to KV and Cluster (engine/server/node.cpp), not on the [lab] address.
    if (supervisor_ && supervisor_->planned(id)) return supervisor_->node(id).address;
    auto it = attached_.find(id);
    return it == attached_.end() ? std::string() : it->second;
}

std::string LabController::clientAddressLocked(NodeId id) const {
    std::lock_guard lock(mu_);
    auto it = client_addresses_.find(id);
    return it == client_addresses_.end() ? std::string() : it->second;
}

std::string LabController::clientAddress(NodeId id) const {
    if (supervisor_ && supervisor_->planned(id)) return supervisor_->node(id).address;
    return clientAddressLocked(id);
}

void LabController::kill9(NodeId id) {
    post([this, id] {
        if (!canControl(id)) return;
        supervisor_->kill9(id);
        fault(id, "kill", "SIGKILL");
        emit status(tr("Node %1 killed (SIGKILL)").arg(id));
    });
}

void LabController::stop(NodeId id) {
    post([this, id] {
        if (!canControl(id)) return;
        const int code = supervisor_->stop(id, 5000);
        fault(id, "stop", "SIGTERM, exit code " + std::to_string(code));
        emit status(tr("Node %1 stopped (SIGTERM, exit code %2)").arg(id).arg(code));
    });
}

void LabController::pause(NodeId id) {
    post([this, id] {
        if (!canControl(id)) return;
        if (supervisor_->state(id) != scenario::ProcessState::Running) {
            emit status(tr("Node %1 is %2, so it cannot be paused")
                            .arg(id)
                            .arg(scenario::to_string(supervisor_->state(id))));
            return;
        }
        supervisor_->pause(id);
        fault(id, "pause", "SIGSTOP");
        emit status(tr("Node %1 paused (SIGSTOP)").arg(id));
    });
}

void LabController::resume(NodeId id) {
    post([this, id] {
        if (!canControl(id)) return;
        supervisor_->resume(id);
        fault(id, "resume", "SIGCONT");
        emit status(tr("Node %1 resumed (SIGCONT)").arg(id));
    });
}

void LabController::restart(NodeId id) {
    post([this, id] {
        if (!canControl(id)) return;
        if (supervisor_->state(id) == scenario::ProcessState::Running ||
            supervisor_->state(id) == scenario::ProcessState::Paused) {
            supervisor_->stop(id, 5000);
        }
        const std::string error = supervisor_->start(id);
        if (!error.empty()) {
            emit status(
                tr("Node %1 did not restart: %2").arg(id).arg(QString::fromStdString(error)));
            return;
        }
        source_->watch(id, supervisor_->node(id).address);
        fault(id, "restart", "pid " + std::to_string(supervisor_->pid(id)));
        emit status(tr("Node %1 restarted").arg(id));
    });
}

void LabController::transferLeadership(NodeId leader, NodeId to) {
    post([this, leader, to] {
        const std::string address = clientAddress(leader);
        if (address.empty()) {
            emit status(tr("No client address for leader %1: transfer needs a node the app "
                           "started")
                            .arg(leader));
            return;
        }
        auto stub = pb::Cluster::NewStub(scenario::lab_channel(address));
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
        pb::TransferLeaderRequest req;
        req.set_node_id(to);
        pb::ChangeResponse resp;
        const grpc::Status st = stub->TransferLeader(&ctx, req, &resp);
        Event e;
        e.kind = EventKind::Transfer;
        e.kind_name = "transfer";
        e.node = leader;
        e.what = "to node " + std::to_string(to);
        e.text = !st.ok() ? "gRPC " + st.error_message()
                 : resp.error().code() == pb::OK
                     ? "ok"
                     : pb::ErrorCode_Name(resp.error().code()) + ": " + resp.error().message();
        source_->inject(e);
        emit status(
            tr("Transfer leadership to node %1: %2").arg(to).arg(QString::fromStdString(e.text)));
    });
}

void LabController::remove(NodeId leader, NodeId id) {
    post([this, leader, id] {
        const std::string address = clientAddress(leader);
        if (address.empty()) {
            emit status(tr("No client address for leader %1").arg(leader));
            return;
        }
        auto stub = pb::Cluster::NewStub(scenario::lab_channel(address));
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
        pb::RemoveNodeRequest req;
        req.set_node_id(id);
        pb::ChangeResponse resp;
        const grpc::Status st = stub->RemoveNode(&ctx, req, &resp);
        Event e;
        e.kind = EventKind::Config;
        e.kind_name = "config";
        e.node = leader;
        e.what = "remove " + std::to_string(id);
        e.text = !st.ok() ? "gRPC " + st.error_message()
                 : resp.error().code() == pb::OK
                     ? "ok"
                     : pb::ErrorCode_Name(resp.error().code()) + ": " + resp.error().message();
        source_->inject(e);
        emit status(tr("Remove node %1: %2").arg(id).arg(QString::fromStdString(e.text)));
    });
}

void LabController::addLearner() {
    const NodeId id = owns_processes_ ? next_id_.fetch_add(1) : kNoNode;
    if (recorder_ && id != kNoNode) recorder_->join(id);
    post([this, id] {
        if (!supervisor_ || id == kNoNode) {
            emit status(tr("Add node needs a cluster the app started"));
            return;
        }
        supervisor_->plan(id, /*learner=*/true);
        // The node's config makes it ask the cluster to join (JoinCluster);
        // the leader adds it as a learner and promotes it once caught up.
        startNode(id);
        emit status(tr("Node %1 started as a learner joining the cluster").arg(id));
    });
}

void LabController::setLinkRules(const std::vector<LinkRuleSpec>& rules, const QString& what) {
    post([this, rules, what] {
        std::map<NodeId, std::vector<pb::LinkRule>> by_sender;
        for (const auto& r : rules) {
            pb::LinkRule rule;
            rule.set_to(r.to);
            rule.set_delay_ms(r.delay_ms);
            rule.set_jitter_ms(r.jitter_ms);
            rule.set_loss_pct(r.loss_pct);
            rule.set_cut(r.cut);
            by_sender[r.from].push_back(rule);
        }
        std::string failed;
        for (const auto& [from, list] : by_sender) {
            const std::string address = labAddress(from);
            if (address.empty()) continue;
            scenario::LabClient lab(from, address);
            const std::string e = lab.set_link_rules(list, 0);
            if (!e.empty()) failed += (failed.empty() ? "" : "; ") + e;
        }
        // What the links now do, as events the views fold (cut, delay, loss).
        for (const auto& r : rules) {
            if (labAddress(r.from).empty()) continue;
            fault(r.from, r.cut ? "block" : "unblock", {}, r.to);
            Event d;
            d.kind = EventKind::Fault;
            d.kind_name = "fault";
            d.node = r.from;
            d.peer = r.to;
            d.what = "delay";
            d.delay_ms = r.delay_ms;
            d.loss = r.loss_pct / 100.0;
            d.known |= kPeer | kDelay | kLoss;
            d.text = "delay " + std::to_string(r.delay_ms) + " ms ± " +
                     std::to_string(r.jitter_ms) + ", loss " + std::to_string(int(r.loss_pct)) +
                     "%";
            source_->inject(d);
        }
        emit status(failed.empty()
                        ? what
                        : what + tr(" (partly failed: %1)").arg(QString::fromStdString(failed)));
    });
}

void LabController::healAll(const std::vector<NodeId>& nodes) {
    post([this, nodes] {
        std::string failed;
        for (NodeId id : nodes) {
            const std::string address = labAddress(id);
            if (address.empty()) continue;
            scenario::LabClient lab(id, address);
            const std::string e = lab.clear_faults();
            if (!e.empty()) failed += (failed.empty() ? "" : "; ") + e;
        }
        // ClearFaults resets everything the lab injected, not only cuts.
        fault(kNoNode, "clear-faults", "nodes " + list_of(nodes));
        emit status(failed.empty()
                        ? tr("Every link healed, lab time back to 1×")
                        : tr("Heal partly failed: %1").arg(QString::fromStdString(failed)));
    });
}

void LabController::setClock(const std::vector<NodeId>& nodes, double rate) {
    post([this, nodes, rate] {
        std::string failed;
        const std::int64_t at = scenario::LabClient::shared_instant(nodes.size());
        for (NodeId id : nodes) {
            const std::string address = labAddress(id);
            if (address.empty()) continue;
            const std::string e = scenario::LabClient(id, address).set_clock(rate, at);
            if (!e.empty()) failed += (failed.empty() ? "" : "; ") + e;
        }
        fault(kNoNode, "clock", "lab time rate " + std::to_string(rate).substr(0, 4));
        emit status(failed.empty()
                        ? (rate == 0 ? tr("Lab time frozen on every node")
                                     : tr("Lab time runs at %1×").arg(rate))
                        : tr("Clock change partly failed: %1").arg(QString::fromStdString(failed)));
    });
}

void LabController::stepClock(const std::vector<NodeId>& nodes, std::uint64_t ms) {
    post([this, nodes, ms] {
        for (NodeId id : nodes) {
            const std::string address = labAddress(id);
            if (!address.empty()) scenario::LabClient(id, address).step_clock(ms);
        }
        fault(kNoNode, "clock", "stepped lab time by " + std::to_string(ms) + " ms");
        emit status(tr("Lab time stepped by %1 ms").arg(ms));
    });
}

void LabController::clientOp(NodeId node, const QString& op, const QString& key,
                             const QString& value, int consistency) {
    if (recorder_ && op == QLatin1String("put")) {
        recorder_->put(key.toStdString(), value.toStdString());
    } else if (recorder_ && op == QLatin1String("get")) {
        recorder_->get(key.toStdString(), node, consistency);
    } else if (recorder_ && op == QLatin1String("delete")) {
        recorder_->erase(key.toStdString());
    }
    // The address is read here, on the UI thread's call, from the map the
    // worker fills before any node is offered in the panel.
    const std::string address = clientAddressLocked(node);
    // Only a cluster the app started is judged for linearizability: nodes
    // of a scenario or an attached cluster have other clients too, whose
    // writes the lab's own reads would see without having seen the writes.
    const bool judged = owns_processes_;
    QMetaObject::invokeMethod(
        client_worker_,
        [this, address, node, op, key, value, consistency, judged] {
            if (address.empty()) {
                emit clientAnswer(tr("No client address for node %1").arg(node));
                return;
            }
            auto& slot = kv_stubs_[address];
            if (!slot)
                slot =
                    std::shared_ptr<pb::KV::Stub>(pb::KV::NewStub(scenario::lab_channel(address)));
            auto* stub = static_cast<pb::KV::Stub*>(slot.get());
            lincheck::Operation o;
            o.key = key.toStdString();
            if (op == "put") {
                o.kind = lincheck::OpKind::Put;
                o.value = value.toStdString();
            } else if (op == "delete") {
                o.kind = lincheck::OpKind::Delete;
            } else {
                o.kind = lincheck::OpKind::Get;
            }
            const std::uint64_t op_id = judged ? client_history_.invoke(o, consistency) : 0;
            const auto began = std::chrono::steady_clock::now();
            const scenario::CallResult r = scenario::call_kv(*stub, o, consistency, 2000);
            client_history_.complete(op_id, r.outcome, r.value);
            // The call as the client saw it, for the latency chart.
            Event done;
            done.kind = EventKind::Client;
            done.kind_name = "client";
            done.node = node;
            done.what = op.toStdString();
            done.key = o.key;
            done.text =
                r.outcome == lincheck::Outcome::Ok ? "ok (lab client)" : "lab client: " + r.error;
            done.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now() - began)
                                  .count();
            source_->inject(std::move(done));
            QString text = QStringLiteral("%1 %2 at node %3: ").arg(op, key).arg(node);
            if (r.outcome == lincheck::Outcome::Ok) {
                text += r.value
                            ? QStringLiteral("ok, value = %1").arg(QString::fromStdString(*r.value))
                            : QStringLiteral("ok");
            } else {
                text += QString::fromStdString(r.error.empty() ? "failed" : r.error);
            }
            emit clientAnswer(text);
            // Checked here, between calls: the history is only touched on
            // this thread, and a workload of 200 puts/s checks in well under
            // the budget.
            if (auto j = client_history_.checkIfDue(std::chrono::milliseconds(1000),
                                                    std::chrono::milliseconds(300))) {
                emit clientHistoryJudged(static_cast<int>(j->verdict),
                                         QString::fromStdString(j->summary),
                                         QString::fromStdString(j->evidence));
            }
        },
        Qt::QueuedConnection);
}

}  // namespace raftlab::gui
