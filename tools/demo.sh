#!/usr/bin/env bash
# Called by `tools/dev run` after the build: a real ledgerd on 127.0.0.1 over
# mutual TLS, with a seeded province, used through the `ledger` client.
#
# Usage: tools/demo.sh BUILD_DIR          set up (once), restart the server, show it working
#        tools/demo.sh BUILD_DIR --stop   stop the server a previous run left running
#
# Everything lives under $LEDGER_VAR (default: var/ in the repository):
#   pki/               CA, server, agency (pho-33, cdd-33) and inspector (insp-1) certificates
#   ledgerd/           the store ledgerd serves (ledger-seed: 300 households in Si Sa Ket),
#                      with the operator's, agencies' and officers' keys under ledgerd/keys/
#   ledgerd.pid, .log  the running server; ledgerd.vkey its pinned checkpoint key
#   client/            the client's state file and the events this script appended
#   ledger-env.sh      `. var/ledger-env.sh` sets LEDGER_SERVER, LEDGER_CA, ... for the CLI
#
# Environment: LEDGER_DEMO_PORT (default 7433; 0 = any free port; if the
# default is taken by another program a free port is used instead),
# LEDGER_DEMO_STOP=1 to stop the server at the end (tests).
# Every step is real: the first failure stops the script with its error.
set -euo pipefail

BUILD="$(cd "${1:?usage: tools/demo.sh BUILD_DIR [--stop]}" && pwd)"
ACTION="${2:-run}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "${LEDGER_VAR:-$ROOT/var}"
VAR="$(cd "${LEDGER_VAR:-$ROOT/var}" && pwd)"

PKI="$VAR/pki"
STORE="$VAR/ledgerd"
SEEDED="$VAR/ledgerd.seeded"
PIDFILE="$VAR/ledgerd.pid"
LOG="$VAR/ledgerd.log"
OUT="$VAR/ledgerd.out"
VKEY="$VAR/ledgerd.vkey"
CLIENT="$VAR/client"
ENVFILE="$VAR/ledger-env.sh"
DEFAULT_PORT=7433
PORT="${LEDGER_DEMO_PORT:-$DEFAULT_PORT}"

LEDGERD="$BUILD/server/ledgerd"
LEDGER="$BUILD/client/ledger"
KEYGEN="$BUILD/tools/ledger-keygen"
SEED="$BUILD/tools/ledger-seed"
REPLAY="$BUILD/tools/ledger-replay"
VERIFY="$BUILD/tools/ledger-verify"

AGENCY=PHO-33        # appends the demo events
AGENCY2=CDD-33       # a second agency's certificate, for the cheat-sheet
INSPECTOR=insp-1

# Only what this script sets may steer the client.
unset LEDGER_ROLE LEDGER_NAME LEDGER_ROOT_KEY LEDGER_QUEUE LEDGER_CERT LEDGER_CERT_KEY

# Colours only on a terminal.
if [ -t 1 ]; then C_STEP=$'\033[1;36m' C_CMD=$'\033[2m' C_ERR=$'\033[1;31m' C_OFF=$'\033[0m'
else C_STEP="" C_CMD="" C_ERR="" C_OFF=""; fi
step() { printf '\n%s== %s%s\n' "$C_STEP" "$*" "$C_OFF"; }
note() { printf '   %s\n' "$*"; }
die() { printf '\n%sdemo: %s%s\n' "$C_ERR" "$*" "$C_OFF" >&2; exit 1; }
# A command as the user would type it from the repository root.
rel() { printf '%s' "${1#"$ROOT"/}"; }
show() { local s="$*"; printf '%s$ %s%s\n' "$C_CMD" "${s//$ROOT\//}" "$C_OFF"; }
run() { show "$@"; "$@"; }
lower() { tr '[:upper:]' '[:lower:]' <<<"$1"; }
# Certificate and key of a client, by name.
cert() { echo "$PKI/$(lower "$1").crt"; }
certkey() { echo "$PKI/$(lower "$1").key"; }
# `ledger ARGS...` with WHO's client certificate: as WHO ARGS... (show_as only
# shows it, run_as only runs it).
show_as() { local who="$1"; shift; show "LEDGER_CERT=$(cert "$who") LEDGER_CERT_KEY=$(certkey "$who") ledger $*"; }
run_as() { local who="$1"; shift; LEDGER_CERT="$(cert "$who")" LEDGER_CERT_KEY="$(certkey "$who")" "$LEDGER" "$@"; }
as() { show_as "$@"; run_as "$@"; }

