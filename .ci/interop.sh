#!/usr/bin/env bash
# Interoperability check: Berth's client pushes testdata/images/sample.tar to a Berth server, then
# the PyPI v1 client `docker-registry-client` (0.5.2) reads the repositories, tags, image json,
# ancestry and layers back (crates/berth-client/tests/interop/check_v1_client.py).
#
# Needs python3 with the venv module and access to PyPI. Run from anywhere: `bash .ci/interop.sh`.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check 'docker-registry-client==0.5.2'

cargo build --quiet -p berth
berth="$root/target/debug/berth"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$berth" serve --addr "127.0.0.1:$port" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server_pid=$!
python3 - "$port" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/v1/_ping", timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit("interop: berth serve did not answer /v1/_ping")
PY

export BERTH_CONFIG="$work/config.json" BERTH_CACHE_DIR="$work/cache"
client=("$berth" --server "127.0.0.1:$port" --insecure)
printf 'interop-pass\n' | "${client[@]}" -q login --user berth --password-stdin --email berth@example.com
"${client[@]}" -q push testdata/images/sample.tar berth/sample
"$work/venv/bin/python" crates/berth-client/tests/interop/check_v1_client.py \
    "http://127.0.0.1:$port" berth interop-pass testdata/images/sample.tar || {
    echo "interop: server log follows" >&2
    cat "$work/server.log" >&2
    exit 1
}
