#include "scenarios/runner/trace.h"

#include <QJsonDocument>
#include <chrono>
#include <stdexcept>

namespace raftlab::scenario {

std::int64_t mono_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

TraceWriter::TraceWriter(const std::string& path, std::int64_t start_ns)
    : out_(path, std::ios::trunc), start_ns_(start_ns) {
    if (!out_) {
        throw std::runtime_error("cannot write the trace file " + path +
                                 "; check the directory exists and is writable");
    }
}

void TraceWriter::record(QJsonObject record) {
    if (!out_.is_open()) return;
    if (!record.contains(QLatin1String("t_ns"))) {
        record.insert(QLatin1String("t_ns"), static_cast<qint64>(mono_ns()));
    }
    const qint64 t_ns = record.value(QLatin1String("t_ns")).toInteger();
    record.insert(QLatin1String("t"), static_cast<qint64>((t_ns - start_ns_) / 1000000));
    const QByteArray line = QJsonDocument(record).toJson(QJsonDocument::Compact);
    std::lock_guard lock(mu_);
    out_.write(line.constData(), line.size());
    out_.put('\n');
    out_.flush();
    if (listener_) listener_(record);
}

void TraceWriter::raw(const std::string& json_line) {
    if (!out_.is_open()) return;
    QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(json_line));
    if (doc.isObject()) record(doc.object());
}

}  // namespace raftlab::scenario
