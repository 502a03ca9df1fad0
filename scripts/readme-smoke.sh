#!/usr/bin/env bash
# The README's Quick start, verbatim, as a new user runs it; .ci/run runs it after the test suite.
#
# It reads the commands out of README.md's "Quick start" section (so the two cannot drift) and runs them
# from a directory beside the checkout, not in it, through a symbolic link to ./semdex: the demo in the
# background with a relative --data, the curl lines with the answers they must give, `semdex produce` of
# an export, then Ctrl-C (SIGINT to the demo's process group, as a terminal sends it) with exit status 0
# within 30 s, and a restart on the same --data that still finds what was written. It fails on a wrong
# answer, a command it does not know how to check, and any error line in the demo's output.
#
#   scripts/readme-smoke.sh            (needs port 8080 free, curl and perl)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
README="$REPO/README.md"
# Beside the checkout, so that the README's ../shared/data paths mean what they mean in the checkout.
WORK="$(dirname "$REPO")/.semdex-readme-smoke"
DATA="./smoke-data"
STOP_LIMIT=30

fail() { echo "readme-smoke: FAIL: $*" >&2; exit 1; }
say() { echo "readme-smoke: $*" >&2; }

command -v curl >/dev/null || fail "curl is not installed (the README's commands use it)"
command -v perl >/dev/null || fail "perl is not installed"

rm -rf "$WORK"
mkdir -p "$WORK/bin"
ln -s "$REPO/semdex" "$WORK/bin/semdex"
cd "$WORK"
# curl reads this instead of ~/.curlrc: the README's curl lines stay as written, and each also prints its status.
mkdir -p "$WORK/curl"
printf 'silent\nshow-error\nwrite-out = "\\n%%{http_code}\\n"\n' > "$WORK/curl/.curlrc"
export CURL_HOME="$WORK/curl"

