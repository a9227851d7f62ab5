# Sightline: the two commands that matter are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PRESET ?= release
BUILD_DIR := build
KAFKA_DIR ?= var/kafka
KAFKA_PORT ?= 9092
GATEWAY_PORT ?= 8080
PROJECTOR_PORT ?= 8081

.PHONY: all deps configure build build-debug build-asan test test-asan test-tsan fuzz check tidy-all \
        bench bench-quick demo down kafka-up kafka-down topics clean

all: build

deps:
	scripts/deps.sh

configure: deps
	cmake --preset $(PRESET) >/dev/null

build: configure
	cmake --build --preset $(PRESET) -j $$(nproc)

build-debug:
	$(MAKE) build PRESET=debug

build-asan:
	$(MAKE) build PRESET=asan

# Unit tests plus integration tests against a real broker that the script starts and stops.
test: build
	scripts/test.sh

# The same suite built with AddressSanitizer and UBSan.
test-asan: build-asan
	SIGHTLINE_BUILD_DIR=build/asan scripts/test.sh

# The unit tests (not the domain's, which has no threads) and the consumer shell's broker test
# under ThreadSanitizer (build/tsan).
test-tsan: deps
	scripts/test-tsan.sh

# libFuzzer targets (fuzz/, clang + ASan/UBSan in build/fuzz): saved crashes replayed, then each
# target fuzzed for FUZZ_SECONDS from its committed corpus; prints executions per target.
FUZZ_SECONDS ?= 60
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Formatting, dependency direction, the wall clock read only by adapters/clock, clang-tidy on
# the files changed since the last commit, and the deploy configs (CI runs these too).
check: build
	scripts/check-format.sh
	scripts/check-deps.sh
	scripts/check-wall-clock.sh
	scripts/check-openapi.py
	scripts/check-tidy.sh
	scripts/check-deploy.sh

# clang-tidy over every source file (about 10 minutes on 2 cores).
tidy-all: build
	scripts/check-tidy.sh --all

kafka-up: deps
	scripts/kafka/broker.sh start --dir $(KAFKA_DIR) --port $(KAFKA_PORT)

kafka-down:
	scripts/kafka/broker.sh stop --dir $(KAFKA_DIR)

topics: build
	$(BUILD_DIR)/bin/sightlinectl topics ensure --brokers 127.0.0.1:$(KAFKA_PORT) --file deploy/topics.yaml

# From nothing: deps, build, a broker, the gateway, a simulated day of a county's front door.
bench: build
	scripts/bench.sh

bench-quick: build
	scripts/bench.sh --quick

demo: build
	KAFKA_PORT=$(KAFKA_PORT) GATEWAY_PORT=$(GATEWAY_PORT) PROJECTOR_PORT=$(PROJECTOR_PORT) scripts/demo.sh

# Stops what the demo started.
down:
	scripts/demo.sh --down

clean:
	rm -rf $(BUILD_DIR) var
