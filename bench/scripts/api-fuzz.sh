#!/usr/bin/env bash
# API fuzzing with schemathesis against Emporium's own OpenAPI document.
#
# Installs a pinned schemathesis into a virtualenv of its own under target/ (once), builds
# the debug server, starts `emporium serve` on a fresh data directory (the demo catalog
# loads on first start) and a free loopback port, signs in as the demo admin it prints,
# then runs schemathesis on `/openapi.json` with every check that applies, sending the
# admin's bearer token so admin routes are exercised too.
#
# Fails (non-zero exit) on any 5xx, any response that breaks the document, or a server
# that died or panicked on the way. Everything started here is stopped by PID on exit.
#
# Environment: MAX_TIME (schemathesis time budget in seconds, default 180),
# MAX_EXAMPLES (test cases per operation and phase, default 50), SEED (fixes the
# generated inputs to repeat a run), EMPORIUM_BIN (fuzz this binary instead of building
# `target/debug/emporium`).
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
MAX_TIME="${MAX_TIME:-180}"
MAX_EXAMPLES="${MAX_EXAMPLES:-50}"
# How long the demo catalog may take to load and index before /readyz answers 200.
READY_TIMEOUT_S=300
# Hard bound on the schemathesis process, above its own budget (install and shrinking
# of failures come on top of MAX_TIME).
HARD_TIMEOUT_S=$((MAX_TIME + 240))

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }

venv="$repo/target/api-fuzz-venv"
st="$venv/bin/schemathesis"
if ! [[ -x "$st" ]] || [[ "$("$st" --version 2>/dev/null)" != *" $SCHEMATHESIS_VERSION" ]]; then
    echo "installing schemathesis $SCHEMATHESIS_VERSION into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" >&2
fi

if [[ -n "${EMPORIUM_BIN:-}" ]]; then
    emporium_bin="$EMPORIUM_BIN"
else
    cargo build -p emporium-server >&2
    emporium_bin="$repo/target/debug/emporium"
fi

