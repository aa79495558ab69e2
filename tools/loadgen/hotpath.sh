#!/usr/bin/env bash
# Benchmarks the authenticated hot path, GET one client, on PostgreSQL: the bare baseline
# (tools/bare: Fiber + pgx, no auth) and EpicCRM, in one sitting, three rounds each, and prints
# req/s, p50, p99 and EpicCRM's ratio to the baseline. Used by `make bench-hotpath`.
#
#   tools/loadgen/hotpath.sh [-workers 8] [-duration 3s] [-rounds 3] [-before REF]
#
# -before REF also measures the epiccrm of a git ref (such as main) in the same sitting, for
# before/after figures. The server is EPICCRM_BENCH_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/postgres); throwaway databases are created on it and
# dropped at the end. Compare figures only within one run: the machine's load varies.
set -euo pipefail
cd "$(dirname "$0")/../.."
workers=8 duration=3s rounds=3 before=""
while [ $# -gt 0 ]; do
  case "$1" in
    -workers) workers=$2; shift 2 ;;
    -duration) duration=$2; shift 2 ;;
    -rounds) rounds=$2; shift 2 ;;
    -before) before=$2; shift 2 ;;
    *) echo "usage: $0 [-workers N] [-duration 3s] [-rounds 3] [-before REF]" >&2; exit 2 ;;
  esac
done
admin=${EPICCRM_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
dir=$(mktemp -d)
suffix=$(date +%s)_$$
pids=()
dbs=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for d in "${dbs[@]}"; do psql -q "$admin" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dburl() { python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$admin" "$1"; }
waitup() { for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "server on port $1 did not start" >&2; exit 1; }

# start_crm NAME BINARY: a throwaway database with the demo data, served by BINARY.
start_crm() {
  local name=$1 bin=$2 db="epiccrm_bench_${1}_$suffix" port
  psql -q "$admin" -c "CREATE DATABASE $db" >/dev/null
  dbs+=("$db")
  port=$(freeport)
  "$bin" serve --demo --addr "127.0.0.1:$port" --database-url "$(dburl "$db")" \
    --key-file "$dir/key.pem" --log-file "$dir/$name.log" >"$dir/$name.out" &
  pids+=($!)
  waitup "$port"
  eval "port_$name=$port"
  eval "db_$name=$db"
}

echo "building..."
go build -o "$dir/epiccrm" ./cmd/epiccrm
go build -o "$dir/bare" ./tools/bare
go build -o "$dir/loadgen" ./tools/loadgen
if [ -n "$before" ]; then
  mkdir "$dir/before-src"
  git archive "$before" | tar -x -C "$dir/before-src"
  (cd "$dir/before-src" && go build -o "$dir/epiccrm-before" ./cmd/epiccrm)
fi

start_crm after "$dir/epiccrm"
targets="bare after"
if [ -n "$before" ]; then
  start_crm before "$dir/epiccrm-before"
  targets="bare before after"
fi
port_bare=$(freeport)
"$dir/bare" -addr "127.0.0.1:$port_bare" -database-url "$(dburl "$db_after")" &
pids+=($!)
waitup "$port_bare"

echo "GET /api/v1/clients/1 on PostgreSQL, $workers workers, $duration per run, $rounds rounds ($(nproc) cores)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-7s %9s %8s %8s %7s\n' round server req/s p50_us p99_us errors
for r in $(seq 1 "$rounds"); do
  for t in $targets; do
    port_var="port_$t"
    auth=()
    [ "$t" = bare ] && auth=(-no-auth)
    line=$("$dir/loadgen" -url "http://127.0.0.1:${!port_var}" -path /api/v1/clients/1 "${auth[@]}" \
      -duration "$duration" -workers "$workers" -max-requests 10000000)
    eval "$line" # reqs_per_s=... requests=... p50_us=... p99_us=... errors=...
    printf '%-6s %-7s %9s %8s %8s %7s\n' "$r" "$t" "$reqs_per_s" "$p50_us" "$p99_us" "$errors"
    eval "rps_${t}_$r=$reqs_per_s"
  done
  for t in $targets; do
    [ "$t" = bare ] && continue
    a="rps_${t}_$r" b="rps_bare_$r"
    printf '       %s/bare = %.2f\n' "$t" "$(echo "${!a} / ${!b}" | bc -l)"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
