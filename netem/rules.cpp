#include "netem/rules.h"

#include <cmath>
#include <sstream>

#include "netem/link.h"

namespace raftlab::netem {

std::string LinkId::to_string() const {
    return std::to_string(from) + "->" + std::to_string(to);
}

bool Rules::is_noop() const {
    return *this == Rules{};
}

namespace {

bool valid_percent(double p) {
    return std::isfinite(p) && p >= 0 && p <= 100;
}

std::string format_duration(std::int64_t ns) {
    std::ostringstream out;
    if (ns % 1'000'000 == 0) {
        out << ns / 1'000'000 << "ms";
    } else {
        out << static_cast<double>(ns) / 1e6 << "ms";
    }
    return out.str();
}

}  // namespace

std::string validate(const Rules& r) {
    if (r.delay_ns < 0) {
        return "delay must be >= 0 ns, got " + std::to_string(r.delay_ns) +
               "; a link cannot deliver before it sends";
    }
    if (r.jitter_ns < 0) {
        return "jitter must be >= 0 ns, got " + std::to_string(r.jitter_ns);
    }
    if (!valid_percent(r.loss_percent)) {
        return "loss must be a percentage in 0..100, got " + std::to_string(r.loss_percent) +
               "; use cut=true for a full partition";
    }
    if (!valid_percent(r.duplicate_percent)) {
        return "duplicate must be a percentage in 0..100, got " +
               std::to_string(r.duplicate_percent);
    }
    return {};
}

std::string describe(const Rules& r) {
    if (r.is_noop()) return "no fault";
    std::ostringstream out;
    const char* sep = "";
    if (r.cut) {
        out << "cut";
        sep = ", ";
    }
    if (r.delay_ns != 0 || r.jitter_ns != 0) {
        out << sep << "delay " << format_duration(r.delay_ns);
        if (r.jitter_ns != 0) {
            out << " ±" << format_duration(r.jitter_ns)
                << (r.jitter == Jitter::Normal ? " normal" : " uniform");
        }
        sep = ", ";
    }
    if (r.loss_percent != 0) {
        out << sep << "loss " << r.loss_percent << "%";
        sep = ", ";
    }
    if (r.duplicate_percent != 0) {
        out << sep << "duplicate " << r.duplicate_percent << "%";
        sep = ", ";
    }
    if (r.bandwidth_bytes_per_s != 0) {
        out << sep << "bandwidth " << r.bandwidth_bytes_per_s << " B/s";
    }
    return out.str();
}

}  // namespace raftlab::netem
