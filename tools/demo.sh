#!/usr/bin/env bash
# Called by `tools/dev run` after the build: shows the ledger working.
# Usage: tools/demo.sh BUILD_DIR
set -euo pipefail
BUILD="$1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="${LEDGER_VAR:-$ROOT/var}"
DEMO="$VAR/demo"
bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

mkdir -p "$VAR"
bold "embedded ledger: create the store, append signed events, checkpoint, proof"
"$BUILD/tools/ledger-demo" --data "$DEMO" --events 300

if [ -x "$BUILD/tools/ledger-verify" ]; then
  bold "offline audit: ledger-verify $DEMO/store"
  "$BUILD/tools/ledger-verify" "$DEMO/store"
fi

if [ -x "$BUILD/tools/ledger-replay" ]; then
  bold "export (first 3 events as JSON Lines): ledger-replay --data $DEMO/store export --format jsonl"
  "$BUILD/tools/ledger-replay" --data "$DEMO/store" export --format jsonl | head -n 3
fi

if [ -x "$BUILD/tools/ledger-seed" ] && [ -x "$BUILD/tools/ledger-replay" ]; then
  if [ ! -d "$VAR/sisaket" ]; then
    bold "a seeded programme: ledger-seed --data $VAR/sisaket --households 300 --seed 7 --provinces 33"
    "$BUILD/tools/ledger-seed" --data "$VAR/sisaket" --households 300 --seed 7 --provinces 33
  fi
  bold "district progress report as of 2022-09-30: ledger-replay --data $VAR/sisaket report --by district --as-of 2022-09-30"
  "$BUILD/tools/ledger-replay" --data "$VAR/sisaket" report --by district --as-of 2022-09-30
  bold "the inspector's anomaly list: ledger-replay --data $VAR/sisaket anomalies"
  "$BUILD/tools/ledger-replay" --data "$VAR/sisaket" anomalies | head -n 15
fi

bold "done"
echo "The store is in $DEMO/store; run 'tools/dev run' again to append more."
