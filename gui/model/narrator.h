// Says what an event means in plain words, the way a teacher would say it
// over the projector: "Node 3 became Leader in term 4 — won the election
// with votes from 1, 3". Needs the state *before* the event, because the
// meaning of an event depends on what came before it (who voted, who died).
#pragma once

#include <string>

#include "gui/model/cluster_state.h"
#include "gui/model/event.h"

namespace raftlab::gui {

std::string narrate(const Event& e, const ClusterState& before);

}  // namespace raftlab::gui
