#include "guide_dir.h"

#include <signal.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <fstream>
#include <sstream>

#include "node_harness.h"

namespace raftlab::testing {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

GuideDir::GuideDir() {
    if (!tmp_.isValid()) return;
    QString src = QStringLiteral(RAFTLAB_GUIDE_DIR);
    QString dst = tmp_.path();
    if (!QDir(dst).mkpath("config")) return;
    bool copied = QFile::copy(src + "/Makefile", dst + "/Makefile");
    for (const char* n : {"n1.toml", "n2.toml", "n3.toml"}) {
        copied = QFile::copy(src + "/config/" + n, dst + "/config/" + n) && copied;
    }
    if (copied) dir_ = dst.toStdString();
}

GuideDir::~GuideDir() {
    if (dir_.empty()) return;
    make({"clean"}, std::chrono::seconds(60));
    for (int n = 1; n <= 3; ++n) {
        int p = pid(n);
        if (p > 0) ::kill(p, SIGKILL);
    }
}

MakeResult GuideDir::make(const QStringList& args, std::chrono::seconds timeout) {
    QProcess proc;
    proc.setProcessChannelMode(QProcess::MergedChannels);
    QStringList all = {"--no-print-directory", "-C", QString::fromStdString(dir_),
                       "RAFTLAB_BIN=" + QString::fromStdString(bin_dir())};
    all += args;
    proc.start("make", all);
    MakeResult r;
    if (!proc.waitForStarted(10000)) {
        r.output = "could not run make: " + proc.errorString().toStdString();
        return r;
    }
    bool finished =
        proc.waitForFinished(static_cast<int>(std::chrono::milliseconds(timeout).count()));
    r.output = proc.readAll().toStdString();
    if (!finished) {
        proc.kill();
        proc.waitForFinished(5000);
        r.output += "\n[make did not finish within " + std::to_string(timeout.count()) + " s]";
        return r;
    }
    r.code = proc.exitStatus() == QProcess::NormalExit ? proc.exitCode() : -1;
    return r;
}

std::string GuideDir::log(int node) const {
    return read_file(dir_ + "/logs/node" + std::to_string(node) + ".log");
}

int GuideDir::pid(int node) const {
    std::string text = read_file(dir_ + "/logs/node" + std::to_string(node) + ".pid");
    try {
        return text.empty() ? -1 : std::stoi(text);
    } catch (...) {
        return -1;
    }
}

std::string GuideDir::config_path(int node) const {
    return dir_ + "/config/n" + std::to_string(node) + ".toml";
}

std::size_t find_from(const std::string& text, const std::string& needle, std::size_t from) {
    return from > text.size() ? std::string::npos : text.find(needle, from);
}

}  // namespace raftlab::testing
