# EpicCRM developer tasks. `make run` serves the CRM on SQLite with demo data; `make test` runs
# every test (PostgreSQL tests skip loudly when no server is reachable, and fail under CI=true).
GO ?= go
PKGS := ./...

.PHONY: test lint run build install bench cover fuzz bench-hotpath profile

test: lint
	$(GO) test -race -count=1 -timeout 12m $(PKGS)

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
# after) and client search over 1M rows (tools/searchbench, docs/performance.md): minutes, not
# part of `make test`.
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	EPICCRM_BENCH_BACKLOG=10000 $(GO) test -count=1 -v -run '^TestWebhookDispatchersShareABacklog$$' . | grep -E 'committed|delivered|^(ok|FAIL|---)'
	tools/loadgen/bench.sh -duration 5s -workers 8
	tools/loadgen/storm.sh -storm 64 -rounds 5
	$(GO) run ./tools/searchbench -rows 1000000 -sqlite-rows 1000000 -runs 50 -before-runs 10

# Fuzzing: each target for FUZZTIME (go test fuzzes one target per package at a time). The seed
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
