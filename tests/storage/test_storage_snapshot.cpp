// Snapshots: create -> stream in checksummed chunks -> install elsewhere,
// bad chunks refused, and an interrupted receive leaving the old state.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <thread>

#include "tests/storage/helpers.h"

using namespace raftlab;
using namespace raftlab::storage;
using namespace raftlab::storage::test;

namespace {

// Node 1's store: `keys` keys applied, a Config entry in the log, a snapshot
// recorded at the applied index and the log compacted up to it.
std::unique_ptr<Storage> leader_store(const std::filesystem::path& dir, int keys) {
    auto s = Storage::open(dir, "raftlab", 1);
    s->bootstrap(voters({1}));
    std::vector<core::Entry> es;
    core::Index i = 0;
    for (int k = 0; k < keys; ++k) {
        es.push_back(put_entry(++i, 2, "key" + std::to_string(k), "value" + std::to_string(k)));
    }
    core::Entry config = entry(++i, 2);
    config.type = core::EntryType::Config;
    config.membership = voters({1, 2});
    es.push_back(config);
    es.push_back(put_entry(++i, 3, "last", "one"));
    s->persist(core::HardState{3, 1, i}, es);
    s->apply(es);
    return s;
}

std::vector<SnapshotChunk> stream(SnapshotReader& reader) {
    std::vector<SnapshotChunk> chunks;
    for (int guard = 0; guard < 1'000'000; ++guard) {
        auto c = reader.next();
        if (!c) break;
        chunks.push_back(std::move(*c));
    }
    return chunks;
}

// Node 2's store with some state of its own that a snapshot must replace.
std::unique_ptr<Storage> follower_store(const std::filesystem::path& dir) {
    auto s = Storage::open(dir, "raftlab", 2);
    const std::vector<core::Entry> es = {put_entry(1, 1, "stale", "x"),
                                         put_entry(2, 1, "key0", "old")};
    s->persist(core::HardState{1, 1, 2}, es);
    s->apply(es);
    return s;
}

}  // namespace

class StorageSnapshotTest : public QObject {
    Q_OBJECT
  private slots:
    void createStreamInstallGivesEqualContents() {
        QTemporaryDir tmp;
        auto a = leader_store(path(tmp, "node1"), 1000);
        const core::Index applied = a->applied_index();
        const core::SnapshotMeta created = a->create_snapshot(3, voters({1, 2}));
        QCOMPARE(created.index, applied);
        a->compact_log(created.index);

        auto reader = a->read_snapshot(4096);
        QCOMPARE(reader->meta().index, applied);
        QCOMPARE(reader->meta().term, core::Term(3));
        QCOMPARE(reader->meta().membership, voters({1, 2}));
        auto b = follower_store(path(tmp, "node2"));
        auto writer = b->write_snapshot();
        std::size_t chunks = 0;
        for (const auto& chunk : stream(*reader)) {
            QVERIFY(chunk.payload.size() <= 4096);
            // Through the wire format and back, as the transport will do it.
            std::string error;
            const auto decoded = decode_chunk(encode_chunk(chunk), &error);
            QVERIFY2(decoded, error.c_str());
            writer->accept(*decoded);
            ++chunks;
        }
        QVERIFY(chunks > 5);
        QVERIFY(writer->complete());
        QCOMPARE(writer->bytes_staged(), reader->bytes_read());
        // The live state is untouched until install.
        QCOMPARE(b->get("stale"), std::optional<std::string>("x"));
        writer->install(reader->meta());

        QCOMPARE(b->scan("", 0), a->scan("", 0));
        QCOMPARE(b->scan("", 0).size(), std::size_t(1001));
        QVERIFY(!b->get("stale"));
        QCOMPARE(b->applied_index(), applied);
        const core::Restored r = b->load();
        QCOMPARE(r.snapshot, std::optional(reader->meta()));
        QVERIFY(r.entries.empty());
        QCOMPARE(r.applied, applied);
        QCOMPARE(b->first_index(), applied + 1);
    }

