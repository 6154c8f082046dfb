// Item data roles shared by the lab's models and the views that paint them.
// Models hand out facts (a term, a role, "committed"); views pick colours.
#pragma once

#include <Qt>

namespace raftlab::gui {

enum ModelRole : int {
    NodeIdRole = Qt::UserRole + 1,  // quint64
    RaftRoleRole,                   // int(Role)
    LivenessRole,                   // int(Liveness)
    MembershipRole,                 // int(Membership)
    TermRole,                       // quint64; 0 = no entry / unknown
    CommittedRole,                  // bool: index <= the node's commit_index
    AppliedRole,                    // bool: index <= the node's applied_index
    CompactedRole,                  // bool: index <= the node's snapshot_index
    ExistsRole,                     // bool: the node's log (or snapshot) covers this index
    TimeRole,                       // qint64 ms
    EventKindRole,                  // int(EventKind)
    MsgFamilyRole,                  // int(MsgFamily), -1 for non-message events
    PeerRole,                       // quint64
};

}  // namespace raftlab::gui
