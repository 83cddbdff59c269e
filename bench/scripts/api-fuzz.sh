#!/usr/bin/env bash
# API fuzzing with schemathesis against Emporium's own OpenAPI document.
#
# Installs a pinned schemathesis into a virtualenv of its own under target/ (once;
# python3-venv comes from apt-get if missing), builds the debug server, starts
# `emporium serve` on a fresh data directory (the demo catalog loads on first start) and
# a free loopback port, signs in as the demo admin it prints, then runs schemathesis on
# `/openapi.json` with every check, sending the admin's bearer token so admin routes are
# exercised too.
#
# Settings are in bench/api-fuzz/: schemathesis.toml (every check on; the few
# operations where a schema-valid request may still get a 422 or 412, each with its
# reason) and hooks.py (a check that such a refusal is exactly the rule named). The
# script adds the run's data to a copy of the settings: real category ids and SKUs as
# dictionaries, so generated products, carts and stock adjustments reach past 404/422.
#
# Fails (non-zero exit) on any failed check (a 5xx, a response that breaks the
# document, a schema-valid request refused, an invalid one accepted, ...), a server
# that died, or a panic in its log. Everything started here is stopped by PID on exit.
#
# Environment: MAX_EXAMPLES (test cases per operation and phase, default 25), MAX_TIME
# (seconds for the main run, default 240: on a quiet machine every phase ends well
# before it; on a busy one the run stops there, after what it tested passed), SEED
# (fixes the generated inputs to repeat a run), REPORT_DIR (keep JUnit reports there),
# EMPORIUM_BIN (fuzz this binary instead of building `target/debug/emporium`).
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
MAX_TIME="${MAX_TIME:-240}"
MAX_EXAMPLES="${MAX_EXAMPLES:-25}"
# How long the demo catalog may take to load and index before /readyz answers 200.
READY_TIMEOUT_S=300
# Hard bound on a schemathesis process, above its own budget: shrinking a failure comes
# on top of MAX_TIME. A run killed here fails.
HARD_TIMEOUT_S=$((MAX_TIME + 120))

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=bench/scripts/lib.sh
source "$repo/bench/scripts/lib.sh"
cd "$repo"

# What the script needs from the system, from apt-get when missing (a fresh CI machine
# has only the Rust toolchain). Debian's python3 lacks venv's ensurepip until
# python3-venv is installed.
missing=()
command -v curl >/dev/null || missing+=(curl)
command -v python3 >/dev/null || missing+=(python3)
if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    missing+=(python3-venv)
fi
if ((${#missing[@]} > 0)); then
    echo "installing ${missing[*]} with apt-get" >&2
    sudo_=()
    [[ "$(id -u)" == 0 ]] || sudo_=(sudo)
    "${sudo_[@]}" apt-get update -q >&2
    "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
fi

settings="$repo/bench/api-fuzz"
venv="$repo/target/api-fuzz-venv"
st="$venv/bin/schemathesis"
if ! [[ -x "$st" ]] || [[ "$("$st" --version 2>/dev/null)" != *" $SCHEMATHESIS_VERSION" ]]; then
    echo "installing schemathesis $SCHEMATHESIS_VERSION into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
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
start_emporium "$emporium_bin" "$work" "$READY_TIMEOUT_S"

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
# The settings with the run's data beside them: the category ids and in-stock SKUs of
# the demo catalog, as libFuzzer dictionaries that schemathesis.toml binds to fields.
config="$work/schemathesis.toml"
cp "$settings/schemathesis.toml" "$config"
EMPORIUM="$emporium" WORK="$work" python3 - <<'PY'
import json, os, urllib.request

base, work = os.environ["EMPORIUM"], os.environ["WORK"]

def get(path):
    with urllib.request.urlopen(base + path, timeout=30) as reply:
        return json.load(reply)

def quoted(value):
    # libFuzzer's form: `"` and `\` escaped, control characters as `\xNN`, the rest as
    # UTF-8 (it has no `\u` escape).
    escaped = "".join(
        "\\" + char if char in '"\\' else f"\\x{ord(char):02x}" if ord(char) < 0x20 else char
        for char in value
    )
    return f'"{escaped}"'

def dictionary(name, values):
    if not values:
        raise SystemExit(f"no {name} to fuzz with")
    with open(os.path.join(work, f"{name}.dict"), "w", encoding="utf-8") as out:
        out.write("\n".join(quoted(value) for value in values) + "\n")

dictionary("categories", [category["id"] for category in get("/v1/categories")["data"]])
skus, cursor = [], ""
while len(skus) < 200:
    page = get("/v1/products?in_stock=true&limit=100" + (f"&cursor={cursor}" if cursor else ""))
    skus += [product["sku"] for product in page["data"]]
    cursor = page["next_cursor"]
    if not cursor:
        break
dictionary("skus", skus)
PY

seed_args=()
[[ -n "${SEED:-}" ]] && seed_args=(--seed "$SEED")
# JUnit reports (a test case per operation, with its time) go to REPORT_DIR when set,
# else into the scratch directory, which is removed on exit.
report_dir="${REPORT_DIR:-$work/report}"
mkdir -p "$report_dir"
report_args=(--report junit --report-dir "$report_dir")
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
    SCHEMATHESIS_HOOKS="$settings/hooks.py" timeout --signal=TERM "$HARD_TIMEOUT_S" \
        "$st" --config-file "$config" run \
        "$emporium/openapi.json" "${common_args[@]}" "$@" &
    st_pid=$!
    wait "$st_pid"
    rc=$?
    st_pid=""
    set -e
    return "$rc"
}

# POST /v1/auth/logout revokes the token the whole run signs its requests with; left in
# the main run, every later admin or signed-in request would be a 401. It runs alone,
# last, with the same checks; without the stateful phase, which needs links between
# operations and has none to follow from one operation alone.
st_status=0
run_schemathesis --max-time "$MAX_TIME" "${report_args[@]}" --report-junit-path "$report_dir/main.xml" \
    --exclude-name 'POST /v1/auth/logout' || st_status=$?
if ((st_status == 0)); then
    run_schemathesis --max-time 15 "${report_args[@]}" --report-junit-path "$report_dir/logout.xml" \
        --phases examples,coverage,fuzzing --include-name 'POST /v1/auth/logout' || st_status=$?
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
