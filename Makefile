# SPDX-License-Identifier: MIT
# The README's two commands: `make demo` and `make test`.

DEBS     := build-essential cmake pkg-config libzmq3-dev libprotobuf-c-dev \
            protobuf-c-compiler libyaml-dev libcriterion-dev libjansson-dev \
            python3
BUILD    ?= build
ASAN     ?= build-asan
JOBS     ?= $(shell nproc)
CMAKE    ?= cmake

.PHONY: all deps build build-asan demo test test-release test-asan bench clean

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

demo: build
	./demo.sh $(BUILD)

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# The whole suite, in the release build and under the sanitizers.
test: test-release test-asan

bench: build
	bench/run

clean:
	rm -rf $(BUILD) $(ASAN)
