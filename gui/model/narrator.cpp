#include "gui/model/narrator.h"

namespace raftlab::gui {

namespace {

std::string node_name(NodeId id) {
    return "Node " + std::to_string(id);
}

std::string join(const std::set<NodeId>& ids) {
    std::string s;
    for (NodeId id : ids)
        s += (s.empty() ? "" : ", ") + std::to_string(id);
    return s;
}

std::string with_reason(std::string s, const std::string& reason) {
    if (!reason.empty()) s += " — " + reason;
    return s;
}

std::string role_line(const Event& e, const ClusterState& before) {
    const std::string who = node_name(e.node);
    const std::string term = std::to_string(e.term);
    const NodeState* n = before.node(e.node);
    switch (e.to_role) {
        case Role::Leader: {
            std::string s = who + " became Leader in term " + term;
            if (e.text.find("votes") != std::string::npos) {
                s += " — " + e.text;  // the node's own account: who voted for it
            } else if (n != nullptr && !n->votes_granted.empty()) {
                s += " — won the election with votes from " + join(n->votes_granted);
            }
            // The most useful context in a failover: the leader it replaced died.
            for (const auto& [id, o] : before.nodes()) {
                if (id != e.node && o.role == Role::Leader && o.liveness == Liveness::Killed) {
                    s += ", after node " + std::to_string(id) + " (the old leader) was killed";
                    break;
                }
            }
            return s;
        }
        case Role::Candidate:
            return with_reason(who + " became Candidate for term " + term + " and asks for votes",
                               e.text);
        case Role::PreCandidate:
            return with_reason(who + " became PreCandidate: asks whether it could win term " +
                                   std::to_string(e.term + 1) + " before disrupting anyone",
                               e.text);
        case Role::Follower:
            if (e.from_role == Role::Learner) {
                return who + " was promoted from Learner to voting Follower in term " + term;
            }
            if (e.from_role == Role::Follower) {
                return with_reason(who + " is a Follower in term " + term, e.text);
            }
            return with_reason(who + " stepped down from " + to_string(e.from_role) +
                                   " to Follower in term " + term,
                               e.text);
        case Role::Learner:
            return with_reason(who + " is a Learner in term " + term, e.text);
    }
    return who;
}

std::string msg_line(const Event& e) {
    std::string s;
    const bool send = e.kind == EventKind::Send;
    s = send
            ? node_name(e.node) + " sent " + to_string(e.msg) + " to node " + std::to_string(e.peer)
            : node_name(e.node) + " received " + to_string(e.msg) + " from node " +
                  std::to_string(e.peer);
    s += " (term " + std::to_string(e.term);
    if (e.msg == MsgType::Append || e.msg == MsgType::AppendResp) {
        s += ", index " + std::to_string(e.index);
        if (e.entries > 0) s += ", " + std::to_string(e.entries) + " entries";
        if (e.msg == MsgType::Append) s += ", commit " + std::to_string(e.commit);
    }
    if (e.reject) s += ", rejected";
    return s + ")";
}

std::string fault_line(const Event& e) {
    const std::string who = node_name(e.node);
    const std::string& w = e.what;
    if (w == "start") return who + " started";
    if (w == "restart" && !e.has(kTerm)) return with_reason(who + " restarted", e.text);
    if (w == "stop")
        return with_reason(who + " was stopped (SIGTERM): it shut down cleanly", e.text);
    if (w == "exited") return with_reason(who + " exited on its own", e.text);
    if (w == "unreachable") return with_reason(who + " cannot be reached", e.text);
    if (w == "restart") {
        return who + " restarted in term " + std::to_string(e.term) + " with commit index " +
               std::to_string(e.commit) + " and last index " + std::to_string(e.last_index);
    }
    if (w == "crash" || w == "kill") return who + " was killed: it forgets everything not on disk";
    if (w == "retire") return who + " was shut down for good (removed from the cluster)";
    if (w == "pause") return who + " was paused: it is alive but does nothing";
    if (w == "resume") return who + " was resumed";
    if (w == "isolate") return who + " was cut off from every other node";
    if (w == "block") {
        return "The link from node " + std::to_string(e.node) + " to node " +
               std::to_string(e.peer) + " was cut";
    }
    if (w == "partition") return "The network was partitioned: " + e.text;
    if (w == "heal") return "The network healed: every link works again";
    if (w == "clear-faults") {
        return with_reason("Every injected fault was cleared: links, disk delay, lab time 1×",
                           e.text);
    }
    return with_reason("Fault: " + w + (e.node ? " on node " + std::to_string(e.node) : ""),
                       e.text);
}

std::string persist_line(const Event& e, const ClusterState& before) {
    const NodeState* n = before.node(e.node);
    std::string s = node_name(e.node);
    if (e.has(kSnapshotIndex)) {
        return s + " installed a snapshot up to index " + std::to_string(e.snapshot_index) +
               " (term " + std::to_string(e.snapshot_term) + ")";
    }
    if (e.has(kFirst) && e.has(kLast)) {
        s += e.first == e.last
                 ? " wrote entry " + std::to_string(e.first)
                 : " wrote entries " + std::to_string(e.first) + "–" + std::to_string(e.last);
        s += " to disk";
    } else if (e.known == kCommit) {
        // A live node's EntriesCommitted: no write, only a commit.
        return s + " committed up to index " + std::to_string(e.commit);
    } else {
        s += " saved its term and vote";
    }
    if (n != nullptr && e.has(kCommit) && e.commit > n->commit_index) {
        s += "; commit index is now " + std::to_string(e.commit);
    }
    return s;
}

std::string client_line(const Event& e) {
    std::string s = "Client " + e.what;
    if (!e.key.empty()) s += " " + e.key;
    if (!e.value.empty()) s += " = " + e.value;
    s += " at node " + std::to_string(e.node);
    if (e.has(kIndex) && e.index > 0) s += " (index " + std::to_string(e.index) + ")";
    return with_reason(s, e.text);
}

}  // namespace

std::string narrate(const Event& e, const ClusterState& before) {
    const std::string who = node_name(e.node);
    switch (e.kind) {
        case EventKind::Role:
            return role_line(e, before);
        case EventKind::Send:
        case EventKind::Recv:
            return msg_line(e);
        case EventKind::Drop:
            return with_reason(std::string(to_string(e.msg)) + " from node " +
                                   std::to_string(e.peer) + " to node " + std::to_string(e.node) +
                                   " was lost",
                               e.text);
        case EventKind::Note:
            return e.text.empty() ? who + ": note" : who + ": " + e.text;
        case EventKind::Persist:
            return persist_line(e, before);
        case EventKind::Apply:
            if (e.what == "snapshot") {
                return who + " loaded its state machine from a snapshot at index " +
                       std::to_string(e.index);
            }
            return who + " applied entry " + std::to_string(e.index) + " (term " +
                   std::to_string(e.term) + ") to its state machine";
        case EventKind::Snapshot:
            return who + " compacted its log: entries up to " + std::to_string(e.index) +
                   " now live in a snapshot";
        case EventKind::Client:
            return client_line(e);
        case EventKind::Fault:
            return fault_line(e);
        case EventKind::Config:
            return with_reason(who + " was asked to " + e.what, e.text);
        case EventKind::Transfer:
            return with_reason(who + " was asked to transfer leadership " + e.what, e.text);
        case EventKind::State:
            if (e.live) {
                return who + " reports its state: " + to_string(e.live->role) + " in term " +
                       std::to_string(e.live->term) + ", commit " +
                       std::to_string(e.live->commit_index) + ", last " +
                       std::to_string(e.live->last_index);
            }
            return who + " reports its state";
        case EventKind::Unknown:
            break;
    }
    const std::string subject = e.node == kNoNode ? "Cluster" : who;
    return with_reason(subject + ": " + (e.kind_name.empty() ? "event" : e.kind_name), e.text);
}

}  // namespace raftlab::gui
