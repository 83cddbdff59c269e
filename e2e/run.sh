#!/usr/bin/env bash
# Browser tests of the storefront (/) and the dashboard (/dashboard) in headless
# Chromium, against the real `emporium serve` on a fresh data directory (the demo
# catalog loads on first start) and a free port on 127.0.0.1.
#
# Installs what is missing (Debian's chromium, node and npm; playwright-core from the
# committed lockfile, which never downloads a browser), builds the server, starts it,
# runs e2e/tests/*.test.js with node's test runner, and stops the server by its PID.
#
#   e2e/run.sh                 # screenshots go to e2e/artifacts/ (not committed)
#   e2e/run.sh --screenshots   # refresh the committed screenshots in docs/screenshots/
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

screenshots="$root/e2e/artifacts"
for argument in "$@"; do
  case "$argument" in
    --screenshots) screenshots="$root/docs/screenshots" ;;
    *) echo "usage: e2e/run.sh [--screenshots]" >&2; exit 2 ;;
  esac
done

# ---------------------------------------------------------------- tools
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# playwright-core needs node 20 or newer; Debian 12's own nodejs is 18.
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "node $(node --version) is too old for playwright-core: install node 20 or newer" >&2
  exit 1
fi

locked=$(node -p 'require("./e2e/package-lock.json").packages["node_modules/playwright-core"].version')
installed=$(node -p 'try { require("./e2e/node_modules/playwright-core/package.json").version } catch (_) { "" }')
if [ "$locked" != "$installed" ]; then
  echo "== npm ci (playwright-core $locked)"
  (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

# ---------------------------------------------------------------- server
echo "== building the server"
cargo build --quiet -p emporium-server --bin emporium
binary="${CARGO_TARGET_DIR:-$root/target}/debug/emporium"

work=$(mktemp -d /tmp/emporium-e2e.XXXXXX)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    # SIGTERM drains and flushes; give it a moment, then insist.
    for _ in $(seq 1 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop_server EXIT

admin_email="e2e-admin@emporium.test"
admin_password="e2e-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
"$binary" serve --data-dir "$work/data" --listen 127.0.0.1:0 \
  --admin-email "$admin_email" --admin-password "$admin_password" \
  >"$work/stdout" 2>"$work/stderr" &
server_pid=$!

address=""
for _ in $(seq 1 300); do
  address=$(sed -n 's/^listening on //p' "$work/stdout" | head -n 1)
  [ -n "$address" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited before listening:" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
  sleep 0.2
done
if [ -z "$address" ]; then
  echo "the server did not print its address within 60 s" >&2
  exit 1
fi
echo "== server $server_pid on $address"

# ---------------------------------------------------------------- tests
mkdir -p "$screenshots"
status=0
E2E_BASE_URL="$address" \
E2E_ADMIN_EMAIL="$admin_email" \
E2E_ADMIN_PASSWORD="$admin_password" \
E2E_SCREENSHOTS="$screenshots" \
  node --test e2e/tests/*.test.js || status=$?
if [ "$status" -ne 0 ]; then
  echo "== server log (last 40 lines)" >&2
  tail -n 40 "$work/stderr" >&2
fi
exit "$status"