for b in "$LEDGERD" "$LEDGER" "$KEYGEN" "$SEED" "$REPLAY" "$VERIFY"; do
  [ -x "$b" ] || die "$b is missing: build first (tools/dev build)"
done

# --- the server's pid file ---------------------------------------------------

# True if PID is a live process (not a zombie).
alive() {
  local state
  state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}
# True if PID is a live ledgerd serving our store.
is_our_ledgerd() {
  local pid="$1"
  alive "$pid" || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qx -- "$STORE" || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1 | grep -q 'ledgerd$'
}

stop_server() {
  [ -f "$PIDFILE" ] || return 0
  local pid
  pid="$(cat "$PIDFILE")"
  if ! is_our_ledgerd "$pid"; then
    rm -f "$PIDFILE"
    return 0
  fi
  run kill -TERM "$pid"
  for _ in $(seq 1 150); do
    is_our_ledgerd "$pid" || break
    sleep 0.1
  done
  if is_our_ledgerd "$pid"; then
    note "ledgerd (pid $pid) still running after 15 s: kill -9 (nothing acknowledged is lost)"
    kill -KILL "$pid"
    sleep 0.5
  fi
  wait "$pid" 2>/dev/null || true   # reap it if it is our child
  rm -f "$PIDFILE"
  note "stopped ledgerd (pid $pid)"
}

if [ "$ACTION" = "--stop" ]; then
  if [ -f "$PIDFILE" ] && is_our_ledgerd "$(cat "$PIDFILE")"; then
    step "stopping the demo ledgerd"
    stop_server
  else
    rm -f "$PIDFILE"
    echo "no demo ledgerd is running for $STORE"
  fi
  exit 0
fi
[ "$ACTION" = run ] || die "unknown argument '$ACTION' (usage: tools/demo.sh BUILD_DIR [--stop])"

# A failure after the server started stops it (and shows its log).
STARTED_PID=""
on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ -n "$STARTED_PID" ]; then
    printf '\n%sdemo failed (exit %s); last lines of %s:%s\n' "$C_ERR" "$rc" "$LOG" "$C_OFF" >&2
    tail -n 15 "$LOG" >&2 || true
    stop_server >&2 || true
  fi
}
trap on_exit EXIT

mkdir -p "$VAR" "$CLIENT"
cd "$ROOT"

if [ -f "$PIDFILE" ] && is_our_ledgerd "$(cat "$PIDFILE")"; then
  step "0. a demo ledgerd from a previous run is still running: restarting it"
  stop_server
fi

# --- 1. keys and certificates ------------------------------------------------

step "1. TLS certificates (mutual TLS) under $(rel "$PKI")"
if [ ! -f "$PKI/ca.crt" ] || [ ! -f "$PKI/ca.key" ]; then
  run "$KEYGEN" dev-pki --dir "$PKI" --agency "$AGENCY" --agency "$AGENCY2" --inspector "$INSPECTOR" --force
else
  made=0
  if [ ! -f "$PKI/server.crt" ] || [ ! -f "$PKI/server.key" ]; then
    run "$KEYGEN" server-cert --ca "$PKI/ca" --out "$PKI/server" --host localhost --host 127.0.0.1 --force
    made=1
  fi
  for who in "$AGENCY:agency" "$AGENCY2:agency" "$INSPECTOR:inspector"; do
    name="${who%%:*}" role="${who##*:}"
    if [ ! -f "$(cert "$name")" ] || [ ! -f "$(certkey "$name")" ]; then
      run "$KEYGEN" client-cert --ca "$PKI/ca" --out "$PKI/$(lower "$name")" --name "$name" --role "$role" --force
      made=1
    fi
  done
  [ "$made" = 1 ] || note "reusing the CA, server, $AGENCY, $AGENCY2 and $INSPECTOR certificates"
