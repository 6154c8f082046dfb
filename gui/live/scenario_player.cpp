#include "gui/live/scenario_player.h"

#include <stdlib.h>

#include <QJsonArray>
#include <QMetaObject>
#include <filesystem>
#include <functional>
#include <ostream>
#include <streambuf>

#include "scenarios/runner/runner.h"

namespace raftlab::gui {

namespace {

// The runner narrates to an ostream; this one hands each finished line on.
class LineBuffer : public std::streambuf {
  public:
    explicit LineBuffer(std::function<void(std::string)> sink) : sink_(std::move(sink)) {}

  protected:
    int overflow(int c) override {
        if (c == traits_type::eof()) return traits_type::not_eof(c);
        if (c == '\n') {
            sink_(std::move(line_));
            line_.clear();
        } else {
            line_.push_back(static_cast<char>(c));
        }
        return c;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        for (std::streamsize i = 0; i < n; ++i)
            overflow(static_cast<unsigned char>(s[i]));
        return n;
    }

  private:
    std::function<void(std::string)> sink_;
    std::string line_;
};

}  // namespace

ScenarioPlayer::ScenarioPlayer(QObject* parent) : QObject(parent) {}

ScenarioPlayer::~ScenarioPlayer() {
    cancel();
    wait();
    if (!trace_dir_.isEmpty()) {
        std::error_code ec;
        std::filesystem::remove_all(trace_dir_.toStdString(), ec);
    }
}

QString ScenarioPlayer::load(const QString& path) {
    try {
        scenario_ = scenario::parse_scenario_file(path.toStdString());
    } catch (const std::exception& e) {
        loaded_ = false;
        return QString::fromStdString(e.what());
    }
    loaded_ = true;
    return {};
}

void ScenarioPlayer::start(const QString& node_bin) {
    if (!loaded_ || thread_.joinable()) return;
    std::string templ = (std::filesystem::temp_directory_path() / "raftlab-guide-XXXXXX").string();
    if (::mkdtemp(templ.data()) != nullptr) {
        trace_dir_ = QString::fromStdString(templ);
        trace_path_ = trace_dir_ + QStringLiteral("/session.jsonl");
    }
    scenario::RunOptions options;
    options.node_bin = node_bin.toStdString();
    options.trace_path = trace_path_.toStdString();
    options.before_step = [this](const scenario::Step& step) { return beforeStep(step.index); };
    options.cancelled = [this] { return cancel_.load(); };
    options.on_record = [this](const QJsonObject& o) { onRecord(o); };
    running_ = true;
    // One long-lived thread: the Supervisor forks the nodes from it, and
    // PR_SET_PDEATHSIG kills them when this thread ends.
    thread_ = std::thread([this, options, scenario = scenario_] {
        LineBuffer buffer(
            [this](std::string line) { emit narration(QString::fromStdString(line)); });
        std::ostream out(&buffer);
        int code = scenario::kUsage;
        QStringList failures;
        try {
            scenario::Runner runner(scenario, options, out);
            code = runner.run();
        } catch (const std::exception& e) {
            failures << QString::fromStdString(e.what());
            emit narration(QStringLiteral("the run could not start: %1").arg(e.what()));
        }
        failures << failures_;
        exit_code_ = code;
        finished_ = true;
        running_ = false;
        emit runFinished(code, failures);
    });
}

bool ScenarioPlayer::beforeStep(int index) {
    emit waitingBefore(index);
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return cancel_.load() || run_all_ || credits_ > 0; });
    if (cancel_) return false;
    if (credits_ > 0) --credits_;
    lock.unlock();
    emit stepStarted(index);
    return true;
}

void ScenarioPlayer::next() {
    {
        std::lock_guard lock(mu_);
        ++credits_;
    }
    cv_.notify_all();
}

void ScenarioPlayer::runAll() {
    {
        std::lock_guard lock(mu_);
        run_all_ = true;
    }
    cv_.notify_all();
}

void ScenarioPlayer::cancel() {
    {
        std::lock_guard lock(mu_);
        cancel_ = true;
    }
    cv_.notify_all();
}

void ScenarioPlayer::wait() {
    if (thread_.joinable()) thread_.join();
}

void ScenarioPlayer::onRecord(const QJsonObject& o) {
    const QString kind = o.value(QLatin1String("kind")).toString();
    if (kind == QLatin1String("run")) {
        for (const auto& v : o.value(QLatin1String("nodes")).toArray()) {
            const QJsonObject n = v.toObject();
            addresses_[n.value(QLatin1String("id")).toInteger()] =
                n.value(QLatin1String("address")).toString();
        }
    } else if (kind == QLatin1String("fault")) {
        const QString what = o.value(QLatin1String("what")).toString();
        const quint64 id = o.value(QLatin1String("node")).toInteger();
        if (what == QLatin1String("start") || what == QLatin1String("join") ||
            what == QLatin1String("restart")) {
            auto it = addresses_.find(id);
            if (it != addresses_.end()) emit nodeStarted(id, it->second);
        }
    } else if (kind == QLatin1String("verdict") &&
               o.value(QLatin1String("check")).toString() == QLatin1String("run")) {
        for (const auto& f : o.value(QLatin1String("failures")).toArray())
            failures_ << f.toString();
    } else if (kind == QLatin1String("expect")) {
        emit expectation(o.value(QLatin1String("index")).toInt(),
                         o.value(QLatin1String("held")).toBool(),
                         o.value(QLatin1String("condition")).toString(),
                         o.value(QLatin1String("seen")).toString());
    }
    emit record(o);
}

}  // namespace raftlab::gui
