# Gopherfile developer commands. `make demo` and `make test` work on a fresh machine:
# make test sets up the local test environment (hack/up.sh) first, make demo only what
# the demo needs (hack/demo.sh); both are cached and idempotent.

SHELL := /bin/bash
GO ?= go
GOTEST_FLAGS ?=
HACK := . hack/env.sh &&

.PHONY: all build env frontend-image demo test test-unit test-integration fuzz lint fmt generate clean-env bench bench-test corpus

all: build

build:
	$(GO) build ./...
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/gopherfile ./cmd/gopherfile

## env: tools, registry, buildkitd v0.33.1 and v0.20.2, dockerd, test base images, buildx builders (idempotent, cached)
env:
	bash hack/up.sh

## frontend-image: build the frontend image with the repo's Dockerfile and push it to the local registry
frontend-image: env
	bash hack/frontend-image.sh

## demo: from nothing, build examples/hello with the CLI on a buildkitd of the demo's own and run the image with runc (no Docker, no image pulled; a few minutes)
demo:
	bash hack/demo.sh

test-unit: bench-test
	$(GO) vet ./...
	$(GO) test $(GOTEST_FLAGS) ./...

test-integration: env frontend-image build
	$(HACK) $(GO) test -tags integration -count=1 -timeout 40m $(GOTEST_FLAGS) ./integration/...

## fuzz: every fuzz target for a bounded number of inputs (FUZZTIME each, default 100000x; see hack/fuzz.sh)
fuzz:
	bash hack/fuzz.sh

## test: unit tests, bounded fuzzing, then integration tests against real buildkitds and a Docker Engine (never skipped)
test: test-unit fuzz test-integration

## generate: regenerate the README reference, the JSON schema and docs/troubleshooting.md
generate:
	$(GO) run ./cmd/gfdocs
	$(GO) test ./internal/step/diagnose -run TestTroubleshootingDoc -update

## bench: the benchmark against Dockerfiles, ko and host go build on three real projects (~25 min on 2 cores; results in bench/results)
bench:
	bash hack/bench.sh

## bench-test: vet and unit-test the benchmark, a Go module of its own (hack/bench/go.mod; go vet ./... of the product does not reach it; test-unit runs it)
bench-test:
	cd hack/bench && $(GO) vet ./... && $(GO) test $(GOTEST_FLAGS) ./...

## corpus: gopherfile init → build → run the version flag on real Go programs, vs a best-practice Dockerfile (~1 h on 2 cores; writes docs/corpus.md)
corpus:
	bash hack/corpus.sh

lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$bad" ]; then echo "gofmt: $$bad"; exit 1; fi
	$(GO) vet ./...
	$(GO) run ./cmd/gfdocs -check

clean-env:
	bash hack/down.sh