fi

# --- 2. a seeded province ----------------------------------------------------

step "2. a seeded province: Si Sa Ket (33), 300 households, fiscal year 2565"
if [ -f "$SEEDED" ] && [ -d "$STORE" ]; then
  note "reusing the store $(rel "$STORE") (delete it and $(rel "$SEEDED") to start afresh)"
else
  if [ -e "$STORE" ]; then
    note "$(rel "$STORE") was not fully seeded by an earlier run: seeding it again"
    rm -rf "$STORE"
  fi
  rm -f "$CLIENT/state.json"   # checkpoints of an earlier store
  run "$SEED" --data "$STORE" --households 300 --seed 7 --provinces 33
  openssl pkey -in "$STORE/keys/root.pem" -pubout -out "$PKI/root.pub.pem"
  touch "$SEEDED"
fi
note "operator root key: $(rel "$STORE")/keys/root.pem (public: $(rel "$PKI")/root.pub.pem)"
note "agency and officer keys: $(rel "$STORE")/keys/agencies/, $(rel "$STORE")/keys/officers/"

step "   offline audit of the store before serving it"
show "$VERIFY" --json "$STORE"
verify_json="$("$VERIFY" --json "$STORE")" || { printf '%s\n' "$verify_json"; die "ledger-verify found a problem"; }
vkey="$(grep -o '"vkey": *"[^"]*"' <<<"$verify_json" | sed 's/.*"\([^"]*\)"$/\1/')"
events="$(grep -o '"events": *[0-9]*' <<<"$verify_json" | grep -o '[0-9]*$')"
[ -n "$vkey" ] && [ -n "$events" ] || die "ledger-verify --json: no vkey or events in its output"
printf '%s\n' "$vkey" >"$VKEY"
note "OK: $events events verified (chain, signatures, Merkle tiles, checkpoints, projections)"
note "checkpoint key (pinned by clients): $vkey"

# A household the seed targeted and that has not exited, and the agency's
# officer for its district.
show "$REPLAY" --data "$STORE" export --format jsonl "| awk ...   # the first targeted household that has not exited"
target="$("$REPLAY" --data "$STORE" export --format jsonl | awk '
  function field(name,   re) {
    re = "\"" name "\":\"[^\"]*\""
    if (!match($0, re)) return ""
    return substr($0, RSTART + length(name) + 4, RLENGTH - length(name) - 5)
  }
  { kind = field("kind"); h = field("household") }
  kind == "HouseholdTargeted" && !(h in district) { district[h] = field("district"); order[++n] = h }
  kind == "HouseholdExited" { exited[h] = 1 }
  END { for (i = 1; i <= n; i++) if (!(order[i] in exited)) { print order[i], district[order[i]]; exit } }')"
HOUSEHOLD="${target%% *}"
DISTRICT="${target##* }"
[ -n "$HOUSEHOLD" ] && [ -n "$DISTRICT" ] || die "no targeted household without an exit in $STORE"
OFFICER="${AGENCY%-*}-$DISTRICT-01"
OFFICER_KEY="$STORE/keys/officers/$OFFICER.pem"
[ -f "$OFFICER_KEY" ] || die "no key for officer $OFFICER ($OFFICER_KEY)"
note "household $HOUSEHOLD (district $DISTRICT); $AGENCY's officer there: $OFFICER"

# --- 3. the server -----------------------------------------------------------

