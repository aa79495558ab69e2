#!/usr/bin/env bash
# Profiles the authenticated hot path: serves the demo data on a throwaway PostgreSQL database
# with --pprof-addr, loads GET /api/v1/clients/1, takes a 10 s CPU profile of the server and
# prints `go tool pprof -top`. Used by `make profile`; the profile is kept as cpu.pprof in the
# current directory for `go tool pprof -http`.
#
#   tools/loadgen/profile.sh [-workers 8] [-seconds 10]
#
# The server is EPICCRM_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
out=$(pwd)/cpu.pprof
cd "$(dirname "$0")/../.."
workers=8 seconds=10
while [ $# -gt 0 ]; do
  case "$1" in
    -workers) workers=$2; shift 2 ;;
    -seconds) seconds=$2; shift 2 ;;
    *) echo "usage: $0 [-workers N] [-seconds 10]" >&2; exit 2 ;;
  esac
done
admin=${EPICCRM_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
dir=$(mktemp -d)
db="epiccrm_profile_$(date +%s)_$$"
pid=""
cleanup() {
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
url=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$admin" "$db")

go build -o "$dir/epiccrm" ./cmd/epiccrm
go build -o "$dir/loadgen" ./tools/loadgen
psql -q "$admin" -c "CREATE DATABASE $db" >/dev/null
port=$(freeport) pport=$(freeport)
"$dir/epiccrm" serve --demo --addr "127.0.0.1:$port" --pprof-addr "127.0.0.1:$pport" --database-url "$url" \
  --key-file "$dir/key.pem" --log-file "$dir/server.log" >"$dir/stdout" &
pid=$!
for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
"$dir/loadgen" -url "http://127.0.0.1:$port" -path /api/v1/clients/1 -duration "$((seconds + 3))s" \
  -workers "$workers" -max-requests 100000000 &
load=$!
sleep 1
curl -fsS -o "$out" "http://127.0.0.1:$pport/debug/pprof/profile?seconds=$seconds"
wait "$load"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
go tool pprof -top -nodecount=40 "$dir/epiccrm" "$out"
