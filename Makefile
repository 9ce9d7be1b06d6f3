# mx-sso: `make demo` runs the main job against the local emulator; `make test` runs every suite.
# Everything builds in release mode once (library, static library, emulator) and every suite
# links that one build.

CARGO      ?= cargo
TARGET_DIR := $(CURDIR)/target/release
LIB_DIR    := $(TARGET_DIR)
export MX_SSO_EMULATOR_BIN := $(TARGET_DIR)/mx-sso-emulator
export MX_SSO_LIB          := $(TARGET_DIR)/libmx_sso.so
export MX_SSO_LIB_DIR      := $(LIB_DIR)
WITH_EMULATOR := $(CURDIR)/scripts/with-emulator

.PHONY: all build header demo test lint test-rust test-proxy test-c test-python test-go bench bench-batch clean

all: build

## Build the shared and static library, the emulator and the mx-sso tool (release).
build:
	$(CARGO) build --release --workspace --locked
	@$(CURDIR)/packaging/link-build-tree $(TARGET_DIR)

## Regenerate include/mx_sso.h from src/ffi.rs (commit the result).
header:
	MX_SSO_UPDATE_HEADER=1 $(CARGO) build --release -p mx-sso --locked

## The main job: start the emulator, disable a seeded user through the library, print it.
demo: build
	@$(CURDIR)/scripts/demo

## Every suite, against the emulator.
test: build lint test-rust test-proxy test-c test-python test-go test-install
	@echo "all suites passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --workspace --all-targets --locked -- -D warnings

test-rust: build
	$(CARGO) test --release --workspace --locked

## Through a real HTTP CONNECT proxy (tinyproxy, which .ci/run installs): tests/proxy.rs.
test-proxy: build
	@command -v tinyproxy >/dev/null || { echo "test-proxy needs tinyproxy: apt-get install tinyproxy" >&2; exit 1; }
	$(CARGO) test --release --locked --test proxy -- --ignored

test-c: build
	$(MAKE) -C tests/c test

test-python: build
	$(WITH_EMULATOR) -- $(MAKE) -C bindings/python test

test-go: build
	$(WITH_EMULATOR) -- $(MAKE) -C bindings/go test

## Benchmarks side by side against the emulator (not a test): writes and prints bench/RESULTS.md,
## then the batch benchmark (bench/batch/run, a few minutes; its table also in target/bench-batch).
bench: build
	python3 $(CURDIR)/bench/run.py
	$(CURDIR)/bench/batch/run

## mx-sso batch side by side with a Python and a Go batch script (issue 17); prints a table.
bench-batch: build
	$(CURDIR)/bench/batch/run

# install, uninstall, test-install
include $(CURDIR)/packaging/install.mk

# dist, test-dist: release artifacts for glibc 2.17+ (not part of `make test`: .ci/run runs it)
include $(CURDIR)/packaging/dist.mk

clean:
	$(CARGO) clean
	$(MAKE) -C tests/c clean