    void installThroughPersistWithHandle() {
        QTemporaryDir tmp;
        auto a = leader_store(path(tmp, "node1"), 50);
        // No create_snapshot: the reader derives term and membership from the log.
        auto reader = a->read_snapshot();
        QCOMPARE(reader->meta().index, core::Index(52));
        QCOMPARE(reader->meta().term, core::Term(3));
        QCOMPARE(reader->meta().membership, voters({1, 2}));
        const std::string dir_b = path(tmp, "node2").string();
        {
            auto b = follower_store(dir_b);
            auto writer = b->write_snapshot();
            for (const auto& c : stream(*reader))
                writer->accept(c);
            std::vector<SyncEvent> events;
            b->set_sync_observer([&](const SyncEvent& e) { events.push_back(e); });
            // What the node does with a Ready carrying the snapshot plus later entries.
            b->persist(core::HardState{3, 1, 52}, {put_entry(53, 3, "after", "snap")},
                       core::Snapshot{reader->meta(), writer->handle()});
            QCOMPARE(events.size(), std::size_t(1));
            QCOMPARE(events[0].kind, SyncEvent::Kind::Install);
            // The handle is spent.
            QVERIFY_THROWS_EXCEPTION(
                StorageError,
                b->persist(std::nullopt, {}, core::Snapshot{reader->meta(), writer->handle()}));
        }
        auto b = Storage::open(dir_b, "raftlab", 2);
        const core::Restored r = b->load();
        QCOMPARE(r.hard_state, (core::HardState{3, 1, 52}));
        QCOMPARE(r.snapshot->index, core::Index(52));
        QCOMPARE(r.entries.size(), std::size_t(1));
        QCOMPARE(r.entries[0].index, core::Index(53));
        QCOMPARE(b->scan("", 0), a->scan("", 0));
        QVERIFY_THROWS_EXCEPTION(StorageError,
                                 b->persist(std::nullopt, {}, core::Snapshot{reader->meta(), "x"}));
    }

    void readerIsAConsistentImage() {
        QTemporaryDir tmp;
        auto a = leader_store(path(tmp, "node1"), 10);
        auto reader = a->read_snapshot();
        a->persist(std::nullopt, {put_entry(13, 3, "later", "write")});
        QCOMPARE(a->apply({put_entry(13, 3, "later", "write")}).size(), std::size_t(1));
        QCOMPARE(reader->meta().index, core::Index(12));
        std::size_t records = 0;
        for (const auto& c : stream(*reader)) {
            QVERIFY(!QByteArray::fromStdString(c.payload).contains("later"));
            records += c.payload.empty() ? 0 : 1;
        }
        QVERIFY(records > 0);
    }

    void emptyStoreStreamsOneLastChunk() {
        QTemporaryDir tmp;
        auto s = Storage::open(path(tmp), "raftlab", 1);
        auto reader = s->read_snapshot();
        const auto chunks = stream(*reader);
        QCOMPARE(chunks.size(), std::size_t(1));
        QVERIFY(chunks[0].last && chunks[0].payload.empty() && chunks[0].crc_ok());
        QCOMPARE(reader->meta().index, core::Index(0));
    }

