# EpicCRM developer tasks. `make run` serves the CRM on SQLite with demo data; `make test` runs
# every test (PostgreSQL tests skip loudly when no server is reachable, and fail under CI=true).
GO ?= go
PKGS := ./...

.PHONY: test lint run build bench cover

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

# Benchmarks, the HTTP load generator and a login storm (with the server's memory before and
# after): minutes, not part of `make test`.
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	tools/loadgen/bench.sh -duration 5s -workers 8
	tools/loadgen/storm.sh -storm 64 -rounds 5
