#!/usr/bin/env bash
# Measures a login storm: serves demo data on SQLite on a loopback port, fires rounds of logins
# at once (loadgen -storm), and prints the server's resident memory before and after (VmRSS, and
# VmHWM, the peak). Used by `make bench`. Arguments go to loadgen, e.g. -storm 64 -rounds 5.
# EPICCRM_BIN=path measures another build of the server (e.g. an older commit) instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
bin=${EPICCRM_BIN:-}
if [ -z "$bin" ]; then
  go build -o "$dir/epiccrm" ./cmd/epiccrm
  bin=$dir/epiccrm
fi
go build -o "$dir/loadgen" ./tools/loadgen
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --demo --addr "127.0.0.1:$port" --database-url "sqlite:$dir/bench.db" \
  --key-file "$dir/key.pem" --log-file "$dir/server.log" >"$dir/stdout" &
pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
mem() { awk '/^VmRSS|^VmHWM/ {printf "%s %d MB  ", $1, $2/1024}' "/proc/$pid/status"; echo; }
echo "server (GOMAXPROCS from $(nproc) cores) before the storm: $(mem)"
"$dir/loadgen" -url "http://127.0.0.1:$port" "$@"
echo "server after the storm: $(mem)"
