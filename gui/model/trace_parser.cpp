#include "gui/model/trace_parser.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>
#include <cmath>

namespace raftlab::gui {

namespace {

std::string str(const QJsonObject& o, const char* key) {
    const QJsonValue v = o.value(QLatin1String(key));
    return v.isString() ? v.toString().toStdString() : std::string();
}

// Numbers in JSON are doubles; trace indexes stay far below 2^53. A number
// no integer type can hold (or NaN) counts as absent: converting it would be
// undefined behaviour (found by fuzz_trace).
bool num(const QJsonObject& o, const char* key, std::uint64_t* out) {
    const QJsonValue v = o.value(QLatin1String(key));
    if (!v.isDouble()) return false;
    const double d = v.toDouble();
    if (!(d < 0x1p64)) return false;
    *out = d > 0 ? static_cast<std::uint64_t>(d) : 0;
    return true;
}

void field(const QJsonObject& o, const char* key, std::uint64_t* out, Event& e, Field f) {
    if (num(o, key, out)) e.known |= f;
}

}  // namespace

ParseResult parse_trace_line(std::string_view line) {
    ParseResult r;
    std::size_t b = 0;
    while (b < line.size() && (line[b] == ' ' || line[b] == '\t' || line[b] == '\r'))
        ++b;
    if (b == line.size()) return r;  // blank line: nothing, no error

    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(
        QByteArray::fromRawData(line.data() + b, static_cast<qsizetype>(line.size() - b)), &err);
    if (err.error != QJsonParseError::NoError) {
        r.error = "not JSON: " + err.errorString().toStdString() + " at column " +
                  std::to_string(err.offset + 1);
        return r;
    }
    if (!doc.isObject()) {
        r.error = "not a JSON object";
        return r;
    }
    const QJsonObject o = doc.object();
    // docs/trace-format.md: "t_ns" (integer nanoseconds) from real runs,
    // "t" (milliseconds of virtual time) from the simulator.
    const QJsonValue t_ns = o.value(QLatin1String("t_ns"));
    const QJsonValue t_ms = o.value(QLatin1String("t"));
    if (!t_ns.isDouble() && !t_ms.isDouble()) {
        r.error = "missing numeric \"t_ns\" or \"t\" (the event's time)";
        return r;
    }
    if (!t_ns.isDouble() && !(std::abs(t_ms.toDouble()) < 0x1p62)) {
        r.error = "\"t\" is out of range (milliseconds of virtual time)";
        return r;
    }

    Event e;
    // The viewer counts milliseconds; nanoseconds round down. (Loopback
    // messages of a live cluster take well under 1 ms: see docs/gui.md.)
    e.t_ms = t_ns.isDouble() ? static_cast<std::int64_t>(t_ns.toInteger() / 1'000'000)
                             : static_cast<std::int64_t>(t_ms.toDouble());
    std::uint64_t node = 0;
    num(o, "node", &node);
    e.node = node;
    e.kind_name = str(o, "kind");
    e.kind = event_kind_from_string(e.kind_name);

    field(o, "term", &e.term, e, kTerm);
    field(o, "vote", &e.vote, e, kVote);
    field(o, "leader", &e.leader, e, kLeader);
    field(o, "index", &e.index, e, kIndex);
    field(o, "commit", &e.commit, e, kCommit);
    field(o, "first", &e.first, e, kFirst);
    field(o, "last", &e.last, e, kLast);
    field(o, "last_index", &e.last_index, e, kLastIndex);
    field(o, "applied", &e.applied, e, kApplied);
    field(o, "snapshot_index", &e.snapshot_index, e, kSnapshotIndex);
    field(o, "snapshot_term", &e.snapshot_term, e, kSnapshotTerm);
    field(o, "log_term", &e.log_term, e, kLogTerm);
    field(o, "entries", &e.entries, e, kEntries);
    std::uint64_t delay = 0;
    if (num(o, "delay_ms", &delay)) {
        e.delay_ms = static_cast<std::int64_t>(delay);
        e.known |= kDelay;
    }
    if (o.value(QLatin1String("loss")).isDouble()) {
        e.loss = o.value(QLatin1String("loss")).toDouble();
        e.known |= kLoss;
    }
    if (o.value(QLatin1String("reject")).isBool())
        e.reject = o.value(QLatin1String("reject")).toBool();
    if (o.value(QLatin1String("latency_us")).isDouble())
        e.latency_us = o.value(QLatin1String("latency_us")).toInteger();
    if (o.value(QLatin1String("note")).isDouble())
        e.note_kind = o.value(QLatin1String("note")).toInt();

    e.what = str(o, "what");
    if (e.what.empty()) e.what = str(o, "op");
    e.key = str(o, "key");
    e.value = str(o, "value");
    for (const char* k : {"reason", "detail", "text", "error"}) {
        if (e.text.empty()) e.text = str(o, k);
    }

    // Who is on the other end: "to" when a node sends, "from" when it
    // receives. A role line also uses from/to, but as role names.
    std::uint64_t peer = 0;
    switch (e.kind) {
        case EventKind::Role:
            role_from_string(str(o, "from"), &e.from_role);
            role_from_string(str(o, "to"), &e.to_role);
            break;
        case EventKind::Send:
            if (num(o, "to", &peer)) e.known |= kPeer;
            e.msg = msg_type_from_string(str(o, "type"));
            break;
        case EventKind::Recv:
            if (num(o, "from", &peer)) e.known |= kPeer;
            e.msg = msg_type_from_string(str(o, "type"));
            break;
        case EventKind::Drop: {
            // Written at the receiver, but both ends are named.
            std::uint64_t from = 0, to = 0;
            num(o, "from", &from);
            num(o, "to", &to);
            peer = from;
            if (to != 0) e.node = to;
            e.known |= kPeer;
            e.msg = msg_type_from_string(str(o, "type"));
            break;
        }
        case EventKind::Unknown: {
            // Keep what an unknown line said, so the event list can still show it.
            std::string fields;
            for (auto it = o.begin(); it != o.end(); ++it) {
                const QString k = it.key();
                if (k == QLatin1String("t") || k == QLatin1String("node") ||
                    k == QLatin1String("kind")) {
                    continue;
                }
                QString v =
                    it.value().isString()
                        ? it.value().toString()
                        : QString::fromUtf8(
                              QJsonDocument(QJsonArray{it.value()}).toJson(QJsonDocument::Compact))
                              .mid(1)
                              .chopped(1);
                fields += (fields.empty() ? "" : " ") + k.toStdString() + "=" + v.toStdString();
            }
            e.text = fields;
            break;
        }
        default:
            if (num(o, "peer", &peer) || num(o, "to", &peer)) e.known |= kPeer;
            break;
    }
    e.peer = peer;
    if (e.kind == EventKind::State) {
        // A node's whole state (the scenario engine's "state" record, or a
        // saved live session): folded as a whole, like a live NodeState.
        auto s = std::make_shared<LiveNodeState>();
        const QJsonValue role = o.value(QLatin1String("role"));
        if (role.isDouble()) {
            const int r = role.toInt();
            s->role = r >= 0 && r <= 4 ? static_cast<Role>(r) : Role::Follower;
        } else {
            role_from_string(str(o, "role"), &s->role);
        }
        s->term = e.term;
        s->vote = e.vote;
        s->leader = e.leader;
        s->commit_index = e.commit;
        s->applied_index = e.applied;
        s->last_index = e.has(kLast) ? e.last : e.last_index;
        s->snapshot_index = e.snapshot_index;
        s->snapshot_term = e.snapshot_term;
        for (const auto& v : o.value(QLatin1String("voters")).toArray())
            s->voters.push_back(static_cast<NodeId>(v.toInteger()));
        for (const auto& v : o.value(QLatin1String("learners")).toArray()) {
            if (v.isObject()) {
                const QJsonObject l = v.toObject();
                s->learners.emplace_back(l.value(QLatin1String("id")).toInteger(),
                                         l.value(QLatin1String("promotable")).toBool(true));
            } else {
                s->learners.emplace_back(static_cast<NodeId>(v.toInteger()), true);
            }
        }
        for (const auto& v : o.value(QLatin1String("peers")).toArray()) {
            const QJsonObject p = v.toObject();
            s->peers.push_back({static_cast<NodeId>(p.value(QLatin1String("id")).toInteger()),
                                static_cast<Index>(p.value(QLatin1String("match")).toInteger()),
                                static_cast<Index>(p.value(QLatin1String("next")).toInteger())});
        }
        const QJsonValue timer = o.value(QLatin1String("election_in_ms"));
        if (timer.isDouble()) s->election_in_ms = timer.toInteger();
        e.live = std::move(s);
    }
    r.event = std::move(e);
    return r;
}

}  // namespace raftlab::gui
