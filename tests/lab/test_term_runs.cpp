// TermRuns and fill_range: entries_appended / committed / applied carry
// every entry's term (lab.proto EntryRange.terms), compactly: no runs when
// the range has one term, one run per term otherwise, term 0 for entries
// whose term the node does not know (inside an installed snapshot, §7).
#include <QtTest>

#include "engine/lab/term_runs.h"

using namespace raftlab;

namespace {

std::vector<core::Entry> entries(core::Index first, const std::vector<core::Term>& terms) {
    std::vector<core::Entry> out;
    for (std::size_t i = 0; i < terms.size(); ++i) {
        core::Entry e;
        e.index = first + i;
        e.term = terms[i];
        out.push_back(e);
    }
    return out;
}

// "first:term first:term ..." of a range's runs, for compact comparisons.
QString runs_of(const pb::EntryRange& r) {
    QStringList out;
    for (const auto& run : r.terms())
        out << QString("%1:%2").arg(run.first_index()).arg(run.term());
    return out.join(' ');
}

}  // namespace

class TestTermRuns : public QObject {
    Q_OBJECT

  private slots:
    void a_range_of_one_term_has_no_runs() {
        pb::EntryRange r;
        lab::fill_range(entries(4, {2, 2, 2}), &r);
        QCOMPARE(r.from(), std::uint64_t{4});
        QCOMPARE(r.to(), std::uint64_t{6});
        QCOMPARE(r.term(), std::uint64_t{2});
        QCOMPARE(r.terms_size(), 0);
    }

    void a_range_across_terms_has_one_run_per_term() {
        pb::EntryRange r;
        lab::fill_range(entries(1, {1, 1, 2, 4, 4}), &r);
        QCOMPARE(r.term(), std::uint64_t{4});
        QCOMPARE(runs_of(r), QString("1:1 3:2 4:4"));
    }

    void applied_entries_get_the_terms_they_committed_with() {
        lab::TermRuns t;
        t.committed(entries(1, {1, 1, 2}));
        t.committed(entries(4, {2, 3}));
        pb::EntryRange a;
        t.take(1, 2, &a);
        QCOMPARE(a.term(), std::uint64_t{1});
        QCOMPARE(a.terms_size(), 0);
        pb::EntryRange b;
        t.take(3, 5, &b);
        QCOMPARE(b.from(), std::uint64_t{3});
        QCOMPARE(b.to(), std::uint64_t{5});
        QCOMPARE(b.term(), std::uint64_t{3});
        QCOMPARE(runs_of(b), QString("3:2 5:3"));
        QCOMPARE(t.runs(), std::size_t{0});
    }

    void a_snapshot_makes_earlier_terms_unknown() {
        lab::TermRuns t;
        t.committed(entries(1, {1, 1}));
        t.drop_through(2);
        t.installed(100, 5);
        t.committed(entries(101, {6, 6}));
        pb::EntryRange r;
        t.take(3, 102, &r);
        QCOMPARE(runs_of(r), QString("3:0 100:5 101:6"));
        QCOMPARE(r.term(), std::uint64_t{6});
    }

    void a_restarted_node_starts_where_its_state_machine_is() {
        lab::TermRuns t;
        t.committed(entries(50, {3, 3, 3}));  // replayed after a restart
        t.drop_through(49);                   // the first turn learns applied = 49
        pb::EntryRange r;
        t.take(50, 52, &r);
        QCOMPARE(r.term(), std::uint64_t{3});
        QCOMPARE(r.terms_size(), 0);
    }

    void runs_stay_few_however_many_entries_commit() {
        lab::TermRuns t;
        for (core::Index i = 1; i <= 10000; i += 100)
            t.committed(entries(i, std::vector<core::Term>(100, 7)));
        QCOMPARE(t.runs(), std::size_t{1});
        pb::EntryRange r;
        t.take(1, 9000, &r);
        QCOMPARE(r.term(), std::uint64_t{7});
        QCOMPARE(r.terms_size(), 0);
        QCOMPARE(t.runs(), std::size_t{1});
    }
};

QTEST_GUILESS_MAIN(TestTermRuns)
#include "test_term_runs.moc"
