#!/usr/bin/env bash
# Man pages (help2man) and bash completion of the programs (issue 10 item 7).
# Usage: cli_docs_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1" build="$2"
fail() { echo "FAIL: $*" >&2; exit 1; }

for prog in ledger ledgerd ledger-admin ledger-verify ledger-replay ledger-seed ledger-keygen ledger-demo; do
  page="$build/man/$prog.1"
  [ -s "$page" ] || fail "no man page $page"
  grep -q '^\.SH NAME' "$page" || fail "$page has no NAME section"
  grep -qF -- '\-\-version' "$page" || fail "$page does not list --version"
done
grep -qF -- 'verify\-claim' "$build/man/ledger.1" || fail "ledger.1 does not list its commands"

# shellcheck source=/dev/null
. "$src/tools/completion/assistance-ledger.bash"
PATH="$build/client:$build/tools:$build/server:$PATH"
complete_words() {   # complete_words WORD...: what completing the last word offers
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _assistance_ledger
  printf '%s\n' "${COMPREPLY[@]}"
}
check() {   # check EXPECTED WORD...: completing the last word offers EXPECTED
  local want="$1" got
  shift
  got="$(complete_words "$@")"
  grep -qx -- "$want" <<<"$got" || fail "completing '$*' offers [$(echo $got)], not $want"
}
check report ledger rep
check --household ledger verify-claim --hou
check init ledger-admin ""
check --lang ledger-replay chart --la
echo "man pages and completion: ok"
