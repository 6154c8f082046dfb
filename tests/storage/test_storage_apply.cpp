// The KV command encoding and the state machine: Put, Delete and
// CompareAndSwap with their results, applied index bookkeeping, reads.
#include <random>

#include "tests/storage/helpers.h"

using namespace raftlab;
using namespace raftlab::storage;
using namespace raftlab::storage::test;

namespace {
core::Entry cmd(core::Index index, const Command& c) {
    return entry(index, 1, encode_command(c));
}
std::optional<std::string> none() {
    return std::nullopt;
}
std::optional<std::string> some(const char* v) {
    return std::string(v);
}
}  // namespace

class StorageApplyTest : public QObject {
    Q_OBJECT
  private slots:
    void commandRoundTrip() {
        const std::vector<Command> commands = {
            Command::put("k", "v"),
            Command::put("", ""),
            Command::put(std::string("bin\0key", 7), std::string(70000, '\xff')),
            Command::del("gone"),
            Command::cas("c", std::nullopt, "created"),
            Command::cas("c", std::string("old"), "new"),
            Command::cas("c", std::string(), ""),
        };
        for (const auto& c : commands) {
            const auto decoded = decode_command(encode_command(c));
            QVERIFY(decoded);
            QCOMPARE(*decoded, c);
        }
    }

    void malformedCommandsAreRejected() {
        const std::string good = encode_command(Command::cas("key", std::string("e"), "value"));
        std::string error;
        QVERIFY(!decode_command("", &error));
        QCOMPARE(error, std::string("empty command"));
        // Every strict prefix is truncated somewhere.
        for (std::size_t n = 1; n < good.size(); ++n) {
            QVERIFY2(!decode_command(good.substr(0, n), &error), qPrintable(QString::number(n)));
            QVERIFY(!error.empty());
        }
        QVERIFY(!decode_command(good + "x", &error));
        QCOMPARE(error, std::string("trailing bytes after command"));
        std::string bad_type = good;
        bad_type[1] = 9;
        QVERIFY(!decode_command(bad_type, &error));
        QCOMPARE(error, std::string("unknown command type"));
        std::string huge_length = encode_command(Command::put("k", "v"));
        huge_length[2] = '\x7f';  // key length 2^30+...
        QVERIFY(!decode_command(huge_length, &error));
    }

    void randomBytesNeverCrashDecoders() {
        // Bounded: 50,000 inputs of up to 64 bytes, biased towards valid prefixes.
        std::mt19937 rng(7);
        const std::string seed = encode_command(Command::cas("key", std::string("old"), "new"));
        int decoded = 0;
        for (int round = 0; round < 50'000; ++round) {
            std::string bytes;
            if (round % 2) {
                bytes = seed.substr(0, rng() % (seed.size() + 1));
                for (auto& c : bytes) {
                    if (rng() % 8 == 0) c = static_cast<char>(rng());
                }
            } else {
                bytes.resize(rng() % 64);
                for (auto& c : bytes)
                    c = static_cast<char>(rng());
            }
            std::string error;
            const auto c = decode_command(bytes, &error);
            if (c) {
                ++decoded;
                QCOMPARE(encode_command(*c), bytes);  // canonical: re-encodes to the same bytes
            } else {
                QVERIFY(!error.empty());
            }
            QVERIFY(!decode_chunk(bytes, &error) || bytes.size() >= 22);
        }
        QVERIFY(decoded > 0);
    }

