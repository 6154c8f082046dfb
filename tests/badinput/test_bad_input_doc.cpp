// Every row of docs/bad-input.md, run for real: a malformed config field, a
// bad command-line argument of raftlab-node, raftlab-ctl or raftlab-scenario,
// a bad client request, a bad scenario step. For each row the program must
// exit with the documented non-zero code (no crash: a signal is a failure)
// and print the documented message, which names the problem and the fix.
// No data is lost: a refused config never creates the data dir, and a
// sentinel key written before the client rows reads back after them, from
// a node that is still running.
//
// RAFTLAB_BAD_INPUT_PRINT=1 prints what each row actually printed (to write
// a new row's message column).
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "bad_input_table.h"
#include "node_harness.h"

using namespace raftlab;
using namespace raftlab::testing;
using raftlab::badinput::Row;

namespace {

struct Outcome {
    int exit_code = -1;
    bool crashed = false;  // killed by a signal (abort, segfault)
    bool timed_out = false;
    std::string output;  // stdout and stderr together
};

Outcome run(const std::string& program, const QStringList& args, const QString& cwd,
            std::chrono::milliseconds timeout = 20s) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.setWorkingDirectory(cwd);
    p.start(QString::fromStdString(program), args);
    Outcome o;
    if (!p.waitForStarted(5000)) {
        o.output = "could not start " + program;
        return o;
    }
    if (!p.waitForFinished(static_cast<int>(timeout.count()))) {
        o.timed_out = true;
        p.kill();
        p.waitForFinished(5000);
    }
    o.output = p.readAll().toStdString();
    o.crashed = !o.timed_out && p.exitStatus() == QProcess::CrashExit;
    o.exit_code = p.exitCode();
    return o;
}

// Shell-like words: spaces split, "..." and '...' group (and may be empty).
QStringList words(const std::string& s) {
    QStringList out;
    std::string cur;
    bool in_word = false;
    char quote = 0;
    for (char ch : s) {
        if (quote) {
            if (ch == quote) {
                quote = 0;
            } else {
                cur += ch;
            }
        } else if (ch == '"' || ch == '\'') {
            quote = ch;
            in_word = true;
        } else if (ch == ' ') {
            if (in_word) out << QString::fromStdString(cur);
            cur.clear();
            in_word = false;
        } else {
            cur += ch;
            in_word = true;
        }
    }
    if (in_word) out << QString::fromStdString(cur);
    return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

// A valid one-node config on `port`; the rows change one thing in it.
std::string base_config(int port) {
    const std::string a = "127.0.0.1:" + std::to_string(port);
    return "[cluster]\nnode_id = 1\nlisten_address = \"" + a +
           "\"\ninitial_cluster = [ { id = 1, address = \"" + a +
           "\", role = 2, status = 2 } ]\ndb_root_dir = \"./db\"\n";
}

// Applies one change of the config table's Input (changes are separated by
// ` ;; `): `section.key = value` sets (or adds) a key, `unset section.key`
// removes it, `append: TEXT` adds raw text.
std::string apply_change(const std::string& base, const std::string& change) {
    if (change.rfind("append: ", 0) == 0) return base + change.substr(8) + "\n";
    const bool unset = change.rfind("unset ", 0) == 0;
    const std::string assignment = unset ? change.substr(6) : change;
    const std::size_t dot = assignment.find('.');
    const std::size_t eq = assignment.find(" = ");
    const std::string section = assignment.substr(0, dot);
    const std::string key =
        assignment.substr(dot + 1, (eq == std::string::npos ? assignment.size() : eq) - dot - 1);
    std::istringstream in(base);
    std::string line, out, current;
    bool done = false, section_seen = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] == '[') {
            if (current == section && !done && !unset) {
                out += assignment.substr(dot + 1) + "\n";
                done = true;
            }
            current = line.substr(1, line.find(']') - 1);
            section_seen = section_seen || current == section;
        } else if (current == section && line.rfind(key + " = ", 0) == 0) {
            if (!unset) out += assignment.substr(dot + 1) + "\n";
            done = true;
            continue;
        }
        out += line + "\n";
    }
    if (!done && !unset) {
        if (current != section) out += "[" + section + "]\n";
        out += assignment.substr(dot + 1) + "\n";
    }
    return out;
}

std::string write_file(const QTemporaryDir& dir, const std::string& name, const std::string& text) {
    const std::string path = dir.path().toStdString() + "/" + name;
    std::ofstream(path) << text;
    return path;
}

}  // namespace

class TestBadInputDoc : public QObject {
    Q_OBJECT

    std::vector<Row> rows_;
    bool print_ = qEnvironmentVariableIntValue("RAFTLAB_BAD_INPUT_PRINT") != 0;

    std::vector<Row> of_kind(const std::string& kind) const {
        std::vector<Row> out;
        for (const auto& r : rows_)
            if (r.kind == kind) out.push_back(r);
        return out;
    }

    // The common verdict of a row: the documented exit code, no signal, no
    // hang, and the documented message.
    bool judge(const Row& r, const Outcome& o, QString* why) {
        if (print_) {
            qInfo().noquote() << QString("docs/bad-input.md:%1 [%2] %3\n  exit %4: %5")
                                     .arg(r.line)
                                     .arg(QString::fromStdString(r.kind),
                                          QString::fromStdString(r.input))
                                     .arg(o.exit_code)
                                     .arg(QString::fromStdString(o.output).trimmed());
        }
        const QString where =
            QString("docs/bad-input.md:%1 (%2: %3): ")
                .arg(r.line)
                .arg(QString::fromStdString(r.kind), QString::fromStdString(r.input));
        if (o.timed_out) {
            *why = where + "still running after 20 s: the bad input was accepted";
        } else if (o.crashed) {
            *why = where + "crashed (killed by a signal); output:\n" +
                   QString::fromStdString(o.output);
        } else if (o.exit_code != r.exit_code) {
            *why =
                where +
                QString("exit %1, the doc says %2; output:\n").arg(o.exit_code).arg(r.exit_code) +
                QString::fromStdString(o.output);
        } else if (!badinput::matches(o.output, r.expected)) {
            *why = where + "the message differs from the doc.\n  doc:    " +
                   QString::fromStdString(r.expected) +
                   "\n  actual: " + QString::fromStdString(o.output).trimmed();
        } else {
            return true;
        }
        return false;
    }

