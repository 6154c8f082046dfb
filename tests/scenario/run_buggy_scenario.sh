#!/bin/sh
# ctest driver for a checker that must fire: run a scenario on nodes with a
# test-only bug switched on, and pass only if the run fails (exit 1) with a
# linearizability verdict of illegal in its trace, and `check` rejects the
# trace too. Exit 77 (the nodes lack the lab plane) passes through as a skip.
#   run_buggy_scenario.sh RAFTLAB_SCENARIO SCENARIO.toml TRACE.jsonl NODE_BIN BUG
"$1" run "$2" --trace "$3" --node-bin "$4" --node-arg=--bug="$5"
rc=$?
if [ "$rc" -eq 77 ]; then exit 77; fi
if [ "$rc" -ne 1 ]; then
  echo "FAIL: with --bug $5 the run should fail with exit 1 (a checker fired), got $rc"
  exit 1
fi
if ! grep '"kind":"verdict"' "$3" | grep '"check":"linearizability"' |
     grep -q '"verdict":"illegal"'; then
  echo "FAIL: with --bug $5 the trace $3 has no linearizability verdict illegal"
  exit 1
fi
"$1" check "$3"
rc=$?
if [ "$rc" -ne 1 ]; then
  echo "FAIL: raftlab-scenario check should reject the trace (exit 1), got $rc"
  exit 1
fi
echo "OK: with --bug $5 the linearizability checker caught the stale read (verdict illegal)"