start_ledgerd() {   # start_ledgerd PORT: 0 when listening, 1 if the port is taken
  local port="$1"
  : >"$OUT"
  show "$LEDGERD" --data "$STORE" --listen "127.0.0.1:$port" --http 127.0.0.1:0 --cert "$PKI/server.crt" \
    --key "$PKI/server.key" --ca "$PKI/ca.crt" ">$(rel "$OUT") 2>$(rel "$LOG") &"
  # The server outlives this script (setsid: and the terminal's Ctrl-C) and
  # keeps none of its other file descriptors (a caller's lock or pipe).
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
    exec setsid "$LEDGERD" --data "$STORE" --listen "127.0.0.1:$port" --http 127.0.0.1:0 \
      --cert "$PKI/server.crt" --key "$PKI/server.key" --ca "$PKI/ca.crt"
  ) >"$OUT" 2>"$LOG" </dev/null &
  local pid=$!
  for _ in $(seq 1 300); do
    if grep -q '^http api on ' "$OUT"; then   # printed right after 'listening on'
      is_our_ledgerd "$pid" || die "pid $pid is not the ledgerd that started (setsid forked?)"
      STARTED_PID="$pid"
      echo "$pid" >"$PIDFILE"
      return 0
    fi
    if ! alive "$pid"; then
      wait "$pid" 2>/dev/null || true
      if grep -q 'Address already in use' "$LOG"; then return 1; fi
      cat "$LOG" >&2
      die "ledgerd exited before listening (log: $LOG)"
    fi
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null || true
  cat "$LOG" >&2
  die "ledgerd did not print 'listening on' within 30 s (log: $LOG)"
}

step "3. ledgerd on 127.0.0.1, mutual TLS 1.3 (client certificates required)"
if ! start_ledgerd "$PORT"; then
  if [ "$PORT" = "$DEFAULT_PORT" ] && [ -z "${LEDGER_DEMO_PORT:-}" ]; then
    note "port $PORT is taken by another program (see: ss -ltnp 'sport = :$PORT'); using a free port instead"
    start_ledgerd 0 || die "ledgerd could not listen on a free port (log: $LOG)"
  else
    die "port $PORT is taken (see: ss -ltnp 'sport = :$PORT'); choose another with LEDGER_DEMO_PORT=N (0: any free port)"
  fi
fi
LISTEN="$(sed -n 's/^listening on //p' "$OUT" | head -n 1)"
HTTP="$(sed -n 's/^http api on //p' "$OUT" | head -n 1)"
note "listening on $LISTEN (pid $STARTED_PID, log $(rel "$LOG"))"
note "http api on $HTTP (read-only HTTP/JSON, same TLS certificates)"

# The connection settings every client command below uses.
cat >"$ENVFILE" <<EOF
# Written by tools/demo.sh: the demo ledgerd's connection settings for the ledger CLI.
# Usage: . ${ENVFILE}   then add a client certificate (LEDGER_CERT, LEDGER_CERT_KEY).
export PATH="$BUILD/client:$BUILD/tools:$BUILD/server:\$PATH"
export LEDGER_SERVER="$LISTEN"
export LEDGER_HTTP="$HTTP"   # the read-only HTTPS API: curl https://\$LEDGER_HTTP/v1/...
export LEDGER_CA="$PKI/ca.crt"
export LEDGER_VKEY="@$VKEY"
export LEDGER_STATE="$CLIENT/state.json"
EOF
# shellcheck source=/dev/null
. "$ENVFILE"
show ". $(rel "$ENVFILE")   # LEDGER_SERVER=$LEDGER_SERVER, LEDGER_HTTP=$LEDGER_HTTP, LEDGER_CA, LEDGER_VKEY=@$(rel "$VKEY"), LEDGER_STATE"

# --- 4. appends as an agency -------------------------------------------------