  private slots:
    void initTestCase() {
        rows_ = badinput::read_tables(RAFTLAB_BAD_INPUT_DOC);
        QVERIFY2(rows_.size() >= 40, "docs/bad-input.md lost its tables");
        for (const auto& r : rows_) {
            QVERIFY2(r.exit_code != 0, qPrintable(QString("docs/bad-input.md:%1: exit 0 is not "
                                                          "a refusal")
                                                      .arg(r.line)));
        }
    }

    void config_fields() {
        QStringList failures;
        for (const auto& r : of_kind("config")) {
            QTemporaryDir dir;
            const int port = free_port();
            std::string text = base_config(port);
            std::string changes = replace_all(r.input, "{port}", std::to_string(port));
            for (std::size_t cut; (cut = changes.find(" ;; ")) != std::string::npos;) {
                text = apply_change(text, changes.substr(0, cut));
                changes = changes.substr(cut + 4);
            }
            text = apply_change(text, changes);
            const std::string cfg = write_file(dir, "node.toml", text);
            Outcome o = run(bin_dir() + "/raftlab-node", {"--config", QString::fromStdString(cfg)},
                            dir.path());
            QString why;
            if (!judge(r, o, &why)) failures << why;
            // Refused before it touched any data.
            if (std::filesystem::exists(dir.path().toStdString() + "/db/node1"))
                failures << QString("docs/bad-input.md:%1: created a data dir").arg(r.line);
        }
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join("\n")));
    }

    void node_arguments() {
        QStringList failures;
        for (const auto& r : of_kind("node-cli")) {
            QTemporaryDir dir;
            const std::string cfg = write_file(dir, "node.toml", base_config(free_port()));
            Outcome o = run(bin_dir() + "/raftlab-node",
                            words(replace_all(r.input, "{config}", cfg)), dir.path());
            QString why;
            if (!judge(r, o, &why)) failures << why;
        }
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join("\n")));
    }

    void scenario_steps_and_arguments() {
        QStringList failures;
        QTemporaryDir dir;
        for (const auto& r : of_kind("scenario")) {
            std::string step = replace_all(r.input, "; ", "\n");
            const std::string file = write_file(
                dir, "bad.toml",
                "name = \"bad\"\npurpose = \"a bad step\"\n\n[cluster]\nnodes = 3\n\n[[step]]\n"
                "do = \"start\"\n\n[[step]]\n" +
                    step + "\n");
            // --node-bin that does not exist: a step the parser wrongly
            // accepted shows up as a different message, never as a real run.
            Outcome o = run(bin_dir() + "/raftlab-scenario",
                            {"run", QString::fromStdString(file), "--node-bin", "/nonexistent"},
                            dir.path());
            QString why;
            if (!judge(r, o, &why)) failures << why;
        }
        for (const auto& r : of_kind("scenario-cli")) {
            Outcome o = run(bin_dir() + "/raftlab-scenario", words(r.input), dir.path());
            QString why;
            if (!judge(r, o, &why)) failures << why;
        }
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join("\n")));
    }

    // raftlab-ctl arguments and client requests, against one running node
    // with small [limits]; nothing written before is lost, and it keeps running.
    void ctl_arguments_and_client_requests() {
        ClusterOptions options;
        options.nodes = 1;
        options.extra_toml = "[limits]\nmax_key_bytes = 16\nmax_value_bytes = 64\n";
        Cluster cluster(options);
        QVERIFY(cluster.start_all());
        QVERIFY(cluster.wait_leader(20s));
        QVERIFY(cluster.client().put("sentinel", "kept").error.ok());

        QStringList failures;
        QTemporaryDir dir;
        for (const std::string kind : {"ctl", "client"}) {
            for (const auto& r : of_kind(kind)) {
                std::string args = replace_all(r.input, "{addr}", cluster.address(1));
                args = replace_all(args, "{long_key}", std::string(17, 'k'));
                args = replace_all(args, "{long_value}", std::string(65, 'v'));
                Outcome o = run(bin_dir() + "/raftlab-ctl", words(args), dir.path());
                // A busy machine can make one connection attempt fail; that
                // says nothing about the row, so it gets one more try.
                const std::string unreachable = "UNAVAILABLE: cannot reach any node";
                if (o.output.find(unreachable) != std::string::npos &&
                    r.expected.find(unreachable) == std::string::npos) {
                    qInfo("docs/bad-input.md:%d: node unreachable once, trying again", r.line);
                    o = run(bin_dir() + "/raftlab-ctl", words(args), dir.path());
                }
                QString why;
                if (!judge(r, o, &why)) failures << why;
            }
        }
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join("\n")));
        QVERIFY2(cluster.node(1).running(), "the node died during the client rows");
        auto got = cluster.client().get("sentinel");
        QVERIFY2(got.error.ok(), got.error.message.c_str());
        QCOMPARE(got.value.value_or("<none>"), std::string("kept"));
    }
};

QTEST_GUILESS_MAIN(TestBadInputDoc)
#include "test_bad_input_doc.moc"
