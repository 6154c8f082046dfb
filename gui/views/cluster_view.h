// The cluster at the playhead: nodes on a circle (elasticnodes-style items
// you can drag), a link between every pair, messages in flight as dots
// moving along the links, and a quorum banner on top. It only ever draws
// the state it is given; it never asks a node anything.
#pragma once

#include <QGraphicsView>
#include <map>
#include <set>
#include <vector>

#include "gui/model/cluster_state.h"
#include "gui/model/history.h"

class QLabel;

namespace raftlab::gui {

class NodeItem;
class LinkItem;
class MessageLayer;

class ClusterView : public QGraphicsView {
    Q_OBJECT
  public:
    explicit ClusterView(QWidget* parent = nullptr);
    ~ClusterView() override;

    void setState(const ClusterState& state, const std::vector<const Flight*>& flights);
    // Re-applies fonts and sizes after classroom mode changes.
    void refreshStyle();
    QString bannerText() const;
    bool bannerWarns() const;
    // Where the banner is drawn, in the view's coordinates (tests check it
    // fits the view whatever its width).
    QRect bannerGeometry() const;
    // The height the banner's text needs at its current width.
    int bannerNeededHeight() const;
    // The items, for tests and for the live controls to come.
    NodeItem* nodeItem(NodeId id) const;
    LinkItem* linkItem(NodeId a, NodeId b) const;
    int messagesInFlight() const;

    // The node the person picked (0 = none); shared with the table and log.
    NodeId selectedNode() const;
    void selectNode(NodeId id);
    // The guide player's "look here" (empty: none).
    void setHighlighted(const std::set<NodeId>& ids);
    std::set<NodeId> highlighted() const { return highlighted_; }

  signals:
    void nodeContextMenuRequested(raftlab::gui::NodeId id, const QPoint& global_pos);
    void nodeSelected(raftlab::gui::NodeId id);

  protected:
    void resizeEvent(QResizeEvent* e) override;
    void contextMenuEvent(QContextMenuEvent* e) override;

  private:
    void rebuild(const std::vector<NodeId>& ids);
    void layoutCircle();
    void updateBanner(const ClusterState& state);
    void layoutBanner();
    void fit();

    QGraphicsScene scene_;
    std::map<NodeId, NodeItem*> nodes_;
    std::vector<LinkItem*> links_;
    MessageLayer* messages_ = nullptr;
    // The banner and subtitle sit in the view's top margin, outside the
    // scene: the scene is scaled to fit the nodes, and a long banner in a
    // narrow view (the guide player's middle column) would be clipped at
    // both ends. As labels they wrap to the view's width instead.
    QLabel* banner_ = nullptr;
    QLabel* subtitle_ = nullptr;
    QString banner_plain_;  // the banner's words, without the markup
    ClusterState last_;
    std::set<NodeId> highlighted_;
};

}  // namespace raftlab::gui
