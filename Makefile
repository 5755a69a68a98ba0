# xperf: top-level build.
#
#   make            build xperf-user (build/userland/userland/xperf-user)
#   make install    install it, stripped, with xperf-plot, xperf-isolate, man pages and bash
#                   completion: PREFIX (default /usr/local), DESTDIR (Documentation/install.rst)
#   make demo       build, run every crossing here, then the legs in the patched guest
#   make check      build everything (guest kernels too), run unit, host, fuzz and VM tests (ctest)
#   make fuzz       the fuzz target over the result reader and compare, for a minute (clang)
#   make bench      getppid: xperf against perf bench, and the run-to-run spread of both
#   make bench-compare  the statistics on real runs: A/A false positives, the smallest
#                   difference found, compare's speed (about 15 minutes)
#   make bench-suite  the OS suite at its defaults: each entry's wall time, the total,
#                   the null call's run-to-run spread (about 4 minutes)
#   make bench-peers  xperf beside LMBench's OS subset and kvm-unit-tests' x86/vmexit, built
#                   by hand: LMBENCH=its bin folder KUT=its checkout (about 6 minutes)
#   make bench-check  make check's budget: a fresh clone with a cold compiler cache,
#                   then one with a warm cache, each run's time account (about an hour)
#
# V=1 shows the commands.

BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_BUILD_TYPE ?= RelWithDebInfo
PREFIX ?= /usr/local
USERLAND_BUILD := $(BUILD)/userland
STATIC_BUILD := $(BUILD)/userland-static
XPERF_USER := $(USERLAND_BUILD)/userland/xperf-user

MAKEFLAGS += --no-print-directory

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all userland userland-static install demo check test unit fuzz bench bench-compare \
	bench-suite bench-peers \
	bench-check deps \
	clean vm-prereqs

all: userland

deps:
	$(Q)scripts/install-deps.sh

$(USERLAND_BUILD)/CMakeCache.txt:
	$(Q)cmake -S . -B $(USERLAND_BUILD) -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) \
		-DXPERF_BUILD_ROOT=$(abspath $(BUILD)) $(if $(filter 1,$(V)),,> /dev/null)

userland: $(USERLAND_BUILD)/CMakeCache.txt
	$(Q)cmake --build $(USERLAND_BUILD) -j $(JOBS) $(if $(filter 1,$(V)),-- VERBOSE=1,)

# cmake --install does the work (DESTDIR from the environment), so that it
# and make install put the same files in the same places.
install: userland
	$(Q)DESTDIR="$(DESTDIR)" cmake --install $(USERLAND_BUILD) --prefix "$(PREFIX)" \
		$(if $(filter 1,$(V)),,> /dev/null)

# A static xperf-user, for a guest or machine without Debian 12's libraries
# (the initramfs carries the dynamic one with its libraries, so the check
# does not build this; GUEST_XPERF_USER=build/userland-static/userland/xperf-user
# puts it in the initramfs instead). xperf-hello beside it stays dynamic:
# it is what fork-exec's and fork-sh's dynamic-hello variants run.
$(STATIC_BUILD)/CMakeCache.txt:
	$(Q)cmake -S . -B $(STATIC_BUILD) -DCMAKE_BUILD_TYPE=Release -DXPERF_STATIC=ON \
		-DXPERF_TESTS=OFF -DXPERF_MAN=OFF $(if $(filter 1,$(V)),,> /dev/null)

userland-static: $(STATIC_BUILD)/CMakeCache.txt
	$(Q)cmake --build $(STATIC_BUILD) -j $(JOBS) --target xperf-user xperf-hello

# The main job: every crossing on this machine, then the patched guest
# kernel under QEMU with xperf.ko, showing the two legs of a crossing.
demo: userland
	$(Q)$(XPERF_USER) --crossing all
	$(Q)$(MAKE) vm-demo

unit: userland
	$(Q)ctest --test-dir $(USERLAND_BUILD) -L unit --output-on-failure

fuzz: userland
	$(Q)ctest --test-dir $(USERLAND_BUILD) -L fuzz --output-on-failure

# The guest kernels and initramfs are built first; ctest then runs the unit,
# host and VM tests and ends with its own summary.
# scripts/check.sh: the builds (each once), then ctest; it ends with where
# the time went and ctest's summary line.
check:
	$(Q)BUILD=$(BUILD) scripts/check.sh

test: check

# What the VM tests boot: the patched, baseline and debug guest kernels and
# their initramfs images.
vm-prereqs: kernel kernel-baseline initramfs initramfs-debug

bench: userland
	$(Q)scripts/bench-getppid.sh $(XPERF_USER)

bench-compare: userland
	$(Q)scripts/bench-compare.sh $(XPERF_USER)

bench-suite: userland
	$(Q)scripts/bench-suite.sh $(XPERF_USER)

bench-peers: userland
	$(Q)scripts/bench-peers.sh $(XPERF_USER)

bench-check:
	$(Q)scripts/bench-check.sh

clean:
	$(Q)rm -rf $(USERLAND_BUILD) $(STATIC_BUILD)

-include Makefile.vm
