#include "gui/model/trace_file_source.h"

#include <QFile>

#include "gui/model/trace_parser.h"

namespace raftlab::gui {

namespace {
// Batches keep the models' insert notifications few and the UI responsive.
constexpr std::size_t kBatch = 4096;
constexpr int kTickMs = 16;  // one frame
}  // namespace

TraceFileSource::TraceFileSource(QString path, double speed, QObject* parent)
    : EventSource(parent), path_(std::move(path)), speed_(speed) {
    timer_.setInterval(kTickMs);
    connect(&timer_, &QTimer::timeout, this, &TraceFileSource::deliverDue);
}

QString TraceFileSource::description() const {
    return QStringLiteral("trace %1").arg(path_);
}

bool TraceFileSource::load() {
    QFile f(path_);
    if (!f.open(QIODevice::ReadOnly)) {
        emit error(QStringLiteral("Cannot open trace '%1': %2. Check the path, or record one with "
                                  "raftlab-sim --trace.")
                       .arg(path_, f.errorString()));
        return false;
    }
    events_.clear();
    skipped_ = 0;
    int line_no = 0;
    while (!f.atEnd()) {
        const QByteArray line = f.readLine();
        ++line_no;
        ParseResult r = parse_trace_line(std::string_view(line.constData(), line.size()));
        if (r.event) {
            events_.push_back(std::move(*r.event));
        } else if (!r.error.empty()) {
            if (skipped_++ == 0) {
                first_problem_ =
                    QStringLiteral("line %1: %2").arg(line_no).arg(QString::fromStdString(r.error));
            }
        }
    }
    if (events_.empty()) {
        emit error(skipped_ > 0
                       ? QStringLiteral("Trace '%1' has no valid events (%2 bad lines; first: %3).")
                             .arg(path_)
                             .arg(skipped_)
                             .arg(first_problem_)
                       : QStringLiteral("Trace '%1' is empty.").arg(path_));
        return false;
    }
    return true;
}

void TraceFileSource::start() {
    if (!load()) return;
    next_ = 0;
    if (speed_ <= 0) {
        while (next_ < events_.size()) {
            const std::size_t end = std::min(events_.size(), next_ + kBatch);
            emit eventsArrived(std::vector<Event>(events_.begin() + next_, events_.begin() + end));
            next_ = end;
        }
        emit sourceEnded();
        return;
    }
    origin_ms_ = events_.front().t_ms;
    clock_.start();
    timer_.start();
    deliverDue();
}

void TraceFileSource::stop() {
    timer_.stop();
}

void TraceFileSource::deliverDue() {
    const auto due = origin_ms_ + static_cast<std::int64_t>(clock_.elapsed() * speed_);
    std::vector<Event> batch;
    while (next_ < events_.size() && events_[next_].t_ms <= due)
        batch.push_back(events_[next_++]);
    if (!batch.empty()) emit eventsArrived(batch);
    if (next_ >= events_.size()) {
        timer_.stop();
        emit sourceEnded();
    }
}

}  // namespace raftlab::gui