# --- the commands of the Quick start, in order: fenced bash blocks, continuation lines joined -------------
mapfile -t COMMANDS < <(awk '
  /^## / { section = ($0 == "## Quick start") }
  section && /^```bash/ { inblock = 1; next }
  section && /^```/ { inblock = 0; next }
  section && inblock {
    line = $0
    if (line ~ /^\.\/semdex /) sub(/[ \t]+#.*$/, "", line)   # a comment after a semdex command
    sub(/^[ \t]+/, "", line)
    if (line == "") next
    if (line ~ /\\$/) { sub(/\\$/, "", line); pending = pending line; next }
    print pending line; pending = ""
  }' "$README")
[ "${#COMMANDS[@]}" -gt 0 ] || fail "no commands found in README.md's Quick start"
say "${#COMMANDS[@]} commands in the Quick start"

DEMO_PID=""
DEMO_LOG=""
cleanup() { [ -z "$DEMO_PID" ] || kill -KILL -- "-$DEMO_PID" 2>/dev/null || true; }
trap cleanup EXIT

# Runs a semdex command line of the README from $WORK, through the symlink.
semdex_line() { echo "$1" | sed "s#^\./semdex #$WORK/bin/semdex #"; }

start_demo() { # $1: the README's demo line
  DEMO_LOG="$WORK/demo-$((++DEMO_RUNS)).log"
  local line; line="$(semdex_line "$1") --data $DATA"
  say "starting: $line"
  # A terminal starts a command with SIGINT at its default and in a process group of its own; a background
  # job of this non-interactive shell would start with SIGINT ignored.
  # shellcheck disable=SC2086
  perl -e '$SIG{INT} = "DEFAULT"; setpgrp(0, 0); exec @ARGV or die "$ARGV[0]: $!\n"' bash -c "exec $line" > "$DEMO_LOG" 2>&1 &
  DEMO_PID=$!
  local waited=0
  until grep -q "is ready in" "$DEMO_LOG"; do
    kill -0 "$DEMO_PID" 2>/dev/null || { cat "$DEMO_LOG" >&2; fail "the demo exited before it was ready"; }
    [ $waited -lt 900 ] || { cat "$DEMO_LOG" >&2; fail "the demo was not ready within 900 s"; }
    sleep 1; waited=$((waited + 1))
  done
  say "ready: $(grep -o 'semdex is ready in [^:]*' "$DEMO_LOG")"
}

stop_demo() {
  say "Ctrl-C (SIGINT to process group $DEMO_PID)"
  local start=$SECONDS status=0
  kill -INT -- "-$DEMO_PID"
  while kill -0 "$DEMO_PID" 2>/dev/null; do
    [ $((SECONDS - start)) -le $STOP_LIMIT ] || { tail -n 40 "$DEMO_LOG" >&2; fail "the demo still ran $STOP_LIMIT s after Ctrl-C"; }
    sleep 0.2
  done
  wait "$DEMO_PID" || status=$?
  [ "$status" -eq 0 ] || { tail -n 40 "$DEMO_LOG" >&2; fail "the demo exited with status $status after Ctrl-C"; }
  say "stopped with status 0 in $((SECONDS - start)) s"
  DEMO_PID=""
}

check_log() { # no error lines in the demo's output
  local errors
  errors="$(grep -nE '(^|[^A-Za-z])(ERROR|SEVERE|FATAL)([^A-Za-z]|$)|Exception|^Caused by:' "$DEMO_LOG" || true)"
  [ -z "$errors" ] || fail "error lines in $DEMO_LOG:"$'\n'"$errors"
}

# Runs a README curl line until its answer passes a check, for up to $2 seconds (indexing is asynchronous).
expect() { # $1 command, $2 seconds, $3 expected status, $4 extended regexp the body must match
  local deadline=$((SECONDS + $2)) out status body
  while :; do
    out="$(bash -c "$1" 2>&1 || true)"
    status="$(echo "$out" | tail -n 1)"
    body="$(echo "$out" | sed '$d')"
    if [ "$status" = "$3" ] && echo "$body" | grep -qE "$4"; then
      say "ok ($status): $1"
      return 0
    fi
    [ $SECONDS -lt $deadline ] || fail "$1"$'\n'"  answered $status: ${body:0:600}"$'\n'"  expected $3 and /$4/"
    sleep 1
  done
}

run_command() { # the check each Quick start command must pass
  local cmd="$1"
  case "$cmd" in
    "./semdex demo"*) start_demo "$cmd"; DEMO_LINE="$cmd" ;;
    "./semdex test")  say "skipped (it is what .ci/run ran before this): $cmd" ;;
    "./semdex produce "*)
      local line out; line="$(semdex_line "$cmd")"
      out="$(bash -c "$line" 2>&1)" || fail "$cmd exited with $?: $out"
      echo "$out" | grep -qE "sent +[1-9][0-9]*" || fail "$cmd sent nothing: $out"
      echo "$out" | grep -qE "failed +0" || fail "$cmd failed some: $out"
      echo "$out" | grep -q "using the local demo's Kafka" || fail "$cmd did not find the demo's Kafka by itself: $out"
      say "ok: $cmd ($(echo "$out" | grep -oE 'sent +[0-9]+' | tr -s ' '))" ;;
    *"/api/search?q=哪种水果维生素C多"*) expect "$cmd" 30 200 '"text":"[^"]*维生素C' ;;
    *"POST"*"/api/documents"*'"id":"note-1"'*) expect "$cmd" 10 202 'note-1' ;;
    *"/api/search?q=when+does+the+office+close"*) expect "$cmd" 60 200 '"docId":"note-1"' ;;
    *"/api/search?q=how+do+I+make+a+queue+deliver+high+priority+messages+first"*)
      expect "$cmd" 300 200 '"docId":"[^"]*how-can-i-support-priority-queues' ;;
    *) fail "the Quick start has a command this smoke does not know how to check: $cmd (teach scripts/readme-smoke.sh)" ;;
  esac
}

DEMO_RUNS=0
DEMO_LINE=""
for cmd in "${COMMANDS[@]}"; do
  run_command "$cmd"
done
[ -n "$DEMO_LINE" ] && [ -n "$DEMO_PID" ] || fail "the Quick start starts no demo"
[ "${COMMANDS[0]}" = "$DEMO_LINE" ] || fail "the Quick start's first command is not the demo: ${COMMANDS[0]}"
check_log
stop_demo
check_log

# Started again on the same data directory, the demo resumes, and what was written is still there.
start_demo "$DEMO_LINE"
grep -q "Resuming from checkpoint" "$DEMO_LOG" || fail "the restarted demo did not resume from its checkpoint"
for cmd in "${COMMANDS[@]}"; do
  case "$cmd" in *"/api/search?q=when+does+the+office+close"*) run_command "$cmd" ;; esac
done
check_log
stop_demo
check_log
[ -d "$WORK/${DATA#./}/index" ] || fail "--data $DATA is not under the caller's directory $WORK"
rm -rf "$WORK"
say "passed"
