# EpicCRM developer tasks. `make run` serves the CRM on SQLite with demo data; `make test` runs
# every test (PostgreSQL tests skip loudly when no server is reachable, and fail under CI=true).
GO ?= go
PKGS := ./...

.PHONY: test lint run build bench cover fuzz

test: lint
	$(GO) test -race -count=1 -timeout 8m $(PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: these files need formatting:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

run:
	$(GO) run ./cmd/epiccrm serve --demo

build:
	$(GO) build -o bin/epiccrm ./cmd/epiccrm

cover:
	$(GO) test -count=1 -coverprofile=coverage.out ./crm && $(GO) tool cover -func=coverage.out | tail -1

# Benchmarks and the HTTP load generator: minutes, not part of `make test`.
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	tools/loadgen/bench.sh -duration 5s -workers 8

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