    void badChunksAreRejected() {
        QTemporaryDir tmp;
        auto a = leader_store(path(tmp, "node1"), 200);
        auto chunks = stream(*a->read_snapshot(1024));
        QVERIFY(chunks.size() >= 3);
        auto b = follower_store(path(tmp, "node2"));
        auto expect_reject = [&](SnapshotChunk chunk, const char* reason) {
            auto writer = b->write_snapshot();
            writer->accept(chunks[0]);
            try {
                writer->accept(chunk);
                QFAIL(reason);
            } catch (const StorageError& e) {
                QVERIFY2(QString(e.what()).contains(reason), e.what());
                QVERIFY2(QString(e.what()).contains("restart the snapshot stream"), e.what());
            }
            // A broken stream stays broken.
            QVERIFY_THROWS_EXCEPTION(StorageError, writer->accept(chunks[1]));
        };
        SnapshotChunk flipped = chunks[1];
        flipped.payload[10] ^= 0x01;
        expect_reject(flipped, "checksum does not match");
        expect_reject(chunks[2], "expected chunk 1");
        expect_reject(chunks[0], "expected chunk 1");
        SnapshotChunk bad_record = chunks[1];
        bad_record.payload.resize(bad_record.payload.size() - 3);
        bad_record.seal();  // a valid checksum over malformed records
        expect_reject(bad_record, "runs past the end");
        SnapshotChunk huge = chunks[1];
        huge.payload.assign(kMaxChunkBytes + 1, 'x');
        huge.seal();
        expect_reject(huge, "exceeds the cap");
        // None of it touched the live state.
        QCOMPARE(b->get("stale"), std::optional<std::string>("x"));
        QCOMPARE(b->applied_index(), core::Index(2));
    }

    void decodeChunkRejectsDamage() {
        SnapshotChunk c;
        c.seq = 7;
        c.payload = std::string("\0\0\0\1k\0\0\0\1v", 10);
        c.seal();
        const std::string wire = encode_chunk(c);
        std::string error;
        QCOMPARE(decode_chunk(wire, &error)->payload, c.payload);
        for (std::size_t n = 0; n < wire.size(); ++n) {
            QVERIFY(!decode_chunk(wire.substr(0, n), &error));
        }
        QVERIFY(!decode_chunk(wire + "x", &error));
        std::string bad_magic = wire;
        bad_magic[0] = 'X';
        QVERIFY(!decode_chunk(bad_magic, &error));
        QVERIFY(QString::fromStdString(error).contains("magic"));
        std::string too_long = wire;
        too_long[14] = '\x7f';  // payload length 2 GiB
        QVERIFY(!decode_chunk(too_long, &error));
        QVERIFY(QString::fromStdString(error).contains("exceeds the cap"));
        // Bounded random mutations: never accepted with a wrong payload, never a crash.
        std::mt19937 rng(42);
        for (int round = 0; round < 20000; ++round) {
            std::string m = wire;
            const int flips = 1 + static_cast<int>(rng() % 3);
            for (int f = 0; f < flips; ++f)
                m[rng() % m.size()] ^= static_cast<char>(1 + rng() % 255);
            const auto d = decode_chunk(m, &error);
            if (d) QVERIFY(m == wire);
        }
        QCOMPARE(crc32c("123456789"), 0xE3069283u);  // the standard CRC32C check value
    }

    void abandonedWriterLeavesOldState() {
        QTemporaryDir tmp;
        auto a = leader_store(path(tmp, "node1"), 300);
        auto chunks = stream(*a->read_snapshot(1024));
        auto b = follower_store(path(tmp, "node2"));
        const auto before = b->scan("", 0);
        {
            auto writer = b->write_snapshot();
            for (std::size_t i = 0; i + 1 < chunks.size(); ++i)
                writer->accept(chunks[i]);
            QVERIFY(!writer->complete());
            QVERIFY_THROWS_EXCEPTION(StorageError, writer->install(a->read_snapshot()->meta()));
        }
        QCOMPARE(b->scan("", 0), before);
        QCOMPARE(b->applied_index(), core::Index(2));
        // A newer stream supersedes an older one that is still open.
        auto old_writer = b->write_snapshot();
        old_writer->accept(chunks[0]);
        auto writer = b->write_snapshot();
        QVERIFY_THROWS_EXCEPTION(StorageError, old_writer->accept(chunks[1]));
        for (const auto& c : chunks)
            writer->accept(c);
        // A complete image that the node decides not to install.
        b->discard_staged_snapshot();
        QVERIFY_THROWS_EXCEPTION(
            StorageError, b->persist(std::nullopt, {},
                                     core::Snapshot{a->read_snapshot()->meta(), writer->handle()}));
        QCOMPARE(b->scan("", 0), before);
        auto again = b->write_snapshot();
        for (const auto& c : chunks)
            again->accept(c);
        again->install(a->read_snapshot()->meta());
        QCOMPARE(b->scan("", 0), a->scan("", 0));
    }