TODAY="$(TZ=Asia/Bangkok date +%F)"
NOW="$(TZ=Asia/Bangkok date +%H:%M)"
EVENTS="$CLIENT/events.jsonl"
# No idempotency_key in the file: `ledger append` draws one per event and
# writes it back into the file before sending, so a second run of the demo
# sends the same keys and is answered "duplicate", not recorded twice. The
# file is written afresh only for another household (a new store).
if [ ! -f "$EVENTS" ] || ! grep -q "\"household\":\"$HOUSEHOLD\"" "$EVENTS"; then
cat >"$EVENTS" <<EOF
{"kind":"HouseholdVisited","household":"$HOUSEHOLD","agency":"$AGENCY","officer":"$OFFICER","occurred_at":"$TODAY","occurred_time":"$NOW","purpose":"follow-up","location":{"gps":{"lat_microdeg":15118000,"lon_microdeg":104322000}},"evidence":[]}
{"kind":"AssistanceGiven","household":"$HOUSEHOLD","agency":"$AGENCY","officer":"$OFFICER","occurred_at":"$TODAY","occurred_time":"$NOW","menu_item":"H-04","description":"health screening and exercise kit (demo)","dimension":"health","indicator":7,"quantity":1,"unit":"visit","value_satang":39400,"plan_action_ref":-1,"beneficiary":"","evidence":[]}
EOF
fi

step "4. agency $AGENCY appends a visit and a help record for household $HOUSEHOLD, signed by officer $OFFICER"
note "events: $(rel "$EVENTS") (HouseholdVisited, AssistanceGiven H-04 on $TODAY)"
rc=0
show_as "$AGENCY" --json append "$EVENTS" --key "$OFFICER_KEY"
append_out="$(run_as "$AGENCY" --json append "$EVENTS" --key "$OFFICER_KEY")" || rc=$?
sed 's/^/   /' <<<"$append_out"
[ "$rc" = 0 ] || die "ledger append failed (exit $rc)"
HELP_SEQ="$(printf '%s\n' "$append_out" | grep '"index":1' | grep -o '"seq":[0-9]*' | grep -o '[0-9]*$')"
[ -n "$HELP_SEQ" ] || die "ledger append did not report the help record's seq"

# --- 5. the inspector verifies -----------------------------------------------

# claim WHO ARGS...: `ledger verify-claim ARGS` as WHO; prints the verdict and
# the checks (the evidence, i.e. event, proof and checkpoint, is left out:
# see --json) and returns ledger's exit code; CLAIM_OUT holds the output.
claim() {
  local who="$1" rc=0; shift
  show_as "$who" verify-claim "$@"
  CLAIM_OUT="$(run_as "$who" verify-claim "$@")" || rc=$?
  sed '/^evidence:/,$d' <<<"$CLAIM_OUT"
  return "$rc"
}

step "5. inspector $INSPECTOR verifies event $HELP_SEQ: proof, checkpoint, officer's registration and key, signature"
claim "$INSPECTOR" "$HELP_SEQ" --root-key "$PKI/root.pub.pem" || die "verify-claim $HELP_SEQ failed"
grep -q '^VERIFIED' <<<"$CLAIM_OUT" || die "verify-claim $HELP_SEQ did not say VERIFIED"

step "   ... and checks a claim: \"$AGENCY gave household $HOUSEHOLD item H-04 on $TODAY\""
claim "$INSPECTOR" --household "$HOUSEHOLD" --agency "$AGENCY" --item H-04 --date "$TODAY" \
  || die "the true claim did not verify"

step "   ... and a false claim (item H-05): the verdict must be MISMATCH, exit 1"
rc=0
claim "$INSPECTOR" --household "$HOUSEHOLD" --agency "$AGENCY" --item H-05 --date "$TODAY" || rc=$?
[ "$rc" = 1 ] && grep -q '^MISMATCH (menu_item)' <<<"$CLAIM_OUT" \
  || die "a false claim was not refused as MISMATCH (menu_item) with exit 1 (exit $rc)"
note "exit $rc, as it should be"

step "   ... and audits household $HOUSEHOLD: a complete history, status folded by the client"
show_as "$INSPECTOR" household "$HOUSEHOLD"
hh_out="$(run_as "$INSPECTOR" household "$HOUSEHOLD")" || die "ledger household $HOUSEHOLD failed"
grep -E 'agrees|STATUS_MISMATCH|complete' <<<"$hh_out" | sed 's/^/   /'
grep -q ', complete (hash chain verified to the head committed' <<<"$hh_out" \
  || die "ledger household did not prove the history complete"

