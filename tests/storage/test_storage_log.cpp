// The log, hard state and identity of a store survive restarts; conflicting
// suffixes are truncated; foreign or damaged dirs are refused; syncs happen
// in order and are observable.
#include <fstream>

#include "tests/storage/helpers.h"

using namespace raftlab;
using namespace raftlab::storage;
using namespace raftlab::storage::test;

class StorageLogTest : public QObject {
    Q_OBJECT
  private slots:
    void freshStoreThenRestartRoundTrip() {
        QTemporaryDir tmp;
        const auto dir = path(tmp);
        core::Entry config = entry(3, 2);
        config.type = core::EntryType::Config;
        config.membership = voters({1, 2, 3});
        {
            auto s = Storage::open(dir, "raftlab", 1);
            QVERIFY(s->is_fresh());
            const core::Restored empty = s->load();
            QCOMPARE(empty.hard_state, core::HardState{});
            QVERIFY(empty.entries.empty());
            QVERIFY(!empty.snapshot);
            s->bootstrap(voters({1}));
            QVERIFY(!s->is_fresh());
            core::Entry noop = entry(2, 2);
            noop.type = core::EntryType::Noop;
            s->persist(core::HardState{2, 1, 1}, {put_entry(1, 1, "a", "1"), noop, config});
        }
        auto s = Storage::open(dir, "raftlab", 1);
        QVERIFY(!s->is_fresh());
        const core::Restored r = s->load();
        QCOMPARE(r.hard_state, (core::HardState{2, 1, 1}));
        QCOMPARE(r.bootstrap, voters({1}));
        QCOMPARE(r.entries.size(), std::size_t(3));
        QCOMPARE(r.entries[0], put_entry(1, 1, "a", "1"));
        QCOMPARE(r.entries[1].type, core::EntryType::Noop);
        QCOMPARE(r.entries[2], config);
        QCOMPARE(r.applied, core::Index(0));
        QCOMPARE(s->first_index(), core::Index(1));
        QCOMPARE(s->last_index(), core::Index(3));
    }

    void conflictingSuffixIsTruncated() {
        QTemporaryDir tmp;
        auto s = Storage::open(path(tmp), "raftlab", 1);
        s->persist(core::HardState{1, 1, 0},
                   {entry(1, 1, "a"), entry(2, 1, "b"), entry(3, 1, "c"), entry(4, 1, "d")});
        // A new leader of term 2 overwrites from index 2 on (§5.3); 3 and 4 must go.
        s->persist(core::HardState{2, 2, 0}, {entry(2, 2, "B")});
        auto r = s->load();
        QCOMPARE(r.entries.size(), std::size_t(2));
        QCOMPARE(r.entries[1], entry(2, 2, "B"));
        QCOMPARE(s->last_index(), core::Index(2));
        // Hard state alone leaves the log alone.
        s->persist(core::HardState{3, 0, 2}, {});
        QCOMPARE(s->load().entries.size(), std::size_t(2));
        QCOMPARE(s->load().hard_state.term, core::Term(3));
        // A long suffix (the range-delete path) and a hole, which is refused.
        std::vector<core::Entry> many;
        for (core::Index i = 3; i <= 200; ++i)
            many.push_back(entry(i, 3));
        s->persist(std::nullopt, many);
        QCOMPARE(s->last_index(), core::Index(200));
        s->persist(std::nullopt, {entry(10, 4), entry(11, 4)});
        QCOMPARE(s->last_index(), core::Index(11));
        QCOMPARE(s->load().entries.size(), std::size_t(11));
        QCOMPARE(s->load().entries.back(), entry(11, 4));
        QVERIFY_THROWS_EXCEPTION(StorageError, s->persist(std::nullopt, {entry(13, 4)}));
        QCOMPARE(s->last_index(), core::Index(11));
    }

