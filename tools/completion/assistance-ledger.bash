# Bash completion for the assistance-ledger programs: commands and flags,
# read from each program's own --help (CLI11), so it never goes stale.
#
#   . tools/completion/assistance-ledger.bash      # or install it as
#   /usr/share/bash-completion/completions/ledger (and one link per program)

# _assistance_ledger_help PROG [SUBCOMMAND]: the help text, cached per shell.
_assistance_ledger_help() {
  local key="${1}__${2:-}"
  key="${key//[^A-Za-z0-9_]/_}"
  local var="_assistance_ledger_cache_${key}"
  if [ -z "${!var:-}" ]; then
    local text
    if [ -n "${2:-}" ]; then
      text="$("$1" "$2" --help 2>/dev/null)"
    else
      text="$("$1" --help 2>/dev/null)"
    fi
    printf -v "$var" '%s' "$text"
  fi
  printf '%s\n' "${!var}"
}

_assistance_ledger() {
  local cur prog sub="" word i
  cur="${COMP_WORDS[COMP_CWORD]}"
  prog="${COMP_WORDS[0]}"
  local help commands
  help="$(_assistance_ledger_help "$prog")"
  # Commands: the first word of each line under "Subcommands:".
  commands="$(printf '%s\n' "$help" | sed -n '/^Subcommands:/,/^$/{/^  [a-z]/{s/^  \([a-z][a-z0-9-]*\).*/\1/p}}')"
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${COMP_WORDS[i]}"
    if printf '%s\n' "$commands" | grep -qxF -- "$word"; then
      sub="$word"
      break
    fi
  done
  if [[ "$cur" == -* ]]; then
    local text flags
    text="$help"
    [ -n "$sub" ] && text="$text"$'\n'"$(_assistance_ledger_help "$prog" "$sub")"
    flags="$(printf '%s\n' "$text" | grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[ ,]//' | sort -u)"
    mapfile -t COMPREPLY < <(compgen -W "$flags" -- "$cur")
  elif [ -z "$sub" ] && [ -n "$commands" ]; then
    mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}

complete -o default -F _assistance_ledger ledger ledgerd ledger-admin ledger-verify ledger-replay ledger-seed \
  ledger-keygen ledger-demo ledger-bench
