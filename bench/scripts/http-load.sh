#!/usr/bin/env bash
# HTTP load on loopback, Emporium next to nginx, with wrk.
#
# Starts the release `emporium serve` on a fresh data directory (the demo catalog loads
# on first start), saves one product's exact JSON as a static file served by nginx with
# a minimal config of its own, then runs wrk against: the product on Emporium, the same
# bytes from nginx, and a two-word search on Emporium. Prints one markdown table.
#
# wrk, nginx and the servers share the machine's cores, so figures compare side by side
# within one run only. Everything started here is stopped by PID on exit.
#
# Environment: DURATION (wrk duration per request, default 20s), CONNECTIONS (64),
# THREADS (2), QUERY (the search, default "running shoes"), EMPORIUM_BIN (measure this
# binary instead of building `target/release/emporium`, e.g. to repeat runs on one
# build while the tree changes).
set -euo pipefail

DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
QUERY="${QUERY:-running shoes}"
# How long the demo catalog may take to load and index before /readyz answers 200.
READY_TIMEOUT_S=300

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=bench/scripts/lib.sh
source "$repo/bench/scripts/lib.sh"
cd "$repo"

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

if [[ -n "${EMPORIUM_BIN:-}" ]]; then
    emporium_bin="$EMPORIUM_BIN"
else
    cargo build --release -p emporium-server >&2
    emporium_bin="$repo/target/release/emporium"
fi

work="$(mktemp -d -t emporium-http-load.XXXXXX)"
emporium_pid=""
nginx_pid=""
cleanup() {
    # Only what this script started, by PID; nginx's master stops its own workers.
    if [[ -n "$nginx_pid" ]]; then
        kill -QUIT "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
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
start_emporium "$emporium_bin" "$work" "$READY_TIMEOUT_S"
ready=""
for _ in $(seq 1 $((READY_TIMEOUT_S * 10))); do
    if curl -fs -o /dev/null "$emporium/readyz"; then
        ready=yes
        break
    fi
    sleep 0.1
done
[[ -n "$ready" ]] || { echo "emporium not ready within ${READY_TIMEOUT_S}s" >&2; exit 1; }

product_id="$(curl -fs "$emporium/v1/products?limit=1" | grep -o '"id":"prod_[^"]*"' | head -n 1 | cut -d '"' -f 4)"
[[ -n "$product_id" ]] || { echo "no product listed" >&2; exit 1; }
product_path="/v1/products/$product_id"
query_encoded="$(printf '%s' "$QUERY" | sed 's/ /%20/g')"
search_path="/v1/search?q=$query_encoded&limit=20"
search_total="$(curl -fs "$emporium$search_path" | grep -o '"total":[0-9]*' | cut -d : -f 2)"
[[ "${search_total:-0}" -gt 0 ]] || { echo "the query \"$QUERY\" finds nothing" >&2; exit 1; }

# --- nginx, serving the product's exact bytes under the same path ----------------------
mkdir -p "$work/www/v1/products" "$work/nginx"
curl -fs "$emporium$product_path" >"$work/www$product_path"
# nginx's workers run as an unprivileged user when started as root: they must be able
# to read the file (mktemp makes the directory private).
chmod -R a+rX "$work"
nginx_port="$(free_port)"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events {
    worker_connections 1024;
}
http {
    access_log off;
    default_type application/json;
    sendfile on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/www;
    }
}
EOF
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
nginx_pid=$!
nginx="http://127.0.0.1:$nginx_port"
for _ in $(seq 1 100); do
    curl -fs -o /dev/null "$nginx$product_path" && break
    kill -0 "$nginx_pid" 2>/dev/null || { cat "$work/nginx/error.log" >&2; exit 1; }
    sleep 0.1
done
cmp -s <(curl -fs "$nginx$product_path") <(curl -fs "$emporium$product_path") ||
    { echo "nginx does not serve the same bytes as Emporium" >&2; exit 1; }

# --- wrk -------------------------------------------------------------------------------
# Runs wrk on a URL; prints "requests/s p50 p99". A run with any error or non-2xx reply
# is refused: its throughput would not be that of the request named.
measure() {
    local url="$1" output
    output="$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency "$url")"
    echo "$output" >&2
    if grep -Eq 'Non-2xx|Socket errors' <<<"$output"; then
        echo "wrk saw errors for $url" >&2
        return 1
    fi
    awk '
        /^Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = $2 }
        $1 == "99%" { p99 = $2 }
        END { if (rps == "" || p50 == "" || p99 == "") exit 1; print rps, p50, p99 }
    ' <<<"$output"
}

load="$(cut -d ' ' -f 1-3 /proc/loadavg)"
# A short warm-up of each path first (page cache, product cache, search reader).
for url in "$emporium$product_path" "$nginx$product_path" "$emporium$search_path"; do
    wrk -t "$THREADS" -c "$CONNECTIONS" -d 2s "$url" >/dev/null
done
# Assignments, not process substitutions, so that `set -e` sees a failed measurement.
product="$(measure "$emporium$product_path")"
static="$(measure "$nginx$product_path")"
search="$(measure "$emporium$search_path")"
read -r product_rps product_p50 product_p99 <<<"$product"
read -r nginx_rps nginx_p50 nginx_p99 <<<"$static"
read -r search_rps search_p50 search_p99 <<<"$search"
ratio="$(awk -v a="$product_rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a / b }')"

commit="$(git rev-parse --short HEAD)"
if [[ -n "$(git status --porcelain --untracked-files=no)" ]]; then
    commit="$commit (with uncommitted changes)"
fi
cpu="$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
product_bytes="$(wc -c <"$work/www$product_path")"

cat <<EOF
Date $(date -u +%Y-%m-%dT%H:%MZ), commit $commit, $(nproc) cores ($cpu),
load average before the runs: $load.
wrk -t $THREADS -c $CONNECTIONS -d $DURATION --latency, on 127.0.0.1; product JSON $product_bytes bytes;
search "$QUERY" matches $search_total products.

| request | requests/s | p50 | p99 |
|---|---|---|---|
| Emporium \`GET $product_path\` | $product_rps | $product_p50 | $product_p99 |
| nginx, the same JSON as a static file | $nginx_rps | $nginx_p50 | $nginx_p99 |
| Emporium \`GET $search_path\` | $search_rps | $search_p50 | $search_p99 |

Emporium GET product / nginx: **$ratio** (target >= 0.7).
EOF