    void putDeleteCasResults() {
        QTemporaryDir tmp;
        auto s = Storage::open(path(tmp), "raftlab", 1);
        const std::vector<core::Entry> es = {
            cmd(1, Command::put("a", "1")),
            cmd(2, Command::put("a", "2")),                    // previous 1
            cmd(3, Command::cas("a", std::string("1"), "x")),  // fails: a is 2
            cmd(4, Command::cas("a", std::string("2"), "3")),  // succeeds
            cmd(5, Command::cas("b", std::nullopt, "new")),    // create-if-absent
            cmd(6, Command::cas("b", std::nullopt, "again")),  // fails: present
            cmd(7, Command::del("a")),
            cmd(8, Command::del("a")),  // deleting nothing still succeeds
        };
        const auto results = s->apply(es);
        QCOMPARE(results.size(), es.size());
        const std::vector<CommandResult> expected = {
            {true, none(), ""},    {true, some("1"), ""}, {false, some("2"), ""},
            {true, some("2"), ""}, {true, none(), ""},    {false, some("new"), ""},
            {true, some("3"), ""}, {true, none(), ""},
        };
        for (std::size_t i = 0; i < es.size(); ++i) {
            QCOMPARE(results[i].index, es[i].index);
            QCOMPARE(results[i].result, expected[i]);
        }
        QCOMPARE(s->get("a"), none());
        QCOMPARE(s->get("b"), some("new"));
        QCOMPARE(s->applied_index(), core::Index(8));
    }

    void nonCommandEntriesAdvanceApplied() {
        QTemporaryDir tmp;
        auto s = Storage::open(path(tmp), "raftlab", 1);
        core::Entry noop = entry(1, 1);
        noop.type = core::EntryType::Noop;
        core::Entry config = entry(2, 1);
        config.type = core::EntryType::Config;
        config.membership = voters({1});
        const auto results = s->apply({noop, config, entry(3, 1, "\x01\x07garbage")});
        QCOMPARE(results.size(), std::size_t(3));
        QVERIFY(results[0].result.succeeded && results[1].result.succeeded);
        QVERIFY(!results[2].result.succeeded);
        QVERIFY2(
            QString::fromStdString(results[2].result.error).contains("entry 3 is not a command"),
            results[2].result.error.c_str());
        QCOMPARE(s->applied_index(), core::Index(3));
    }

    void appliedEntriesAreSkippedAndGapsRefused() {
        QTemporaryDir tmp;
        const auto dir = path(tmp);
        {
            auto s = Storage::open(dir, "raftlab", 1);
            QCOMPARE(
                s->apply({cmd(1, Command::put("k", "1")), cmd(2, Command::put("k", "2"))}).size(),
                std::size_t(2));
        }
        auto s = Storage::open(dir, "raftlab", 1);
        QCOMPARE(s->applied_index(), core::Index(2));
        QCOMPARE(s->load().applied, core::Index(2));
        // A restarted driver re-offers committed entries from the start.
        const auto results =
            s->apply({cmd(1, Command::put("k", "1")), cmd(2, Command::put("k", "2")),
                      cmd(3, Command::put("k", "3"))});
        QCOMPARE(results.size(), std::size_t(1));
        QCOMPARE(results[0].index, core::Index(3));
        QCOMPARE(s->get("k"), some("3"));
        QVERIFY_THROWS_EXCEPTION(StorageError, s->apply({cmd(5, Command::put("k", "5"))}));
        QCOMPARE(s->applied_index(), core::Index(3));
    }

    void scanByPrefix() {
        QTemporaryDir tmp;
        auto s = Storage::open(path(tmp), "raftlab", 1);
        std::vector<core::Entry> es;
        const char* keys[] = {"user/2", "user/1", "users", "use", "user/3", "zz", "a"};
        core::Index i = 0;
        for (const char* k : keys)
            es.push_back(cmd(++i, Command::put(k, std::string("v") + k)));
        s->apply(es);
        const auto users = s->scan("user/", 0);
        QCOMPARE(users.size(), std::size_t(3));
        QCOMPARE(users[0], (KeyValue{"user/1", "vuser/1"}));
        QCOMPARE(users[2].key, std::string("user/3"));
        QCOMPARE(s->scan("user", 2).size(), std::size_t(2));
        QCOMPARE(s->scan("", 0).size(), std::size_t(7));
        QCOMPARE(s->scan("", 0).front().key, std::string("a"));
        QVERIFY(s->scan("nope", 0).empty());
    }
};

QTEST_APPLESS_MAIN(StorageApplyTest)
#include "test_storage_apply.moc"
