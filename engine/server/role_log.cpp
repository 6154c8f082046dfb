#include "engine/server/role_log.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace raftlab::server {

const char* role_name(core::Role role) {
    switch (role) {
        case core::Role::Follower:
            return "Follower";
        case core::Role::Candidate:
            return "Candidate";
        case core::Role::Leader:
            return "Leader";
        case core::Role::Learner:
            return "Learner";
        case core::Role::PreCandidate:
            return "PreCandidate";
    }
    return "?";
}

std::string describe(const core::Membership& membership) {
    std::string voters, learners;
    for (const auto& [id, m] : membership.members) {
        if (m.voter) {
            voters += (voters.empty() ? "" : ", ") + std::to_string(id);
        } else {
            learners +=
                fmt::format("{}{} ({})", learners.empty() ? "" : ", ", id,
                            m.status == core::NodeStatus::ReadOnly ? "read-only" : "promotable");
        }
    }
    std::string out = "voters {" + voters + "}";
    if (!learners.empty()) out += ", learners {" + learners + "}";
    return out;
}

void log_role_change(core::NodeId self, const core::RoleChange& change) {
    if (change.from == change.to) {
        spdlog::info("[Node {}] {} (term {}){}{}", self, role_name(change.to), change.term,
                     change.reason.empty() ? "" : " — ", change.reason);
        return;
    }
    spdlog::info("[Node {}] {} → {} (term {}){}{}", self, role_name(change.from),
                 role_name(change.to), change.term, change.reason.empty() ? "" : " — ",
                 change.reason);
}

void log_note(core::NodeId self, const core::Note& note, const core::Membership& membership) {
    using K = core::NoteKind;
    switch (note.kind) {
        case K::LearnerPromoted:
            spdlog::info("🎊 NODE {} PROMOTED TO VOTER! (term {}, index {}; now {})", note.peer,
                         note.term, note.index, describe(membership));
            break;
        case K::EvenVoterCount: {
            std::size_t voters = membership.voters().size();
            spdlog::warn(
                "[Node {}] WARNING: the committed configuration has {} voters, an even number: "
                "a quorum is {} of {}, so it survives {} failure(s), the same as {} voter(s) "
                "would, with more nodes to fail. Add or remove one voter to make the count odd. "
                "({})",
                self, voters, voters / 2 + 1, voters, (voters - 1) / 2, voters - 1,
                describe(membership));
            break;
        }
        case K::ConfigCommitted:
            spdlog::info("[Node {}] configuration committed at index {}: {}", self, note.index,
                         describe(membership));
            break;
        case K::ConfigAppended:
            spdlog::info("[Node {}] {}", self,
                         note.text.empty()
                             ? fmt::format("configuration change appended at index {}", note.index)
                             : note.text);
            break;
        case K::SnapshotSent:
            spdlog::info("[Node {}] sending InstallSnapshot to node {} (snapshot index {}){}{}",
                         self, note.peer, note.index, note.text.empty() ? "" : ": ", note.text);
            break;
        case K::SnapshotInstalled:
            spdlog::info("[Node {}] snapshot installed at index {} (term {}){}{}", self, note.index,
                         note.term, note.text.empty() ? "" : ": ", note.text);
            break;
        case K::TransferStarted:
            spdlog::info("[Node {}] leader transfer to node {} started{}{}", self, note.peer,
                         note.text.empty() ? "" : ": ", note.text);
            break;
        case K::TransferAborted:
            spdlog::warn("[Node {}] leader transfer to node {} aborted{}{}", self, note.peer,
                         note.text.empty() ? "" : ": ", note.text);
            break;
        case K::RemovedSelf:
            spdlog::warn("[Node {}] this node was removed from the cluster{}{}", self,
                         note.text.empty() ? "" : ": ", note.text);
            break;
        case K::VoteGranted:
        case K::VoteDenied:
            spdlog::debug("[Node {}] {} vote for node {} in term {}{}{}", self,
                          note.kind == K::VoteGranted ? "granted" : "denied", note.peer, note.term,
                          note.text.empty() ? "" : ": ", note.text);
            break;
    }
}

}  // namespace raftlab::server