work="$(mktemp -d -t emporium-api-fuzz.XXXXXX)"
emporium_pid=""
st_pid=""
cleanup() {
    # Only what this script started, by PID.
    if [[ -n "$st_pid" ]]; then
        kill -TERM "$st_pid" 2>/dev/null || true
        wait "$st_pid" 2>/dev/null || true
    fi
    if [[ -n "$emporium_pid" ]]; then
        kill -TERM "$emporium_pid" 2>/dev/null || true
        wait "$emporium_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
# Interrupted or timed out: exit, so that the EXIT trap stops what was started.
trap 'exit 130' INT TERM

# --- Emporium -------------------------------------------------------------------------
# Rate limiting stays off (the default): schemathesis sends far more than a client
# would, and 429s would hide the answers under test. Sign-in keeps its own limit.
RUST_LOG=warn "$emporium_bin" serve --data-dir "$work/data" --listen 127.0.0.1:0 \
    >"$work/emporium.out" 2>"$work/emporium.err" &
emporium_pid=$!
emporium=""
for _ in $(seq 1 $((READY_TIMEOUT_S * 10))); do
    if ! kill -0 "$emporium_pid" 2>/dev/null; then
        echo "emporium exited:" >&2
        cat "$work/emporium.err" >&2
        exit 1
    fi
    line="$(head -n 1 "$work/emporium.out")"
    if [[ "$line" == "listening on http://"* ]]; then
        emporium="${line#listening on }"
        break
    fi
    sleep 0.1
done
[[ -n "$emporium" ]] || { echo "emporium printed no address" >&2; exit 1; }
echo "emporium at $emporium (pid $emporium_pid), loading the demo catalog" >&2

# The demo admin's line follows the address: `demo admin: EMAIL / PASSWORD`.
admin_line=""
for _ in $(seq 1 50); do
    admin_line="$(grep -m 1 '^demo admin: ' "$work/emporium.out" || true)"
    [[ -n "$admin_line" ]] && break
    sleep 0.1
done
[[ -n "$admin_line" ]] || { echo "emporium printed no demo admin" >&2; exit 1; }
admin_line="${admin_line#demo admin: }"
admin_email="${admin_line%% / *}"
admin_password="${admin_line#* / }"

ready=""
for _ in $(seq 1 $((READY_TIMEOUT_S * 10))); do
    if curl -fs -o /dev/null "$emporium/readyz"; then
        ready=yes
        break
    fi
    kill -0 "$emporium_pid" 2>/dev/null || { cat "$work/emporium.err" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$ready" ]] || { echo "emporium not ready within ${READY_TIMEOUT_S}s" >&2; exit 1; }

# JSON built and read by Python so that any character in the password survives.
login_body="$(EMAIL="$admin_email" PASSWORD="$admin_password" python3 -c \
    'import json, os; print(json.dumps({"email": os.environ["EMAIL"], "password": os.environ["PASSWORD"]}))')"
token="$(curl -fs -H 'content-type: application/json' --data-binary "$login_body" \
    "$emporium/v1/auth/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
[[ -n "$token" ]] || { echo "admin sign-in gave no token" >&2; exit 1; }

# --- schemathesis ---------------------------------------------------------------------
# Every check runs, with two narrowings that the contract itself calls for:
# - positive_data_acceptance is off for the list operations that take `cursor`: a cursor
#   is opaque and tamper-checked (API.md; the document says any value not handed out as
#   a `next_cursor` is a 422 on `cursor`), so a schema-valid string schemathesis makes up
#   is rightly refused. The other checks still run on those operations. The list comes
#   from the served document, so a new list operation is covered without editing this.
# - POST /v1/auth/logout revokes the token the whole run signs its requests with; left in
#   the main run, every later admin or signed-in request would be a 401. It runs alone,
#   last, with the same checks.
config="$work/schemathesis.toml"
# Checks are chosen here, not with `--checks all`: a check named on the command line
# overrides the per-operation settings below.
curl -fs "$emporium/openapi.json" | python3 -c '
import json, sys
print("[checks]")
print("enabled = true")
print()
doc = json.load(sys.stdin)
for path, item in sorted(doc["paths"].items()):
    for method, op in sorted(item.items()):
        params = op.get("parameters", []) if isinstance(op, dict) else []
        if any(p.get("in") == "query" and p.get("name") == "cursor" for p in params):
            print("[[operations]]")
            # A JSON string of ASCII is a TOML basic string.
            print("include-name = " + json.dumps(method.upper() + " " + path))
            print("checks.positive_data_acceptance.enabled = false")
            print()
' >"$config"
grep -q 'include-name' "$config" || { echo "no list operation with a cursor found" >&2; exit 1; }

seed_args=()
[[ -n "${SEED:-}" ]] && seed_args=(--seed "$SEED")
common_args=(
    --max-examples "$MAX_EXAMPLES"
    --request-timeout 30
    --header "Authorization: Bearer $token"
    --no-color
    "${seed_args[@]}"
)

# Runs schemathesis in the background so that the EXIT trap can stop it by PID.
run_schemathesis() {
    local rc
    set +e
    timeout --signal=TERM "$HARD_TIMEOUT_S" "$st" --config-file "$config" run \
        "$emporium/openapi.json" "${common_args[@]}" "$@" &
    st_pid=$!
    wait "$st_pid"
    rc=$?
    st_pid=""
    set -e
    return "$rc"
}

st_status=0
run_schemathesis --max-time "$MAX_TIME" --report-dir "$work/report" \
    --exclude-name 'POST /v1/auth/logout' || st_status=$?
if ((st_status == 0)); then
    run_schemathesis --max-time 30 --report-dir "$work/report-logout" \
        --include-name 'POST /v1/auth/logout' || st_status=$?
fi

status=0
if ((st_status != 0)); then
    echo "schemathesis failed (exit $st_status)" >&2
    status=1
fi
if ! kill -0 "$emporium_pid" 2>/dev/null; then
    echo "emporium died during the run:" >&2
    tail -n 50 "$work/emporium.err" >&2
    status=1
fi
if grep -q 'panicked' "$work/emporium.err"; then
    echo "emporium panicked during the run:" >&2
    grep -A 5 'panicked' "$work/emporium.err" >&2
    status=1
fi
exit "$status"
