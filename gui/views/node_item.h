// One node of the cluster view, in the spirit of Qt's elasticnodes Node: a
// shape you can drag, coloured by role, that says in words what it is.
// Colour is never the only cue: each role has its own outline (Leader a
// double ring, Candidate a dashed ring, Learner a rounded square), killed
// nodes are grey and crossed out, paused nodes wear a pause badge.
#pragma once

#include <QGraphicsObject>

#include "gui/model/cluster_state.h"

namespace raftlab::gui {

class NodeItem : public QGraphicsObject {
    Q_OBJECT
  public:
    explicit NodeItem(NodeId id, QGraphicsItem* parent = nullptr);

    NodeId id() const { return id_; }
    const NodeState& node() const { return node_; }
    // What the election timer ring shows: the fraction of the maximum
    // timeout left, or -1 when the node has no running timer.
    double electionTimerLeft() const;
    bool showsPromotion() const;
    void setNode(const NodeState& n, std::int64_t now_ms, const Timing& timing);
    // The guide player's "look here": a thick blue dashed ring and an arrow.
    void setHighlighted(bool on);
    bool highlighted() const { return highlighted_; }
    // A learner's catch-up as its leader sees it: match_index out of the
    // leader's last index (the promotion waits for it, thesis §4.2.1), the
    // lag the leader accepts, and an InstallSnapshot's progress (-1: none).
    void setLearnerProgress(Index match, Index leader_last, Index threshold, int snapshot_pct);
    qreal radius() const;

    QRectF boundingRect() const override;
    void paint(QPainter* p, const QStyleOptionGraphicsItem* opt, QWidget* w) override;

  signals:
    void moved();

  protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

  private:
    Role shownRole() const;
    void paintShape(QPainter* p, const QRectF& r) const;
    void paintElectionTimer(QPainter* p, const QRectF& r) const;
    void paintPauseBadge(QPainter* p, const QRectF& r) const;

    NodeId id_;
    NodeState node_;
    std::int64_t now_ms_ = 0;
    Timing timing_;
    bool highlighted_ = false;
    Index learner_match_ = 0, learner_leader_last_ = 0, learner_threshold_ = 0;
    int learner_snapshot_pct_ = -1;
};

}  // namespace raftlab::gui