# --- 6. reports over the network ---------------------------------------------

step "6. progress report from the server's projection: the province, then its districts"
as "$INSPECTOR" report --by province --area 33
as "$INSPECTOR" report --by district --area 33

if command -v curl >/dev/null 2>&1; then
  step "   ... and the same server's read-only HTTP/JSON API on $HTTP (HTTPS, the inspector's certificate)"
  show curl -sS --fail-with-body --cacert "$(rel "$PKI/ca.crt")" --cert "$(rel "$(cert "$INSPECTOR")")" \
    --key "$(rel "$(certkey "$INSPECTOR")")" "https://$HTTP/v1/events/$HELP_SEQ/proof"
  curl -sS --fail-with-body --cacert "$PKI/ca.crt" --cert "$(cert "$INSPECTOR")" --key "$(certkey "$INSPECTOR")" \
    "https://$HTTP/v1/events/$HELP_SEQ/proof" | head -c 600 || die "the HTTP API did not answer"
  echo
fi

# --- 7. done -----------------------------------------------------------------

if [ "${LEDGER_DEMO_STOP:-0}" = 1 ]; then
  step "7. stopping the server (LEDGER_DEMO_STOP=1)"
  stop_server
  STARTED_PID=""
  exit 0
fi

STOP_PREFIX=""
[ -z "${LEDGER_VAR:-}" ] || STOP_PREFIX="LEDGER_VAR=$VAR "
A_CERT="$(cert "$AGENCY")" A_KEY="$(certkey "$AGENCY")"
I_CERT="$(cert "$INSPECTOR")" I_KEY="$(certkey "$INSPECTOR")"
step "7. ledgerd is running on $LISTEN (pid $STARTED_PID); try it from another terminal"
cat <<EOF

  # connection settings (server, CA, pinned checkpoint key, state file) and PATH:
  . $ENVFILE

  # as the inspector $INSPECTOR (reads and verifies):
  export LEDGER_CERT=$I_CERT LEDGER_CERT_KEY=$I_KEY
  ledger checkpoint
  ledger household $HOUSEHOLD
  ledger history $HOUSEHOLD
  ledger event $HELP_SEQ
  ledger --json prove $HELP_SEQ
  ledger verify-claim $HELP_SEQ --root-key $PKI/root.pub.pem
  ledger verify-claim --household $HOUSEHOLD --agency $AGENCY --item H-04 --date $TODAY
  ledger report --by district --area 33
  # the read-only HTTP/JSON API (HTTPS, same certificates; docs/protocol.md §6):
  curl -sS --cacert $PKI/ca.crt --cert $I_CERT --key $I_KEY https://\$LEDGER_HTTP/v1/households/$HOUSEHOLD
  curl -sS --cacert $PKI/ca.crt --cert $I_CERT --key $I_KEY "https://\$LEDGER_HTTP/v1/events/$HELP_SEQ/proof"

  # as the agency $AGENCY (appends events signed by its officer $OFFICER):
  LEDGER_CERT=$A_CERT LEDGER_CERT_KEY=$A_KEY \\
    ledger append $EVENTS --key $OFFICER_KEY
  # the same events with $AGENCY2's certificate are refused (WRONG_AGENCY), exit 1:
  LEDGER_CERT=$(cert "$AGENCY2") LEDGER_CERT_KEY=$(certkey "$AGENCY2") \\
    ledger append $EVENTS --key $OFFICER_KEY
  # ($AGENCY2's own officers' keys: $STORE/keys/officers/${AGENCY2%-*}-*.pem)

  # the same without the env file: --server $LISTEN --ca $PKI/ca.crt
  #   --vkey @$VKEY --state $CLIENT/state.json --cert CERT --cert-key KEY

  # server log: $LOG
  # stop the server:  ${STOP_PREFIX}tools/dev run --stop   (or: kill \$(cat $PIDFILE))
EOF
