# Sorts ThreadSanitizer reports (log_path files) into Raft Lab's and
# third-party ones; scripts/dev.sh fails the sanitize-tsan stage on the first
# kind only. Usage: awk -f scripts/tsan_triage.awk REPORT_FILES...
#
# Why not tests/tsan.supp alone: Debian's gRPC, abseil and protobuf are not
# built with TSan, so the happens-before edges gRPC creates (a reactor built
# on one callback thread and run on another, a message buffer handed from the
# completion queue to a handler) are invisible, and TSan reports a "race"
# between two gRPC-driven stacks, often with our reactor's frame on top
# (engine/net/peer_service.cpp's MessageReader). A suppression matches any
# frame of either stack, so one broad enough to silence those would also
# silence a real race between a gRPC callback and the raft loop.
#
# The rule: a data race is a third-party (hand-off) report when *both*
# access stacks run through gRPC or protobuf code. A race with one stack
# entirely in Raft Lab and the standard library (the raft loop, the apply
# thread, a watch buffer's writer) is ours and fails the stage; so is every
# report that is not a data race (lock-order inversion, bad unlock, leaked
# thread).
# What this cannot see: a race between two gRPC callbacks on Raft Lab state
# (docs/testing.md, "Sanitizers").

# A frame "    #3 FUNCTION(ARGS) FILE:LINE (MODULE+0xOFFSET)" is third-party
# when its function is in gRPC's, abseil's or protobuf's namespaces (or is our
# generated protobuf code), or its file or module is theirs. Only the name
# before "(" counts: our own functions take grpc:: and raftlab::pb:: arguments.
function third_party(line,    fn) {
    sub(/^ +#[0-9]+ /, "", line)
    fn = line
    sub(/\(.*/, "", fn)
    return fn ~ /^(grpc|gpr_|google::protobuf|absl::|raftlab::pb::)/ ||
        line ~ /(\/usr\/include\/grpcpp|\/usr\/include\/google\/protobuf|engine\/proto\/gen)\/[^ ]*:[0-9]+/ ||
        line ~ /\((libgrpc|libgpr|libabsl|libupb|libprotobuf|libaddress_sorting)[^ ]*\+0x[0-9a-f]+\)$/
}

function finish_report() {
    if (!has_warning) { text = ""; return }
    # A node the test killed with SIGKILL can leave its last report cut off
    # (no SUMMARY line): a stack cut short, or never written, is unknown.
    ours = 0
    if (!is_race) ours = 1
    for (i = 1; i <= stacks; i++) if (!tp[i] && complete[i]) ours = 1
    if (stacks < 2 && is_race && has_summary) ours = 1
    if (ours) {
        n_ours++
        printf "%s", text
    } else {
        n_tp++
        if (unrestored) n_unrestored++
        if (!has_summary) n_cut++
    }
    text = ""
}

function start_report() {
    finish_report()
    has_warning = 0; has_summary = 0; is_race = 0; stacks = 0; in_access = 0; unrestored = 0
    split("", tp)
    split("", complete)
}

# Reports are framed by lines of "="; each file is one process's log.
FNR == 1 { start_report() }
/^==================$/ { start_report(); next }

/^WARNING: ThreadSanitizer:/ { has_warning = 1; is_race = ($0 ~ /data race/) }
/^SUMMARY: ThreadSanitizer:/ { has_summary = 1 }

# TSan's own errors outside a report (an unreadable suppressions file, a
# FATAL) mean nothing was checked: they fail the stage too.
!has_warning && /ThreadSanitizer/ && !/ThreadSanitizer: reported [0-9]+ warning/ {
    n_ours++
    print FILENAME ": " $0
}

{ text = text $0 "\n" }

# An access stack: "  Read of size 8 at ... by thread T5:", "  Previous
# write ...", "  Atomic read ..." (not "Location is", "Thread T5 created").
/^  (Read|Write|Previous|Atomic)/ {
    stacks++
    tp[stacks] = 0
    frames[stacks] = 0
    in_access = 1
    next
}

/^$/ {
    # An access stack TSan could not restore ("failed to restore the stack",
    # its history is bounded even at history_size=7) is unknown: the other
    # stack decides, and the summary counts these reports apart.
    if (in_access && frames[stacks] == 0) { tp[stacks] = 1; unrestored = 1 }
    if (in_access) complete[stacks] = 1
    in_access = 0
    next
}

in_access && /^    #[0-9]/ {
    if ($0 ~ /libtsan/) next
    frames[stacks]++
    if (third_party($0)) tp[stacks] = 1
}

END {
    finish_report()
    printf "tsan triage: %d report(s) failing the stage (Raft Lab races, other reports, TSan errors); %d gRPC/protobuf hand-off report(s) (%d with a stack TSan could not restore, %d cut off by SIGKILL)\n", n_ours, n_tp, n_unrestored, n_cut > "/dev/stderr"
    exit n_ours > 0
}
