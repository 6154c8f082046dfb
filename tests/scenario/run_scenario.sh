#!/bin/sh
# ctest driver: run one scenario with a trace, then re-check the trace
# offline. Exit 77 (the nodes lack the lab plane) passes through as a skip.
#   run_scenario.sh RAFTLAB_SCENARIO SCENARIO.toml TRACE.jsonl
"$1" run "$2" --trace "$3"
rc=$?
if [ "$rc" -ne 0 ]; then exit "$rc"; fi
exec "$1" check "$3"
