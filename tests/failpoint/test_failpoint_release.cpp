// Failpoints exist only in the test-only build. The release raftlab-node
// must hold none of their names (the macros compile to nothing there, their
// string arguments included), while raftlab-node-failpoints holds them all:
// the same byte search that finds them in one proves their absence in the
// other.
#include <QFile>
#include <QtTest>

namespace {

const char* const kPoints[] = {
    "log.after_append_before_sync",
    "log.after_sync_before_ack",
    "snapshot.mid_send",
    "snapshot.mid_receive",
    "snapshot.mid_install",
    "config.after_append_before_commit",
    "log.mid_compaction",
    "apply.mid",
    "storage.unsafe_no_wal",
    "RAFTLAB_FAILPOINTS",
};

QByteArray read_binary(const QString& name) {
    QFile f(QStringLiteral(RAFTLAB_BIN_DIR) + "/" + name);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

}  // namespace

class TestFailpointRelease : public QObject {
    Q_OBJECT

  private slots:
    void release_node_has_no_failpoints() {
        const QByteArray release = read_binary("raftlab-node");
        const QByteArray testing = read_binary("raftlab-node-failpoints");
        QVERIFY2(!release.isEmpty(), "build raftlab-node first");
        QVERIFY2(!testing.isEmpty(), "build raftlab-node-failpoints first");
        for (const char* p : kPoints) {
            QVERIFY2(testing.contains(p), (std::string("test build lacks ") + p).c_str());
            QVERIFY2(!release.contains(p),
                     (std::string("release raftlab-node contains failpoint text ") + p).c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestFailpointRelease)
#include "test_failpoint_release.moc"
