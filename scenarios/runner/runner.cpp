#include "scenarios/runner/runner.h"

#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <QJsonArray>
#include <algorithm>
#include <thread>

#include "scenarios/runner/lab_client.h"

namespace raftlab::scenario {

namespace {

std::filesystem::path fresh_run_dir() {
    std::string templ = (std::filesystem::temp_directory_path() / "raftlab-run-XXXXXX").string();
    if (!::mkdtemp(templ.data())) {
        throw std::runtime_error("cannot create a run directory under " +
                                 std::filesystem::temp_directory_path().string() +
                                 "; pass --run-dir DIR");
    }
    return templ;
}

}  // namespace

std::string default_library_dir() {
    return RAFTLAB_SCENARIO_LIBRARY;
}

std::vector<ShippedScenario> shipped_scenarios(const std::string& dir) {
    std::vector<ShippedScenario> out;
    const std::filesystem::path root = dir.empty() ? default_library_dir() : dir;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
        if (entry.path().extension() != ".toml") continue;
        ShippedScenario s;
        s.path = entry.path().string();
        try {
            Scenario parsed = parse_scenario_file(s.path);
            s.name = parsed.name;
            s.purpose = parsed.purpose;
            s.needs = parsed.needs;
        } catch (const std::exception& e) {
            s.name = entry.path().stem().string();
            s.purpose = std::string("(does not parse: ") + e.what() + ")";
        }
        out.push_back(s);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

Runner::Runner(Scenario scenario, RunOptions options, std::ostream& out)
    : scenario_(std::move(scenario)), options_(std::move(options)), out_(out) {
    start_ns_ = mono_ns();
    if (options_.run_dir.empty()) {
        run_dir_ = fresh_run_dir();
        owns_run_dir_ = true;
    } else {
        run_dir_ = options_.run_dir;
        std::filesystem::create_directories(run_dir_);
    }
    trace_ = options_.trace_path.empty()
                 ? std::make_unique<TraceWriter>()
                 : std::make_unique<TraceWriter>(options_.trace_path, start_ns_);
    if (options_.on_record) trace_->set_listener(options_.on_record);
    monitor_ = std::make_unique<Monitor>(
        *trace_, out_, start_ns_, static_cast<std::int64_t>(scenario_.checks.liveness_ms) * 1000000,
        scenario_.checks.liveness);
    SupervisorOptions so;
    so.run_dir = run_dir_;
    so.node_bin = options_.node_bin;
    so.node_args = options_.node_args;
    so.raft_toml = scenario_.cluster.raft_toml;
    so.lab = true;
    supervisor_ = std::make_unique<Supervisor>(so);
    for (int i = 1; i <= scenario_.cluster.nodes; ++i)
        supervisor_->plan(i, false);
    for (auto id : scenario_.cluster.learners)
        supervisor_->plan(id, true);
    if (options_.observer == "poll") {
        observer_ = std::make_unique<StatusPoller>();
    } else {
        auto watch = std::make_unique<WatchObserver>();
        if (trace_->enabled()) {
            watch_trace_ = std::make_unique<WatchTrace>(*trace_, options_.trace_message_budget);
            watch->record_events([t = watch_trace_.get()](
                                     NodeId id, const pb::WatchEvent& ev) { t->record(id, ev); },
                                 options_.trace_message_budget > 0);
        }
        observer_ = std::move(watch);
    }
    observer_->on_change(
        [this](const NodeView& now, const NodeView& before) { monitor_->on_view(now, before); });
    recorder_ = std::make_unique<HistoryRecorder>(*trace_);
}

Runner::~Runner() {
    if (workload_) workload_->stop();
    if (observer_) observer_->stop();
    if (supervisor_) supervisor_->kill_all();
    if (owns_run_dir_ && !options_.keep) {
        std::error_code ec;
        std::filesystem::remove_all(run_dir_, ec);
    }
}

void Runner::fault(const std::string& what, NodeId node, const std::string& detail) {
    last_fault_ns_ = mono_ns();
    QJsonObject o;
    o.insert("kind", "fault");
    o.insert("what", QString::fromStdString(what));
    if (node) o.insert("node", static_cast<qint64>(node));
    if (!detail.empty()) o.insert("detail", QString::fromStdString(detail));
    trace_->record(o);
}

void Runner::check_crashes() {
    for (auto it = expected_running_.begin(); it != expected_running_.end();) {
        const NodeId id = *it;
        if (supervisor_->state(id) != ProcessState::Exited) {
            ++it;
            continue;
        }
        it = expected_running_.erase(it);
        Violation v;
        v.checker = "crash";
        v.t_ns = mono_ns();
        v.text = "node " + std::to_string(id) + " exited on its own (exit code " +
                 std::to_string(supervisor_->exit_code(id)) + "); its last lines:\n" +
                 supervisor_->log_tail(id, 4);
        monitor_->violation(v);
        fault("crash", id, "exit code " + std::to_string(supervisor_->exit_code(id)));
    }
}

void Runner::start_observing(NodeId id) {
    observer_->watch(id, supervisor_->node(id).address);
}

std::optional<NodeId> Runner::current_leader() const {
    // The reachable node that says it is leader in the highest term, provided
    // no reachable node has moved on to a higher term (then it is deposed).
    std::optional<NodeId> leader;
    std::uint64_t leader_term = 0, max_term = 0;
    for (const auto& [id, v] : observer_->views()) {
        if (!v.reachable) continue;
        max_term = std::max(max_term, v.term);
        if (v.role == kLeader && v.term >= leader_term) {
            leader = id;
            leader_term = v.term;
        }
    }
    if (leader && leader_term < max_term) return std::nullopt;
    return leader;
}

std::optional<NodeId> Runner::resolve(const NodeRef& ref, std::string& error) {
    if (ref.id) {
        if (!supervisor_->planned(ref.id)) {
            error = "node " + std::to_string(ref.id) +
                    " is not part of this run (cluster.nodes = " +
                    std::to_string(scenario_.cluster.nodes) +
                    "); list joining nodes in cluster.learners";
            return std::nullopt;
        }
        return ref.id;
    }
    if (ref.name == "leader") {
        if (auto l = current_leader()) return l;
        error =
            "there is no leader right now; add a wait-for step with condition = \"leader\" "
            "before this one";
        return std::nullopt;
    }
    if (ref.name == "follower") {
        auto leader = current_leader();
        for (const auto& [id, v] : observer_->views()) {
            if (v.reachable && v.role == kFollower && (!leader || id != *leader)) return id;
        }
        error =
            "no reachable follower right now; wait for one (condition = { what = \"role\", "
            "node = N, role = \"follower\" })";
        return std::nullopt;
    }
    auto it = names_.find(ref.name);
    if (it != names_.end()) return it->second;
    error = "\"" + ref.name +
            "\" names no node: use an id, \"leader\", \"follower\" or a name "
            "bound by an earlier step's as = \"" +
            ref.name + "\"";
    return std::nullopt;
}

std::vector<NodeId> Runner::resolve_all(const std::vector<NodeRef>& refs, std::string& error) {
    std::vector<NodeId> out;
    for (const auto& r : refs) {
        auto id = resolve(r, error);
        if (!id) return {};
        out.push_back(*id);
    }
    return out;
}

void Runner::update_quorum() {
    // The watchdog judges only a clean cluster: a quorum of voters running,
    // none partitioned, the clock untouched.
    std::vector<NodeId> voters;
    for (const auto& [id, v] : observer_->views()) {
        if (v.reachable && !v.voters.empty()) {
            voters = v.voters;
            break;
        }
    }
    if (voters.empty()) {
        for (int i = 1; i <= scenario_.cluster.nodes; ++i)
            voters.push_back(i);
    }
    std::size_t running = 0;
    for (auto id : voters) {
        if (supervisor_->planned(id) && supervisor_->state(id) == ProcessState::Running) ++running;
    }
    monitor_->set_quorum_ok(partitioned_.empty() && !clock_altered_ && running > voters.size() / 2);
}

std::string Runner::lab_call(NodeId id, const std::function<std::string(LabClient&)>& call) {
    // raftlab-node --lab serves the Lab service on its listen_address, next
    // to KV and Cluster (engine/server/node.cpp), not on [lab] address.
    LabClient lab(id, supervisor_->node(id).address);
    std::string error = call(lab);
    if (error.find("has no Lab service") != std::string::npos) lab_missing_ = true;
    return error;
}

std::string Runner::first_lab_problem() {
    for (auto id : supervisor_->ids()) {
        if (supervisor_->state(id) != ProcessState::Running) continue;
        std::string e = lab_call(id, [](LabClient& l) { return l.probe(); });
        if (!e.empty()) return e;
    }
    return {};
}

int Runner::run() {
    monitor_->say("scenario " + scenario_.name + ": " + scenario_.purpose);
    monitor_->say("run directory " + run_dir_.string() + (options_.keep ? " (kept)" : "") +
                  "; observing by " + observer_->how() + "; seed " + std::to_string(options_.seed));
    {
        QJsonObject o;
        o.insert("kind", "run");
        o.insert("scenario", QString::fromStdString(scenario_.name));
        o.insert("file", QString::fromStdString(scenario_.file));
        o.insert("seed", static_cast<qint64>(options_.seed));
        QJsonArray nodes;
        for (auto id : supervisor_->ids()) {
            QJsonObject n;
            n.insert("id", static_cast<qint64>(id));
            n.insert("address", QString::fromStdString(supervisor_->node(id).address));
            n.insert("lab_address", QString::fromStdString(supervisor_->node(id).lab_address));
            n.insert("learner", supervisor_->node(id).learner);
            nodes.append(n);
        }
        o.insert("nodes", nodes);
        trace_->record(o);
    }
    bool speed_applied = options_.speed == 1.0;
    for (const Step& step : scenario_.steps) {
        const std::string where = "step " + std::to_string(step.index) + " (" + step.action +
                                  ", line " + std::to_string(step.line) + ")";
        if (options_.before_step && !options_.before_step(step)) {
            failures_.push_back(where + ": not run, the run was stopped before it");
            break;
        }
        if (!step.say.empty()) monitor_->say("» " + step.say);
        QJsonObject o;
        o.insert("kind", "step");
        o.insert("index", step.index);
        o.insert("line", step.line);
        o.insert("do", QString::fromStdString(step.action));
        if (!step.say.empty()) o.insert("text", QString::fromStdString(step.say));
        trace_->record(o);

        std::string error = execute(step);
        check_crashes();
        update_quorum();
        monitor_->tick();
        if (!speed_applied && step.action == "start") {
            speed_applied = true;
            std::string e;
            for (auto id : supervisor_->ids()) {
                if (supervisor_->state(id) != ProcessState::Running) continue;
                e = lab_call(id, [&](LabClient& l) { return l.set_clock(options_.speed); });
                if (!e.empty()) break;
            }
            monitor_->say(e.empty() ? "lab clock rate " + std::to_string(options_.speed)
                                    : "--speed needs the Lab clock; running at 1x (" + e + ")");
        }
        if (error.empty()) continue;
        if (lab_missing_ && scenario_.wants("lab")) {
            monitor_->say(where + " needs the lab plane: " + error);
            monitor_->say(
                "this scenario declares needs = [\"lab\"]; it cannot run until "
                "raftlab-node offers the Lab service (issue 5). Not a failure: skipped.");
            QJsonObject v;
            v.insert("kind", "verdict");
            v.insert("check", "run");
            v.insert("verdict", "needs-lab-plane");
            v.insert("detail", QString::fromStdString(error));
            trace_->record(v);
            return kNeedsLabPlane;
        }
        failures_.push_back(where + ": " + error);
        monitor_->say("FAILED " + where + ": " + error);
        if (step.action != "expect") {
            // A step that could not act leaves the run in an unknown state:
            // later steps would only report consequences of this one.
            break;
        }
    }
    if (workload_) workload_->stop();
    observer_->stop();
    if (watch_trace_) watch_trace_->finish();

    bool passed = failures_.empty() && monitor_->violations().empty();
    print_summary(passed);
    supervisor_->kill_all();
    return passed ? kPassed : kFailed;
}

void Runner::print_summary(bool passed) {
    auto counts = recorder_->counts();
    monitor_->say("client operations: " + std::to_string(counts.ok) + " ok, " +
                  std::to_string(counts.failed) + " failed (refused: certainly not applied), " +
                  std::to_string(counts.unknown) +
                  " unknown (timed out: may or may not have applied; the checkers allow both)");
    for (const auto& v : monitor_->violations()) {
        failures_.push_back("checker " + v.checker + ": " + v.text);
    }
    QJsonObject o;
    o.insert("kind", "verdict");
    o.insert("check", "run");
    o.insert("verdict", passed ? "passed" : "failed");
    QJsonArray why;
    for (const auto& f : failures_)
        why.append(QString::fromStdString(f));
    o.insert("failures", why);
    trace_->record(o);
    if (passed) {
        monitor_->say("PASSED: every expectation held and no checker fired");
    } else {
        monitor_->say("FAILED (" + std::to_string(failures_.size()) + "):");
        for (const auto& f : failures_)
            out_ << "    - " << f << "\n";
        for (auto id : supervisor_->ids()) {
            if (supervisor_->state(id) == ProcessState::NotStarted) continue;
            out_ << "  last lines of node " << id << " (" << supervisor_->log_path(id).string()
                 << "):\n"
                 << supervisor_->log_tail(id, 6);
        }
        if (!options_.keep && owns_run_dir_) {
            out_ << "  (rerun with --keep to keep configs, data and full logs)\n";
        }
    }
    out_.flush();
}

}  // namespace raftlab::scenario
