# EpicCRM developer tasks. `make run` serves the CRM on SQLite with demo data; `make test` runs
# every test (PostgreSQL tests skip loudly when no server is reachable, and fail under CI=true).
GO ?= go
PKGS := ./...

.PHONY: test lint run build install bench cover fuzz bench-hotpath profile bench-pg bench-sqlite cluster

# Two tests run without the race detector, the rest of the suite with it:
# - the admin UI's browser walks (TestBrowser*, headless Chromium), which drive the server through
#   a real browser for minutes, several times slower under the race detector;
# - the store suite's list tests again with another way of building a list (TestStoreSupportEach,
#   TestStoreSmallSearchWindow): the same store code, run under the race detector by TestStore,
#   with other SQL. The race detector also instruments the SQLite engine (modernc.org/sqlite is
#   Go), which made them 16 times slower on SQLite (120 s against 7.3 s).
NORACE := ^(TestBrowser|TestStoreSupportEach$$|TestStoreSmallSearchWindow$$)
test: lint
	$(GO) test -race -count=1 -timeout 12m -skip '$(NORACE)' $(PKGS)
	$(GO) test -count=1 -timeout 12m -run '$(NORACE)' ./adapters/web/ ./adapters/sqlite/ ./adapters/postgres/

# gofmt, go vet, and staticcheck with every check (staticcheck.conf); staticcheck is a tool of
# go.mod, so `go tool` builds the pinned version with no global install.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: these files need formatting:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

run:
	$(GO) run ./cmd/epiccrm serve --demo

build:
	$(GO) build -o bin/epiccrm ./cmd/epiccrm

# Installs epiccrm in $(go env GOPATH)/bin (or GOBIN).
install:
	$(GO) install ./cmd/epiccrm

cover:
	$(GO) test -count=1 -coverprofile=coverage.out ./crm && $(GO) tool cover -func=coverage.out | tail -1

# Benchmarks, the HTTP load generator, a login storm (with the server's memory before and
# after), client search over 1M rows (tools/searchbench) and the memory of a 1M-row CSV
# export (tools/exportbench), figures in docs/performance.md: minutes, not
# part of `make test`.
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	EPICCRM_BENCH_BACKLOG=10000 $(GO) test -count=1 -v -run '^TestWebhookDispatchersShareABacklog$$' . | grep -E 'committed|delivered|^(ok|FAIL|---)'
	tools/loadgen/bench.sh -duration 5s -workers 8
	tools/loadgen/storm.sh -storm 64 -rounds 5
	$(GO) run ./tools/searchbench -rows 1000000 -sqlite-rows 1000000 -runs 50 -before-runs 10
	$(GO) run ./tools/exportbench -rows 1000000

# Fuzzing: each target for FUZZTIME, a duration or a count of inputs such as 5000x (go test
# fuzzes one target per package at a time; CI gives a count, see .ci/run). The seed
# corpora (f.Add and testdata/fuzz/) already run as regression tests in `make test`; new failing
# inputs land in testdata/fuzz/<target>/ of the package: commit them with the fix.
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	./crm:FuzzParseMoney ./crm:FuzzMoneyString ./crm:FuzzCleanText ./crm:FuzzValidEmail \
	./adapters/httpapi:FuzzBodies ./adapters/httpapi:FuzzQuery \
	./adapters/sqlstore:FuzzCursor ./adapters/web:FuzzSafeNext \
	./adapters/jwtauth:FuzzVerifyMutatedToken ./policy:FuzzParse

fuzz:
	@missing=$$(grep -rhoE '^func Fuzz[A-Za-z0-9_]*' --include='*_test.go' . | sed 's/^func //' | sort -u | \
		while read -r f; do case " $(FUZZ_TARGETS) " in *":$$f "*) ;; *) echo "$$f";; esac; done); \
	if [ -n "$$missing" ]; then echo "add these fuzz targets to FUZZ_TARGETS in the Makefile:" $$missing; exit 1; fi
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# The authenticated hot path on PostgreSQL: GET one client on EpicCRM against a bare Fiber + pgx
# server, three rounds in one sitting (BEFORE=main also measures that ref); and a 10 s CPU
# profile of a server under that load (docs/performance.md).
bench-hotpath:
	tools/loadgen/hotpath.sh $(if $(BEFORE),-before $(BEFORE))

profile:
	tools/loadgen/profile.sh

# The benchmark at scale (tools/benchsuite, docs/performance.md): loads, or reuses from
# BENCH_DIR (SQLite files) or the PostgreSQL server (databases epiccrm_bench_<size>), 1M clients
# and 5M events plus a 10k set, serves them with the bare baseline and epiccrm, measures each
# scenario and writes the table into docs/performance.md. The first load takes long (tens of
# minutes on a busy machine); BENCH_ARGS passes more flags, such as -clients 100000 -events 500000.
BENCH_DIR ?= /work/benchdata
BENCH_ARGS ?=
bench-pg bench-sqlite:
	mkdir -p $(BENCH_DIR)/bin
	$(GO) build -o $(BENCH_DIR)/bin/epiccrm ./cmd/epiccrm
	$(GO) build -o $(BENCH_DIR)/bin/bare ./tools/bare
	$(GO) run ./tools/benchsuite -store $(if $(filter bench-pg,$@),postgres,sqlite) -bin $(BENCH_DIR)/bin -dir $(BENCH_DIR) $(BENCH_ARGS)
# The proof that several processes share one PostgreSQL (tools/cluster, docs/operations.md): a
# throwaway PostgreSQL cluster, three `epiccrm serve` behind HAProxy, a load through a SIGKILL,
# a rolling restart, a key rotation, a policy change and a PostgreSQL restart, then the report.
# Needs haproxy (apt-get install haproxy) and PostgreSQL's server binaries. PROFILE=short is the
# minute-and-a-half run of the test (EPICCRM_CLUSTER_TEST=1 go test ./tools/cluster).
PROFILE ?= long
cluster:
	$(GO) run ./tools/cluster -profile $(PROFILE)
