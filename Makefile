# SPDX-License-Identifier: MIT
# The README's two commands: `make demo` and `make test`.

DEBS     := build-essential cmake pkg-config libzmq3-dev libprotobuf-c-dev \
            protobuf-c-compiler libyaml-dev libcriterion-dev libjansson-dev \
            librdkafka-dev kcat libmicrohttpd-dev python3 nodejs ruby \
            libzookeeper-mt-dev zookeeper libsodium-dev
BUILD    ?= build
ASAN     ?= build-asan
TSAN     ?= build-tsan
FUZZ     ?= build-fuzz
FUZZ_SECS ?= 30
JOBS     ?= $(shell nproc)
# Tests at once: twice the cores. The process tests spend most of their
# time waiting on the processes they start (at one per core the suite kept
# the CPU about a fifth busy), and each bounds its own waits.
TEST_JOBS ?= $(shell echo $$(( $$(nproc) * 2 )))
CMAKE    ?= cmake

.PHONY: all deps build build-asan build-tsan build-fuzz demo test test-release \
        test-asan test-tsan test-fuzz test-fuzz-if-clang bench clean

all: build

# Installs the Debian packages that are missing when run as root; otherwise
# prints the exact command and stops.
deps:
	@missing=""; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing packages; run:"; \
	    echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

build: deps
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	$(CMAKE) --build $(BUILD) -j $(JOBS)

build-asan: deps
	$(CMAKE) -S . -B $(ASAN) -DGALE_SANITIZE=ON -DGALE_ENABLE_BENCH=OFF \
	  -DCMAKE_BUILD_TYPE=Debug >/dev/null
	$(CMAKE) --build $(ASAN) -j $(JOBS)

# Only what the ThreadSanitizer stage runs: the process tests and gale.
build-tsan: deps
	$(CMAKE) -S . -B $(TSAN) -DGALE_SANITIZE=thread -DGALE_ENABLE_BENCH=OFF \
	  -DCMAKE_BUILD_TYPE=Debug >/dev/null
	$(CMAKE) --build $(TSAN) -j $(JOBS) --target process_tests

demo: build
	./demo.sh $(BUILD)

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(TEST_JOBS)

test-asan: build-asan
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(TEST_JOBS)

# The gale binary under ThreadSanitizer, driven by the tests that run its
# processes (label "processes"); a report from any process fails the run.
# Tests labelled "no-tsan" are left out: librdkafka's mock cluster is not
# built with TSan and aborts under it (kafka_test).
TSAN_REPORTS = $(CURDIR)/$(TSAN)/tsan-reports
test-tsan: build-tsan
	rm -rf $(TSAN_REPORTS) && mkdir -p $(TSAN_REPORTS)
	cd $(TSAN) && TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp \
	  log_path=$(TSAN_REPORTS)/report" \
	  ctest --output-on-failure -j $(TEST_JOBS) -L processes -LE no-tsan
	@if ls $(TSAN_REPORTS)/report.* >/dev/null 2>&1; then \
	  cat $(TSAN_REPORTS)/report.*; \
	  echo "ThreadSanitizer reported the races above"; exit 1; \
	fi

# The libFuzzer targets (clang), FUZZ_SECS each over their corpus in
# tests/fuzz; new inputs go to $(FUZZ)/runs, never into the tree. A crash,
# a leak or a failed check fails the run; the input that found it is left
# in $(FUZZ)/runs/artifacts and belongs in the target's corpus, as a
# regression input, once the bug is fixed.
build-fuzz: deps
	CC=clang $(CMAKE) -S . -B $(FUZZ) -DGALE_ENABLE_FUZZ=ON \
	  -DGALE_ENABLE_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	$(CMAKE) --build $(FUZZ) -j $(JOBS) \
	  --target batch_fuzz control_fuzz topology_fuzz

test-fuzz: build-fuzz
	rm -rf $(FUZZ)/runs && mkdir -p $(FUZZ)/runs/artifacts
	@for t in batch control topology; do \
	  mkdir -p $(FUZZ)/runs/$$t; \
	  dict=""; \
	  if [ -f tests/fuzz/$$t.dict ]; then dict=-dict=tests/fuzz/$$t.dict; fi; \
	  echo "fuzzing $$t for $(FUZZ_SECS) s"; \
	  $(FUZZ)/tests/fuzz/$${t}_fuzz $$dict -max_total_time=$(FUZZ_SECS) \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ)/runs/artifacts/$$t- \
	    $(FUZZ)/runs/$$t tests/fuzz/$${t}_corpus >$(FUZZ)/runs/$$t.log 2>&1 \
	  || { tail -n 40 $(FUZZ)/runs/$$t.log; \
	       echo "$${t}_fuzz failed: see $(FUZZ)/runs/artifacts"; exit 1; }; \
	  grep -h "stat::number_of_executed_units" $(FUZZ)/runs/$$t.log; \
	done

test-fuzz-if-clang:
	@if command -v clang >/dev/null 2>&1; then $(MAKE) test-fuzz; \
	else echo "clang is not installed: the fuzz targets are not run"; fi

# The whole suite, in the release build and under the sanitizers, and the
# fuzz targets when clang is installed.
test: test-release test-asan test-tsan test-fuzz-if-clang

bench: build
	bench/run

clean:
	rm -rf $(BUILD) $(ASAN) $(TSAN) $(FUZZ)