    void entriesRangeAndByteLimit() {
        QTemporaryDir tmp;
        auto s = Storage::open(path(tmp), "raftlab", 1);
        std::vector<core::Entry> es;
        for (core::Index i = 1; i <= 10; ++i)
            es.push_back(entry(i, 1, std::string(100, 'x')));
        s->persist(core::HardState{1, 1, 0}, es);
        QCOMPARE(s->entries(3, 7).size(), std::size_t(4));
        QCOMPARE(s->entries(3, 7).front().index, core::Index(3));
        QCOMPARE(s->entries(3, 100, 250).size(), std::size_t(2));
        QCOMPARE(s->entries(3, 100, 1).size(), std::size_t(1));  // at least one
        QVERIFY(s->entries(11, 20).empty());
    }

    void otherIdentityIsRefused() {
        QTemporaryDir tmp;
        const auto dir = path(tmp, "node2");
        Storage::open(dir, "raftlab", 2)->persist(core::HardState{1, 2, 0}, {entry(1, 1)});
        for (auto [cluster, node] : {std::pair{"other", 2}, std::pair{"raftlab", 3}}) {
            try {
                Storage::open(dir, cluster, node);
                QFAIL("opened another node's data dir");
            } catch (const StorageError& e) {
                const QString what = QString::fromUtf8(e.what());
                QVERIFY2(what.contains(QString::fromStdString(dir.string())), qPrintable(what));
                QVERIFY2(what.contains("cluster 'raftlab' node 2"), qPrintable(what));
                QVERIFY2(what.contains(QString("cluster '%1' node %2").arg(cluster).arg(node)),
                         qPrintable(what));
                QVERIFY2(what.contains("use another cluster.db_root_dir"), qPrintable(what));
            }
        }
        // Still intact for its owner.
        QCOMPARE(Storage::open(dir, "raftlab", 2)->load().entries.size(), std::size_t(1));
    }

    void corruptedDirIsRefused() {
        QTemporaryDir tmp;
        const auto dir = path(tmp);
        Storage::open(dir, "raftlab", 1)->persist(core::HardState{1, 1, 0}, {entry(1, 1)});
        {
            std::ofstream current(dir / "CURRENT", std::ios::trunc);
            current << "MANIFEST-garbage-that-does-not-exist\n";
        }
        try {
            Storage::open(dir, "raftlab", 1);
            QFAIL("opened a corrupted store");
        } catch (const StorageError& e) {
            const QString what = QString::fromUtf8(e.what());
            QVERIFY2(
                what.contains("cannot open data dir") && what.contains("refusing to start fresh"),
                qPrintable(what));
            QVERIFY2(what.contains(QString::fromStdString(dir.string())), qPrintable(what));
        }
        // Never silently replaced: the damaged files are still there.
        QVERIFY(std::filesystem::exists(dir / "CURRENT"));
    }

    void garbageManifestIsRefused() {
        QTemporaryDir tmp;
        const auto dir = path(tmp);
        Storage::open(dir, "raftlab", 1)->persist(core::HardState{1, 1, 0}, {entry(1, 1)});
        std::string manifest;
        {
            std::ifstream current(dir / "CURRENT");
            std::getline(current, manifest);
        }
        QVERIFY(std::filesystem::exists(dir / manifest));
        {
            std::ofstream out(dir / manifest, std::ios::trunc | std::ios::binary);
            out << std::string(4096, '\x5a');
        }
        QVERIFY_THROWS_EXCEPTION(StorageError, Storage::open(dir, "raftlab", 1));
    }

    void foreignNonEmptyDirIsRefused() {
        QTemporaryDir tmp;
        const auto dir = path(tmp);
        std::filesystem::create_directories(dir);
        std::ofstream(dir / "notes.txt") << "my thesis\n";
        try {
            Storage::open(dir, "raftlab", 1);
            QFAIL("took over a foreign dir");
        } catch (const StorageError& e) {
            QVERIFY2(QString(e.what()).contains("holds no RocksDB store"), e.what());
        }
        QVERIFY(std::filesystem::exists(dir / "notes.txt"));
    }

    void secondOpenOfSameDirIsRefused() {
        QTemporaryDir tmp;
        auto first = Storage::open(path(tmp), "raftlab", 1);
        try {
            Storage::open(path(tmp), "raftlab", 1);
            QFAIL("opened a store twice");
        } catch (const StorageError& e) {
            QVERIFY2(QString(e.what()).contains("another raftlab-node"), e.what());
        }
    }