    void readsDuringApplyAndInstall() {
        // gRPC threads read while the apply thread writes and a snapshot is
        // installed: every read sees a whole state, old or new, never an error.
        QTemporaryDir tmp;
        auto a = leader_store(path(tmp, "node1"), 500);
        const auto chunks = stream(*a->read_snapshot(2048));
        const core::SnapshotMeta meta = a->read_snapshot()->meta();
        auto b = follower_store(path(tmp, "node2"));
        std::atomic<bool> stop{false};
        std::atomic<int> errors{0}, reads{0};
        std::vector<std::thread> readers;
        for (int t = 0; t < 2; ++t) {
            readers.emplace_back([&] {
                for (int i = 0; i < 200'000 && !stop; ++i) {
                    try {
                        const auto v = b->get("key0");
                        if (v != "old" && v != "value0" && v != "applied") ++errors;
                        const auto all = b->scan("key", 0);
                        if (all.size() != 1 && all.size() != 500) ++errors;
                        ++reads;
                    } catch (...) {
                        ++errors;
                    }
                }
            });
        }
        for (core::Index i = 3; i < 200; ++i) {
            b->persist(std::nullopt, {put_entry(i, 1, "key0", i % 2 ? "old" : "applied")});
            b->apply({put_entry(i, 1, "key0", i % 2 ? "old" : "applied")});
        }
        auto writer = b->write_snapshot();
        for (const auto& c : chunks)
            writer->accept(c);
        writer->install(meta);
        QTRY_VERIFY_WITH_TIMEOUT(reads > 100, 10000);
        stop = true;
        for (auto& t : readers)
            t.join();
        QCOMPARE(errors.load(), 0);
        QCOMPARE(b->get("key0"), std::optional<std::string>("value0"));
        QCOMPARE(b->applied_index(), meta.index);
    }

    void crashMidReceiveLeavesOldState() {
        QTemporaryDir tmp;
        auto a = leader_store(path(tmp, "node1"), 300);
        auto reader = a->read_snapshot(1024);
        const auto chunks = stream(*reader);
        const auto dir_b = path(tmp, "node2");
        std::vector<KeyValue> before;
        {
            auto b = follower_store(dir_b);
            before = b->scan("", 0);
        }
        // Two crashes: in the middle of the stream, and with the image complete
        // but the install batch never written. _exit skips every destructor.
        for (std::size_t received : {chunks.size() / 2, chunks.size()}) {
            const pid_t pid = fork();
            QVERIFY(pid >= 0);
            if (pid == 0) {
                auto b = Storage::open(dir_b, "raftlab", 2);
                auto writer = b->write_snapshot();
                for (std::size_t i = 0; i < received; ++i)
                    writer->accept(chunks[i]);
                _exit(writer->bytes_staged() > 0 ? 0 : 1);
            }
            int status = 0;
            QCOMPARE(waitpid(pid, &status, 0), pid);
            QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
            auto b = Storage::open(dir_b, "raftlab", 2);
            QCOMPARE(b->scan("", 0), before);
            QCOMPARE(b->applied_index(), core::Index(2));
            QVERIFY(!b->snapshot_meta());
        }
        // And the store still takes a snapshot afterwards.
        auto b = Storage::open(dir_b, "raftlab", 2);
        auto writer = b->write_snapshot();
        for (const auto& c : chunks)
            writer->accept(c);
        writer->install(reader->meta());
        QCOMPARE(b->scan("", 0), a->scan("", 0));
    }
};

QTEST_APPLESS_MAIN(StorageSnapshotTest)
#include "test_storage_snapshot.moc"
