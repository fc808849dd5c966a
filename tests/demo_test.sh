#!/usr/bin/env bash
# ctest demo_script: runs tools/demo.sh (what `tools/dev run` runs after the
# build) twice in a fresh LEDGER_VAR, on a free 127.0.0.1 port, stopping the
# server at the end of each run; checks each run's verdicts, that the second
# run reuses the keys and the store (with the first run's events in it), and
# that no server is left running.
# Usage: tests/demo_test.sh tools/demo.sh BUILD_DIR
set -euo pipefail
DEMO="$1"
BUILD="$2"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/demo_test.XXXXXX")"
PIDFILE="$TMP/var/ledgerd.pid"

cleanup() {
  if [ -f "$PIDFILE" ]; then   # a run that failed to stop its server
    kill -TERM "$(cat "$PIDFILE")" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "demo_test: FAIL: $*" >&2; exit 1; }
expect() {   # expect LOG PATTERN WHAT
  grep -qE -- "$2" "$1" || fail "$3 (no line matching '$2' in the output above)"
}

demo() {   # demo N: run the demo, output in $TMP/runN.log
  local log="$TMP/run$1.log" rc=0
  HOME="$TMP/home" LEDGER_VAR="$TMP/var" LEDGER_DEMO_PORT=0 LEDGER_DEMO_STOP=1 \
    "$DEMO" "$BUILD" >"$log" 2>&1 </dev/null || rc=$?
  cat "$log"
  [ "$rc" = 0 ] || fail "run $1: tools/demo.sh exited $rc"
  [ ! -f "$PIDFILE" ] || fail "run $1: the server's pid file is still there"
  expect "$log" 'listening on 127\.0\.0\.1:[0-9]+ \(pid [0-9]+' "run $1: ledgerd did not listen"
  local pid
  pid="$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+ \(pid [0-9]+' "$log" | grep -oE '[0-9]+$')"
  expect "$log" '"index":1,.*"seq":[0-9]+' "run $1: the help record was not appended"
  expect "$log" '^VERIFIED: event [0-9]+ is in the log' "run $1: the event did not verify"
  expect "$log" '^VERIFIED: claim matches event' "run $1: the true claim did not verify"
  expect "$log" '^MISMATCH \(menu_item\)' "run $1: the false claim was not refused"
  expect "$log" '^33 +300 ' "run $1: no province report for 300 targeted households"
  expect "$log" "stopped ledgerd \\(pid $pid\\)" "run $1: the server was not stopped"
  if [ -d "/proc/$pid" ] && ! grep -q '^[^)]*) Z' "/proc/$pid/stat" 2>/dev/null; then
    fail "run $1: ledgerd (pid $pid) is still running"
  fi
}

demo 1
expect "$TMP/run1.log" 'ledger-seed --data' "run 1: the store was not seeded"
expect "$TMP/run1.log" 'OK: 5972 events verified' "run 1: the seeded store is not 5972 events"
[ -f "$TMP/var/pki/ca.crt" ] && [ -f "$TMP/var/pki/insp-1.crt" ] || fail "run 1: no certificates"

demo 2
expect "$TMP/run2.log" 'reusing the CA' "run 2: the certificates were made again"
expect "$TMP/run2.log" 'reusing the store' "run 2: the store was seeded again"
expect "$TMP/run2.log" 'OK: 5974 events verified' "run 2: run 1's two events are not in the store"
if grep -q 'ledger-seed --data' "$TMP/run2.log"; then fail "run 2: ledger-seed ran again"; fi
# The events file kept the idempotency keys run 1 drew: run 2 is answered
# "duplicate" and records nothing new (issue 10, "Re-running records the same help again").
expect "$TMP/run2.log" '"duplicate":true,"index":1,' "run 2: the help record was recorded again"
grep -q '"idempotency_key"' "$TMP/var/client/events.jsonl" || fail "the events file has no idempotency keys"

echo "demo_test: OK"
