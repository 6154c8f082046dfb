// A trace written by the real simulator (raftlab-sim --seed 2 --steps 200
// --nodes 3, profile "crashes") replays in the viewer: every line parses,
// the table shows the leaders in the order the trace elected them, and the
// terms the viewer infers for each log entry agree with what the nodes
// later say they applied.
#include <QFile>
#include <QtTest>

#include "gui/model/lab_session.h"
#include "gui/model/trace_file_source.h"
#include "gui/models/model_roles.h"
#include "gui/models/node_table_model.h"

using namespace raftlab::gui;

namespace {
// RAFTLAB_GUI_SIM_TRACE=FILE runs the same checks on any simulator trace.
const QString kTrace = qEnvironmentVariableIsSet("RAFTLAB_GUI_SIM_TRACE")
                           ? qEnvironmentVariable("RAFTLAB_GUI_SIM_TRACE")
                           : QStringLiteral(RAFTLAB_GUI_TEST_DATA "/sim_seed2_crashes.jsonl");
}  // namespace

class TestSimTrace : public QObject {
    Q_OBJECT
  private slots:
    void everyLineParses() {
        LabSession session;
        auto* s = new TraceFileSource(kTrace, 0);
        session.setSource(s);
        QVERIFY(session.history().size() > 1000);
        QCOMPARE(s->skippedLines(), 0);
    }

    void showsTheLeadersInTheTracesOrder() {
        LabSession session;
        NodeTableModel table;
        connect(&session, &LabSession::playheadChanged, &table,
                [&] { table.setState(session.state()); });
        session.setSource(new TraceFileSource(kTrace, 0));
        const History& h = session.history();

        // What the trace says: each "became Leader" line, in order.
        QList<quint64> expected;
        for (std::size_t i = 0; i < h.size(); ++i) {
            const Event& e = h.event(i);
            if (e.kind == EventKind::Role && e.to_role == Role::Leader) expected.append(e.node);
        }
        QVERIFY(expected.size() >= 2);

        // What the table shows when the playhead visits every moment.
        QList<quint64> shown;
        for (std::size_t i = 0; i < h.size(); ++i) {
            if (i + 1 < h.size() && h.event(i + 1).t_ms == h.event(i).t_ms) continue;
            session.seek(h.event(i).t_ms);
            // A deposed leader that has not heard of the new term yet still
            // says Leader (an isolated one can for long): the cluster's
            // leader is the one of the highest term.
            quint64 leader = 0, best_term = 0;
            for (int r = 0; r < table.rowCount(); ++r) {
                const bool leads = table.index(r, NodeTableModel::RoleCol).data().toString() ==
                                   QLatin1String("Leader");
                const bool alive = table.index(r, NodeTableModel::Status)
                                       .data()
                                       .toString()
                                       .endsWith(QLatin1String("alive"));
                const quint64 term = table.index(r, NodeTableModel::TermCol).data().toULongLong();
                if (leads && alive && term >= best_term) {
                    leader = table.index(r, 0).data(NodeIdRole).value<quint64>();
                    best_term = term;
                }
            }
            if (leader != 0 && (shown.isEmpty() || shown.last() != leader)) shown.append(leader);
        }
        // Collapse repeats in the expected list the same way.
        QList<quint64> collapsed;
        for (quint64 id : expected) {
            if (collapsed.isEmpty() || collapsed.last() != id) collapsed.append(id);
        }
        QCOMPARE(shown, collapsed);
    }

    void inferredEntryTermsMatchWhatNodesApply() {
        // Followers' persist lines carry no terms; the viewer copies them from
        // the leader's log (Log Matching, §5.3). Every apply line names the
        // entry's real term, so each one checks that inference.
        LabSession session;
        session.setSource(new TraceFileSource(kTrace, 0));
        const History& full = session.history();
        ClusterState state;
        int checked = 0;
        for (std::size_t i = 0; i < full.size(); ++i) {
            const Event& e = full.event(i);
            if (e.kind == EventKind::Apply && e.what.empty() && e.has(kTerm)) {
                const NodeState* n = state.node(e.node);
                QVERIFY(n != nullptr);
                if (e.index > n->snapshot_index) {
                    QVERIFY2(n->log.term_at(e.index) == e.term,
                             qPrintable(QStringLiteral("node %1 index %2: viewer says term %3, "
                                                       "the node applied term %4 (t=%5)")
                                            .arg(e.node)
                                            .arg(e.index)
                                            .arg(n->log.term_at(e.index))
                                            .arg(e.term)
                                            .arg(e.t_ms)));
                    ++checked;
                }
            }
            state.apply(e);
        }
        QVERIFY(checked > 50);
    }
};

QTEST_GUILESS_MAIN(TestSimTrace)
#include "test_sim_trace.moc"
