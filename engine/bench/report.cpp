#include "engine/bench/report.h"

#include <cmath>
#include <cstdio>
#include <numeric>

namespace raftlab::bench {

const char* to_string(Target t) {
    switch (t) {
        case Target::Raftlab:
            return "raftlab";
        case Target::Etcd:
            return "etcd";
        case Target::Embedded:
            return "embedded";
    }
    return "?";
}

const char* to_string(Workload w) {
    switch (w) {
        case Workload::Put:
            return "put";
        case Workload::Range:
            return "range";
        case Workload::Mixed:
            return "mixed";
    }
    return "?";
}

double quantile(const std::vector<float>& sorted, double q) {
    if (sorted.empty()) return 0;
    // Nearest rank: the smallest sample with at least q of all at or below it.
    auto rank = static_cast<std::size_t>(std::ceil(q * double(sorted.size())));
    if (rank == 0) rank = 1;
    return sorted[std::min(rank, sorted.size()) - 1];
}

namespace {

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

void print_report(const Options& o, const std::string& backend, const Measured& m,
                  const CheckOutcome& check) {
    const auto& l = m.latencies_ms;
    const double avg = l.empty() ? 0 : std::accumulate(l.begin(), l.end(), 0.0) / double(l.size());
    const double tput = m.seconds > 0 ? double(m.ops) / m.seconds : 0;
    const double p50 = quantile(l, 0.50), p90 = quantile(l, 0.90), p99 = quantile(l, 0.99),
                 p999 = quantile(l, 0.999), max = l.empty() ? 0 : l.back();
    std::string what = to_string(o.workload);
    if (o.workload != Workload::Put) what += o.linearizable ? " (linearizable)" : " (serializable)";
    if (o.workload == Workload::Mixed) {
        what += ", read ratio " + std::to_string(o.read_ratio).substr(0, 4);
    }

    std::printf("%s\n", backend.c_str());
    std::printf("%s: %zu clients, %zu conns, %zu-byte keys, %zu-byte values%s\n", what.c_str(),
                o.clients, o.conns, o.key_size, o.val_size,
                o.target_leader ? ", target leader" : "");
    std::printf("  %-12s %llu\n", "ops", static_cast<unsigned long long>(m.ops));
    std::printf("  %-12s %llu\n", "errors", static_cast<unsigned long long>(m.errors));
    std::printf("  %-12s %.3f%s\n", "seconds", m.seconds,
                m.timed_out ? "  (stopped by --max-seconds)" : "");
    std::printf("  %-12s %.1f ops/s\n", "throughput", tput);
    std::printf("  %-12s avg %.3f  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
                "latency ms", avg, p50, p90, p99, p999, max);
    for (const auto& e : m.sample_errors)
        std::printf("  error: %s\n", e.c_str());
    if (check.ran) {
        std::printf("  %-12s %llu keys read back linearizably, %llu wrong or missing\n", "check",
                    static_cast<unsigned long long>(check.keys),
                    static_cast<unsigned long long>(check.errors));
        for (const auto& e : check.sample_errors)
            std::printf("  check error: %s\n", e.c_str());
    }
    std::printf(
        "{\"bench\":\"raftlab-bench\",\"target\":\"%s\",\"workload\":\"%s\",\"consistency\":"
        "\"%s\",\"clients\":%zu,\"conns\":%zu,\"key_size\":%zu,\"val_size\":%zu,\"label\":\"%s\","
        "\"ops\":%llu,\"errors\":%llu,\"seconds\":%.4f,\"throughput\":%.2f,\"avg_ms\":%.4f,"
        "\"p50_ms\":%.4f,\"p90_ms\":%.4f,\"p99_ms\":%.4f,\"p999_ms\":%.4f,\"max_ms\":%.4f,"
        "\"timed_out\":%s,\"checked_keys\":%llu,\"check_errors\":%llu}\n",
        to_string(o.target), to_string(o.workload), o.linearizable ? "l" : "s", o.clients, o.conns,
        o.key_size, o.val_size, json_escape(o.label).c_str(),
        static_cast<unsigned long long>(m.ops), static_cast<unsigned long long>(m.errors),
        m.seconds, tput, avg, p50, p90, p99, p999, max, m.timed_out ? "true" : "false",
        static_cast<unsigned long long>(check.keys), static_cast<unsigned long long>(check.errors));
    std::fflush(stdout);
}

}  // namespace raftlab::bench
