#!/usr/bin/env bash
# Runs the load generator against a freshly built epiccrm serving demo data on SQLite, on a
# loopback port, then stops the server. Used by `make bench`.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
go build -o "$dir/epiccrm" ./cmd/epiccrm
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$dir/epiccrm" serve --demo --addr "127.0.0.1:$port" --database-url "sqlite:$dir/bench.db" \
  --key-file "$dir/key.pem" --log-file "$dir/server.log" >"$dir/stdout" &
pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
go run ./tools/loadgen -url "http://127.0.0.1:$port" "$@"
