# Shell functions shared by the benchmark scripts; sourced, never run.
# shellcheck shell=bash

# A port nothing answers on; the program that binds it reports it if another process
# takes it meanwhile.
free_port() {
    local port
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 20000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "no free port found" >&2
    return 1
}

# start_emporium BINARY WORK TIMEOUT_S: starts `BINARY serve` on an ephemeral port with
# its data directory in WORK/data (stdout and stderr in WORK/emporium.out and .err),
# and waits for its address. Sets `emporium_pid` at once, so that the caller's cleanup
# can stop it whatever happens next, and `emporium` (http://127.0.0.1:PORT) once it
# listens; exits the script if the server dies or prints no address in time.
start_emporium() {
    local binary="$1" work="$2" timeout_s="$3" line
    RUST_LOG=warn "$binary" serve --data-dir "$work/data" --listen 127.0.0.1:0 \
        >"$work/emporium.out" 2>"$work/emporium.err" &
    emporium_pid=$!
    emporium=""
    for _ in $(seq 1 $((timeout_s * 10))); do
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
}
