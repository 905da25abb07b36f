# msidash — every command a developer or CI needs. `make demo` and `make test`
# work on a fresh machine with Go and Node.js; they install what they need.
GO       ?= go
AZURITE_VERSION := 3.37.0
CACHE    := .cache
AZURITE  := $(CACHE)/azurite/node_modules/.bin/azurite-blob
# -race doubles as a concurrency check; -count=1 because Azurite and Chromium
# are outside what the test cache can see. About 3 minutes on 2 cores.
TESTFLAGS ?= -race -count=1 -timeout 25m

.PHONY: all generate build test demo lint check-generated bench azurite clean

all: build

generate:
	$(GO) tool templ generate

build: generate
	$(GO) build -o bin/msidash ./cmd/msidash
	$(GO) build -o bin/azuresim ./cmd/azuresim
	$(GO) build -o bin/demo ./cmd/demo

# Azurite from npm, pinned, into a git-ignored project cache.
azurite: $(AZURITE)
$(AZURITE):
	mkdir -p $(CACHE)/azurite
	npm install --prefix $(CACHE)/azurite --no-audit --no-fund --loglevel=error azurite@$(AZURITE_VERSION)

test: azurite
	$(GO) test $(TESTFLAGS) ./...

demo: build azurite
	./bin/demo

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$'))" || (gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$'); exit 1)
	$(GO) vet ./...
	$(GO) tool templ fmt -fail web

check-generated: generate
	git diff --exit-code -- '*_templ.go'

bench: azurite
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x ./...

clean:
	rm -rf bin
