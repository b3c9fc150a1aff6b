# kubelogin: a host binary plus one provider binary per login mode.
GO        ?= go
BIN       := $(CURDIR)/bin
VERSION   ?= $(shell git describe --tags --match 'v*' --dirty 2>/dev/null || echo 0.0.0-dev+$$(git rev-parse --short HEAD 2>/dev/null || echo unknown))
LDFLAGS   := -s -w -X github.com/kubelogin-dev/kubelogin/internal/buildinfo.version=$(VERSION)
TOOLS     := $(BIN)/tools
STATICCHECK_VERSION        := v0.8.2
PROTOC_GEN_GO_VERSION      := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.5.1
# The modules besides the root: the provider SDK and the examples, each its own
# go.mod. go's ./... stops at a module boundary, so every target loops over them.
SUBMODULES := sdk examples/provider-tokenfile

.PHONY: all build test vet vet-cross fmt-check staticcheck tidy-check dist fuzz bench demo proto proto-baseline clean

all: build

## build: bin/kubelogin, bin/kubelogin-provider-<mode> for every provider (each named by its cmd/ folder), and the test environment
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/...
	$(GO) build -o $(BIN)/ ./internal/cmd/kubelogin-testenv

## test: vet (also as darwin and windows), gofmt, staticcheck, tidy, the unit tests, the end-to-end tests, the release check, a short fuzz run
test: vet vet-cross fmt-check staticcheck tidy-check unit e2e dist-check
	$(GO) test -run '^$$' -fuzz FuzzConvert -fuzztime 10s ./host/convert/

.PHONY: unit e2e dist-check

## unit: every package's tests but the end-to-end tier and the release check, with the race detector: the loop to run while working.
## The submodules' tests run beside the root module's (most tests wait on processes and timeouts, not the CPU); their
## output is held in a file and printed whole once the root module's tests are done, so the two do not interleave.
## For the same reason the root module runs UNIT_PACKAGES test binaries at once: twice the cores, not go test's one per core.
UNIT_PACKAGES ?= $(shell echo $$(( $$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) * 2 )))
unit:
	@logs=$$(mktemp -d) || exit 1; trap 'rm -rf "$$logs"' EXIT; pids=; \
	for m in $(SUBMODULES); do \
		log="$$logs/$$(echo $$m | tr / _)"; \
		(cd $$m && $(GO) test -race ./...) >"$$log" 2>&1 & pids="$$pids $$!:$$m"; \
	done; \
	echo "$(GO) test -race -p $(UNIT_PACKAGES) <root module packages but /e2e and /internal/dist>"; \
	$(GO) test -race -p $(UNIT_PACKAGES) $$($(GO) list ./... | grep -v -e /e2e -e /internal/dist); rc=$$?; \
	for pm in $$pids; do \
		m=$${pm#*:}; echo "cd $$m && $(GO) test -race ./..."; \
		wait $${pm%%:*} || rc=1; cat "$$logs/$$(echo $$m | tr / _)"; \
	done; \
	exit $$rc

## dist-check: build the release for this platform and windows/amd64 and check it as a user would (internal/dist)
dist-check:
	$(GO) test -timeout 20m ./internal/dist/...

## e2e: the built binaries under real kubectl ($KUBECTL, else kubectl on PATH; skipped without one, failed in CI)
e2e:
	$(GO) test -race -timeout 20m ./e2e/...

vet:
	$(GO) vet ./...
	@set -e; for m in $(SUBMODULES); do echo "cd $$m && $(GO) vet ./..."; (cd $$m && $(GO) vet ./...); done

## vet-cross: go vet as macOS and Windows builds see the code (e2e is Linux-only: it signals processes with syscall.Kill)
vet-cross:
	GOOS=darwin $(GO) vet ./...
	GOOS=windows $(GO) vet $$($(GO) list ./... | grep -v '/e2e$$')

staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	@set -e; for m in $(SUBMODULES); do echo "cd $$m && staticcheck ./..."; (cd $$m && $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...); done

## tidy-check: go.mod and go.sum of every module are what go mod tidy makes them
tidy-check:
	@set -e; for m in . $(SUBMODULES); do (cd $$m && $(GO) mod tidy -diff) || { echo "go mod tidy needed in $$m"; exit 1; }; done

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## dist: release archives in dist/ for linux, darwin, windows x amd64, arm64 (VERSION=v1.2.3): kubelogin, every provider,
## README.md and policy.yaml per archive; policy-<os>-<arch>.yaml, SHA256SUMS and VERSION beside them
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
dist:
	rm -rf dist
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) $(GO) run ./internal/cmd/dist -version "$(VERSION)" -ldflags "$(LDFLAGS)" -out dist

## fuzz: run the fuzz targets longer than make test does (FUZZTIME=60s by default)
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzConvert -fuzztime $(FUZZTIME) ./host/convert/

## bench: wall time of get-token on a cache hit and cold, against the local emulator
bench: build
	$(GO) run ./internal/cmd/bench -bin $(BIN)

## demo: log real kubectl into the local cluster stand-in through the local Entra ID emulator
demo: build
	bash scripts/demo.sh

## proto: regenerate sdk/proto from provider.proto (needs Debian's protobuf-compiler). The
## compatibility baseline, provider.v1.binpb, stays: it is the released protocol (sdk/VERSIONING.md)
proto:
	@command -v protoc >/dev/null || { echo "protoc is missing: apt-get install protobuf-compiler"; exit 1; }
	GOBIN=$(TOOLS) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	GOBIN=$(TOOLS) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)
	cd sdk/proto && PATH=$(TOOLS):$$PATH protoc --go_out=. --go_opt=paths=source_relative \
		--go-grpc_out=. --go-grpc_opt=paths=source_relative provider.proto

## proto-baseline: record provider.proto as released, at a release only (sdk/VERSIONING.md)
proto-baseline:
	cd sdk/proto && protoc --descriptor_set_out=provider.v$$(sed -n 's/^const Version = //p' ../protocol/protocol.go).binpb provider.proto

clean:
	rm -rf $(BIN) dist
