#include "engine/net/convert.h"

namespace raftlab::net {

void to_proto(const core::Membership& in, pb::Membership* out) {
    out->Clear();
    for (const auto& [id, m] : in.members) {
        auto* pm = out->add_members();
        pm->set_id(id);
        pm->set_address(m.address);
        pm->set_voter(m.voter);
        pm->set_status(static_cast<std::uint32_t>(m.status));
    }
}

core::Membership from_proto(const pb::Membership& in) {
    core::Membership out;
    for (const auto& pm : in.members()) {
        core::Member m;
        m.id = pm.id();
        m.address = pm.address();
        m.voter = pm.voter();
        m.status = static_cast<core::NodeStatus>(pm.status());
        out.members[m.id] = m;
    }
    return out;
}

void to_proto(const core::Entry& in, pb::Entry* out) {
    out->set_term(in.term);
    out->set_index(in.index);
    out->set_type(static_cast<std::uint32_t>(in.type));
    out->set_data(in.data);
    if (in.membership) to_proto(*in.membership, out->mutable_membership());
}

core::Entry from_proto(const pb::Entry& in) {
    core::Entry out;
    out.term = in.term();
    out.index = in.index();
    out.type = static_cast<core::EntryType>(in.type());
    out.data = in.data();
    if (out.type == core::EntryType::Config) out.membership = from_proto(in.membership());
    return out;
}

void to_proto(const core::SnapshotMeta& in, pb::SnapshotMeta* out) {
    out->set_index(in.index);
    out->set_term(in.term);
    to_proto(in.membership, out->mutable_membership());
}

core::SnapshotMeta from_proto(const pb::SnapshotMeta& in) {
    core::SnapshotMeta out;
    out.index = in.index();
    out.term = in.term();
    out.membership = from_proto(in.membership());
    return out;
}

void to_proto(const core::Message& in, const std::string& cluster_id, pb::PeerMessage* out) {
    auto* h = out->mutable_header();
    h->set_cluster_id(cluster_id);
    h->set_from(in.from);
    h->set_to(in.to);
    out->set_type(static_cast<std::uint32_t>(in.type));
    out->set_term(in.term);
    out->set_index(in.index);
    out->set_log_term(in.log_term);
    out->mutable_entries()->Reserve(static_cast<int>(in.entries.size()));
    for (const auto& e : in.entries)
        to_proto(e, out->add_entries());
    out->set_commit(in.commit);
    out->set_reject(in.reject);
    out->set_conflict_term(in.conflict_term);
    out->set_conflict_index(in.conflict_index);
    out->set_transfer(in.transfer);
    out->set_context(in.context);
}

core::Message from_proto(const pb::PeerMessage& in) {
    core::Message out;
    out.type = static_cast<core::MessageType>(in.type());
    out.from = in.header().from();
    out.to = in.header().to();
    out.term = in.term();
    out.index = in.index();
    out.log_term = in.log_term();
    out.entries.reserve(in.entries_size());
    for (const auto& e : in.entries())
        out.entries.push_back(from_proto(e));
    out.commit = in.commit();
    out.reject = in.reject();
    out.conflict_term = in.conflict_term();
    out.conflict_index = in.conflict_index();
    out.transfer = in.transfer();
    out.context = in.context();
    return out;
}

}  // namespace raftlab::net
