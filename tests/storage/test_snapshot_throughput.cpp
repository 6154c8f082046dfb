// 500,000 keys x 256-byte values: apply, create a snapshot, stream it through
// the chunk wire format into another store and install it. Prints MB/s; the
// assertions are about contents, not speed (the machine is shared).
#include <QElapsedTimer>
#include <algorithm>

#include "tests/storage/helpers.h"

using namespace raftlab;
using namespace raftlab::storage;
using namespace raftlab::storage::test;

class SnapshotThroughputTest : public QObject {
    Q_OBJECT
  private slots:
    void fiveHundredThousandKeys() {
        constexpr int kKeys = 500'000;
        constexpr int kBatch = 5'000;
        QTemporaryDir tmp;
        auto a = Storage::open(path(tmp, "node1"), "raftlab", 1);
        a->bootstrap(voters({1}));
        QElapsedTimer timer;
        timer.start();
        core::Index index = 0;
        for (int k = 0; k < kKeys; k += kBatch) {
            std::vector<core::Entry> es;
            for (int j = k; j < k + kBatch; ++j) {
                char key[32];
                std::snprintf(key, sizeof key, "key%09d", j);
                es.push_back(
                    put_entry(++index, 1, key, std::string(256, static_cast<char>('a' + j % 26))));
            }
            a->persist(core::HardState{1, 1, index}, es);
            a->apply(es);
            QVERIFY(timer.elapsed() < 400'000);  // bounded: give up rather than hang
        }
        const double load_s = timer.elapsed() / 1000.0;
        a->create_snapshot(1, voters({1}));
        a->compact_log(a->applied_index());

        timer.restart();
        auto reader = a->read_snapshot();
        auto b = Storage::open(path(tmp, "node2"), "raftlab", 2);
        auto writer = b->write_snapshot();
        std::uint64_t wire_bytes = 0, chunks = 0;
        for (int guard = 0; guard < 100'000; ++guard) {
            auto chunk = reader->next();
            if (!chunk) break;
            const std::string wire = encode_chunk(*chunk);
            wire_bytes += wire.size();
            ++chunks;
            QVERIFY(chunk->payload.size() <= kDefaultChunkBytes);
            writer->accept(*decode_chunk(wire));
        }
        QVERIFY(writer->complete());
        writer->install(reader->meta());
        const double stream_s = timer.elapsed() / 1000.0;
        const double mb = wire_bytes / 1e6;
        qInfo(
            "loaded %d keys in %.1f s; snapshot of %.1f MB in %llu chunks streamed and installed "
            "in %.2f s = %.1f MB/s",
            kKeys, load_s, mb, static_cast<unsigned long long>(chunks), stream_s, mb / stream_s);

        QCOMPARE(b->applied_index(), core::Index(kKeys));
        QCOMPARE(b->get("key000000000"), a->get("key000000000"));
        QCOMPARE(b->get("key000499999"),
                 std::optional<std::string>(std::string(256, 'a' + 499999 % 26)));
        QCOMPARE(b->scan("key00012", 0).size(), std::size_t(10000));
        QCOMPARE(b->scan("key00012", 0), a->scan("key00012", 0));
    }

    void syncedPersistLatency() {
        // One small synced WriteBatch per Ready, as a follower acks one entry
        // at a time: the floor of commit latency on this disk.
        constexpr int kWrites = 300;
        QTemporaryDir tmp;
        auto s = Storage::open(path(tmp), "raftlab", 1);
        std::vector<qint64> ns;
        QElapsedTimer total;
        total.start();
        for (int i = 1; i <= kWrites && total.elapsed() < 60'000; ++i) {
            QElapsedTimer t;
            t.start();
            s->persist(core::HardState{1, 1, core::Index(i)},
                       {put_entry(i, 1, "k" + std::to_string(i), std::string(256, 'v'))});
            ns.push_back(t.nsecsElapsed());
        }
        QVERIFY(!ns.empty());
        std::sort(ns.begin(), ns.end());
        auto at = [&](double q) { return ns[std::size_t(q * (ns.size() - 1))] / 1e6; };
        qInfo("%zu synced persists of one 256-byte entry: p50 %.2f ms, p99 %.2f ms, max %.2f ms",
              ns.size(), at(0.5), at(0.99), at(1.0));
        QCOMPARE(s->sync_count(), std::uint64_t(ns.size() + 1));  // + the identity record
    }
};

QTEST_APPLESS_MAIN(SnapshotThroughputTest)
#include "test_snapshot_throughput.moc"