    void syncEventsAreOrderedAndCounted() {
        QTemporaryDir tmp;
        auto s = Storage::open(path(tmp), "raftlab", 1);
        const std::uint64_t base = s->sync_count();  // the identity record
        QCOMPARE(base, std::uint64_t(1));
        std::vector<SyncEvent> events;
        s->set_sync_observer([&](const SyncEvent& e) { events.push_back(e); });
        s->persist(core::HardState{1, 1, 0}, {entry(1, 1), entry(2, 1)});
        s->persist(core::HardState{2, 1, 0}, {});
        s->persist(std::nullopt, {entry(3, 2)});
        s->persist(std::nullopt, {});  // nothing to write, nothing synced
        QCOMPARE(events.size(), std::size_t(3));
        QCOMPARE(events[0].seq, base + 1);
        QCOMPARE(events[0].last_index, core::Index(2));
        QCOMPARE(events[0].term, core::Term(1));
        QCOMPARE(events[1].seq, base + 2);
        QCOMPARE(events[1].term, core::Term(2));
        QCOMPARE(events[2].last_index, core::Index(3));
        for (const auto& e : events)
            QCOMPARE(e.kind, SyncEvent::Kind::Persist);
        QCOMPARE(s->sync_count(), base + 3);
        // Apply is not synced (the log already is).
        s->apply({entry(1, 1), entry(2, 1)});
        QCOMPARE(s->sync_count(), base + 3);
    }

    void compactionDropsOnlyUpToTheSnapshot() {
        QTemporaryDir tmp;
        const auto dir = path(tmp);
        {
            auto s = Storage::open(dir, "raftlab", 1);
            std::vector<core::Entry> es;
            for (core::Index i = 1; i <= 10; ++i)
                es.push_back(put_entry(i, 1, "k" + std::to_string(i), "v"));
            s->persist(core::HardState{1, 1, 10}, es);
            s->apply(std::vector<core::Entry>(es.begin(), es.begin() + 6));
            QVERIFY_THROWS_EXCEPTION(StorageError, s->compact_log(3));  // no snapshot yet
            const core::SnapshotMeta meta = s->create_snapshot(1, voters({1}));
            QCOMPARE(meta.index, core::Index(6));
            QVERIFY_THROWS_EXCEPTION(StorageError, s->compact_log(7));
            s->compact_log(6);
            QCOMPARE(s->first_index(), core::Index(7));
            QCOMPARE(s->last_index(), core::Index(10));
            QVERIFY(s->entries(1, 7).empty());
            QVERIFY(s->entries(5, 9).empty());  // 5 is compacted: the caller sends a snapshot
            QCOMPARE(s->entries(7, 9).size(), std::size_t(2));
        }
        auto s = Storage::open(dir, "raftlab", 1);
        const core::Restored r = s->load();
        QVERIFY(r.snapshot);
        QCOMPARE(r.snapshot->index, core::Index(6));
        QCOMPARE(r.snapshot->membership, voters({1}));
        QCOMPARE(r.entries.size(), std::size_t(4));
        QCOMPARE(r.entries.front().index, core::Index(7));
        QCOMPARE(r.applied, core::Index(6));
        QCOMPARE(s->get("k6"), std::optional<std::string>("v"));
    }

    void interruptedCompactionIsSkippedOnLoad() {
        // A snapshot recorded but the log not (yet) compacted: load() returns
        // only entries after the snapshot.
        QTemporaryDir tmp;
        auto s = Storage::open(path(tmp), "raftlab", 1);
        s->persist(core::HardState{1, 1, 3}, {entry(1, 1), entry(2, 1), entry(3, 1)});
        s->apply({entry(1, 1), entry(2, 1)});
        s->create_snapshot(1, voters({1}));
        const auto r = s->load();
        QCOMPARE(r.entries.size(), std::size_t(1));
        QCOMPARE(r.entries[0].index, core::Index(3));
    }
};

QTEST_APPLESS_MAIN(StorageLogTest)
#include "test_storage_log.moc"
