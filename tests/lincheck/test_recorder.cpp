// The Recorder under concurrent clients: ids, times and records are
// consistent, the records load back, and a correct store is judged linearizable.
#include <QtTest>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "scenarios/lincheck/checker.h"
#include "scenarios/lincheck/history_jsonl.h"
#include "scenarios/lincheck/recorder.h"

using namespace raftlab::lincheck;

class RecorderTest : public QObject {
    Q_OBJECT
  private slots:
    void concurrentClientsOnACorrectStoreAreLinearizable() {
        std::mutex trace_mutex;  // only the recorder writes, but keep the sink honest
        std::ostringstream trace;
        Recorder recorder([&](const std::string& line) {
            std::lock_guard lock(trace_mutex);
            trace << line << '\n';
        });

        // The "store": a map under a mutex, so every operation is atomic and
        // takes effect between the recorder's invoke() and complete().
        std::mutex store_mutex;
        std::map<std::string, std::string> store;
        constexpr int kClients = 4, kOpsPerClient = 300;
        {
            std::vector<std::jthread> clients;
            for (int c = 1; c <= kClients; ++c) {
                clients.emplace_back([&, c] {
                    for (int i = 0; i < kOpsPerClient; ++i) {
                        // Every kind of operation visits every key.
                        const std::string key = "k" + std::to_string((i / 3) % 3);
                        if (i % 3 == 0) {
                            const std::string v = std::to_string(c) + "-" + std::to_string(i);
                            const auto id =
                                recorder.invoke(c, {.kind = OpKind::Put, .key = key, .value = v});
                            {
                                std::lock_guard lock(store_mutex);
                                store[key] = v;
                            }
                            recorder.complete(id, Outcome::Ok);
                        } else if (i % 3 == 1) {
                            const auto id = recorder.invoke(c, {.kind = OpKind::Get, .key = key});
                            std::optional<std::string> read;
                            {
                                std::lock_guard lock(store_mutex);
                                if (auto it = store.find(key); it != store.end()) read = it->second;
                            }
                            recorder.complete(id, Outcome::Ok, read);
                        } else {
                            const std::string v =
                                "cas" + std::to_string(c) + "-" + std::to_string(i);
                            // Half the time expect this client's own put from two
                            // ops ago on the same key, so some CAS really swap.
                            const std::string expected =
                                i % 2 ? "nope" : std::to_string(c) + "-" + std::to_string(i - 2);
                            const auto id = recorder.invoke(c, {.kind = OpKind::Cas,
                                                                .key = key,
                                                                .value = v,
                                                                .expected = expected});
                            bool swapped = false;
                            {
                                std::lock_guard lock(store_mutex);
                                auto it = store.find(key);
                                if (it != store.end() && it->second == expected) {
                                    it->second = v;
                                    swapped = true;
                                }
                            }
                            recorder.complete(id, Outcome::Ok, std::nullopt, swapped);
                        }
                    }
                });
            }
        }
        QCOMPARE(recorder.pending(), std::size_t(0));
        const History h = recorder.snapshot();
        QCOMPARE(h.size(), std::size_t(kClients * kOpsPerClient));
        const auto swaps = std::count_if(h.begin(), h.end(), [](const Operation& op) {
            return op.kind == OpKind::Cas && op.swapped;
        });
        QVERIFY2(swaps > 0, "some CAS must swap, or the test checks less than it says");
        const auto r = check(h);
        QVERIFY2(r.verdict == Verdict::Ok, format(r).c_str());

        // The streamed records are the same history.
        std::istringstream in(trace.str());
        const auto loaded = load_history_jsonl(in, "recorder");
        QVERIFY(loaded.ok());
        QCOMPARE(loaded.history.size(), h.size());
        QCOMPARE(check(loaded.history).verdict, Verdict::Ok);
    }

    void pendingOperationsReadAsUnknown() {
        std::int64_t now = 100;
        Recorder recorder({}, [&] { return now++; });
        const auto a = recorder.invoke(1, {.kind = OpKind::Put, .key = "k", .value = "a"});
        recorder.invoke(2, {.kind = OpKind::Put, .key = "k", .value = "b"});
        recorder.complete(a, Outcome::Ok);
        const History h = recorder.snapshot();
        QCOMPARE(h[0].outcome, Outcome::Ok);
        QCOMPARE(h[0].invoke_ns, std::int64_t(100));
        QCOMPARE(h[0].complete_ns, std::int64_t(102));
        QCOMPARE(h[1].outcome, Outcome::Unknown);
        QCOMPARE(recorder.pending(), std::size_t(1));
    }

    void completingTwiceIsRefused() {
        Recorder recorder;
        const auto id = recorder.invoke(1, {.kind = OpKind::Get, .key = "k"});
        recorder.complete(id, Outcome::Failed);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, recorder.complete(id, Outcome::Ok));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, recorder.complete(999, Outcome::Ok));
    }
};

QTEST_APPLESS_MAIN(RecorderTest)
#include "test_recorder.moc"
