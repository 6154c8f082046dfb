#include "gui/views/cluster_view.h"

#include <QContextMenuEvent>
#include <QLabel>
#include <cmath>

#include "gui/views/link_item.h"
#include "gui/views/message_layer.h"
#include "gui/views/node_item.h"
#include "gui/views/palette.h"

namespace raftlab::gui {

ClusterView::ClusterView(QWidget* parent) : QGraphicsView(parent) {
    setScene(&scene_);
    setRenderHint(QPainter::Antialiasing);
    setViewportUpdateMode(BoundingRectViewportUpdate);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setBackgroundBrush(LabPalette::instance().background());
    setMinimumSize(360, 300);
    messages_ = new MessageLayer;
    scene_.addItem(messages_);
    banner_ = new QLabel(this);
    subtitle_ = new QLabel(this);
    banner_->setTextFormat(Qt::RichText);
    subtitle_->setTextFormat(Qt::PlainText);
    for (QLabel* l : {banner_, subtitle_}) {
        l->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
        l->setWordWrap(true);
        l->setAttribute(Qt::WA_TransparentForMouseEvents);
    }
    connect(&scene_, &QGraphicsScene::selectionChanged, this,
            [this] { emit nodeSelected(selectedNode()); });
    refreshStyle();
}

ClusterView::~ClusterView() {
    // The scene deletes its items after this body runs, which changes the
    // selection; nobody may hear about it from a half-destroyed window.
    scene_.blockSignals(true);
}

void ClusterView::refreshStyle() {
    const LabPalette& pal = LabPalette::instance();
    banner_->setFont(pal.font(pal.titleSize(), true));
    subtitle_->setFont(pal.font(pal.textSize()));
    // The margin above the viewport shows the view's own background.
    QPalette vp = palette();
    vp.setColor(QPalette::Window, pal.background());
    setPalette(vp);
    setAutoFillBackground(true);
    for (auto& [id, item] : nodes_)
        item->update();
    layoutCircle();
    updateBanner(last_);
}

void ClusterView::rebuild(const std::vector<NodeId>& ids) {
    for (LinkItem* l : links_)
        delete l;
    links_.clear();
    // Keep the items of nodes that stay, so a dragged node keeps its place.
    for (auto it = nodes_.begin(); it != nodes_.end();) {
        if (std::find(ids.begin(), ids.end(), it->first) == ids.end()) {
            delete it->second;
            it = nodes_.erase(it);
        } else {
            ++it;
        }
    }
    for (NodeId id : ids) {
        if (nodes_.count(id)) continue;
        auto* item = new NodeItem(id);
        scene_.addItem(item);
        nodes_[id] = item;
        connect(item, &NodeItem::moved, this, [this] {
            for (LinkItem* l : links_)
                l->adjust();
        });
    }
    for (auto a = nodes_.begin(); a != nodes_.end(); ++a) {
        for (auto b = std::next(a); b != nodes_.end(); ++b) {
            auto* link = new LinkItem(a->second, b->second);
            scene_.addItem(link);
            links_.push_back(link);
        }
    }
    layoutCircle();
}

void ClusterView::layoutCircle() {
    const int n = static_cast<int>(nodes_.size());
    if (n == 0) return;
    const qreal node_r = nodes_.begin()->second->radius();
    // Far enough apart that labels of neighbours never touch.
    const qreal ring = std::max<qreal>(node_r * 2.8, node_r * 1.55 * n / M_PI * 2);
    int i = 0;
    for (auto& [id, item] : nodes_) {
        // Node 1 at the top, then clockwise, as people count around a table.
        const qreal a = -M_PI / 2 + 2 * M_PI * i / n;
        item->setPos(std::cos(a) * ring, std::sin(a) * ring);
        ++i;
    }
    for (LinkItem* l : links_)
        l->adjust();
    // Just the nodes plus room for the banner: no wasted margin, so the
    // cluster fills the view.
    QRectF used;
    for (auto& [id, item] : nodes_)
        used |= item->sceneBoundingRect();
    used.adjust(-10, -10, 10, 6);
    const qreal min_width = 640;  // a lone node should not fill the whole view
    if (used.width() < min_width)
        used.adjust(-(min_width - used.width()) / 2, 0, (min_width - used.width()) / 2, 0);
    scene_.setSceneRect(used);
    fit();
}

QString ClusterView::bannerText() const {
    return banner_plain_;
}

NodeId ClusterView::selectedNode() const {
    for (const auto& [id, item] : nodes_) {
        if (item->isSelected()) return id;
    }
    return kNoNode;
}

void ClusterView::selectNode(NodeId id) {
    if (selectedNode() == id) return;
    for (const auto& [nid, item] : nodes_)
        item->setSelected(nid == id);
}

QRect ClusterView::bannerGeometry() const {
    return banner_->geometry();
}

int ClusterView::bannerNeededHeight() const {
    return banner_->heightForWidth(banner_->width());
}

bool ClusterView::bannerWarns() const {
    return last_.quorum().even;
}

NodeItem* ClusterView::nodeItem(NodeId id) const {
    auto it = nodes_.find(id);
    return it == nodes_.end() ? nullptr : it->second;
}

LinkItem* ClusterView::linkItem(NodeId a, NodeId b) const {
    for (LinkItem* l : links_) {
        if ((l->a()->id() == a && l->b()->id() == b) || (l->a()->id() == b && l->b()->id() == a)) {
            return l;
        }
    }
    return nullptr;
}

int ClusterView::messagesInFlight() const {
    return messages_->dotCount();
}

void ClusterView::updateBanner(const ClusterState& state) {
    const LabPalette& pal = LabPalette::instance();
    const QuorumInfo q = state.quorum();
    int learners = 0;
    for (const auto& [id, n] : state.nodes())
        learners += n.membership == Membership::Learner;
    QString text = QStringLiteral("%1 voter%2 · quorum %3 · tolerates %4 failure%5")
                       .arg(q.voters)
                       .arg(q.voters == 1 ? "" : "s")
                       .arg(q.quorum)
                       .arg(q.tolerates)
                       .arg(q.tolerates == 1 ? "" : "s");
    if (learners > 0)
        text += QStringLiteral(" · %1 learner%2").arg(learners).arg(learners == 1 ? "" : "s");
    banner_plain_ = text;
    QString html = text.toHtmlEscaped();
    if (q.even) {
        // Raft needs a majority: 2 voters tolerate no more failures than 1,
        // 4 no more than 3. The guide warns about even counts; so do we, on
        // a line of its own in the text size: in the title size it took
        // five lines of a narrow classroom view.
        const QString warn =
            QStringLiteral("⚠ even voter count: the extra voter adds no fault tolerance");
        banner_plain_ += QStringLiteral("  ") + warn;
        html += QStringLiteral("<br><span style=\"font-size:%1pt\">%2</span>")
                    .arg(pal.textSize())
                    .arg(warn.toHtmlEscaped());
    }
    banner_->setText(html);
    QPalette bp = banner_->palette();
    bp.setColor(QPalette::WindowText, q.even ? pal.warning() : pal.ink());
    banner_->setPalette(bp);

    const NodeId leader = state.leader();
    QString sub = leader == kNoNode
                      ? tr("No leader")
                      : tr("Leader: node %1 (term %2)").arg(leader).arg(state.node(leader)->term);
    sub += tr("   ·   t = %1 ms").arg(state.now_ms());
    if (!state.last_partition().empty()) {
        sub += tr("   ·   partition %1").arg(QString::fromStdString(state.last_partition()));
    }
    subtitle_->setText(sub);
    layoutBanner();
}

void ClusterView::layoutBanner() {
    const int w = std::max(0, width() - 2 * frameWidth() - 12);
    const int top = frameWidth() + 4;
    const int bh = banner_->heightForWidth(w);
    const int sh = subtitle_->heightForWidth(w);
    banner_->setGeometry(frameWidth() + 6, top, w, bh);
    subtitle_->setGeometry(frameWidth() + 6, top + bh + 2, w, sh);
    const int margin = bh + sh + 10;
    // Only when it changes: a new margin resizes the viewport, which lays
    // the banner out again.
    if (viewportMargins().top() != margin) setViewportMargins(0, margin, 0, 0);
}

void ClusterView::setState(const ClusterState& state, const std::vector<const Flight*>& flights) {
    const std::vector<NodeId> ids = state.node_ids();
    bool same = ids.size() == nodes_.size();
    for (NodeId id : ids)
        same = same && nodes_.count(id);
    if (!same) rebuild(ids);
    const NodeState* leader = state.node(state.leader());
    for (const auto& [id, n] : state.nodes()) {
        nodes_[id]->setNode(n, state.now_ms(), state.timing());
        nodes_[id]->setHighlighted(highlighted_.count(id) > 0);
        // A learner's catch-up, as its leader sees it.
        Index match = 0, last = 0, threshold = 0;
        int snapshot_pct = -1;
        if (leader != nullptr && n.membership == Membership::Learner) {
            auto p = leader->progress.find(id);
            if (p != leader->progress.end()) match = p->second.match_index;
            last = leader->last_index();
            auto c = leader->catchup.find(id);
            if (c != leader->catchup.end()) {
                threshold = c->second.lag_threshold;
                snapshot_pct = c->second.snapshot_pct;
            }
        }
        nodes_[id]->setLearnerProgress(match, last, threshold, snapshot_pct);
    }
    for (LinkItem* l : links_) {
        l->setLinks(state.link(l->a()->id(), l->b()->id()), state.link(l->b()->id(), l->a()->id()));
    }
    messages_->setFlights(flights, state.now_ms(), nodes_);
    last_ = state;
    updateBanner(state);
}

void ClusterView::fit() {
    fitInView(scene_.sceneRect(), Qt::KeepAspectRatio);
}

void ClusterView::resizeEvent(QResizeEvent* e) {
    QGraphicsView::resizeEvent(e);
    layoutBanner();
    fit();
}

void ClusterView::contextMenuEvent(QContextMenuEvent* e) {
    for (QGraphicsItem* item : items(e->pos())) {
        if (auto* node = dynamic_cast<NodeItem*>(item)) {
            emit nodeContextMenuRequested(node->id(), e->globalPos());
            return;
        }
    }
    QGraphicsView::contextMenuEvent(e);
}

void ClusterView::setHighlighted(const std::set<NodeId>& ids) {
    highlighted_ = ids;
    for (auto& [id, item] : nodes_)
        item->setHighlighted(ids.count(id) > 0);
}

}  // namespace raftlab::gui
