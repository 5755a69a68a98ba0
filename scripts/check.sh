#!/usr/bin/env bash
# make check: every build the tests need, once, then ctest; then where the
# time went, and ctest's own summary line last.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/check.sh [-h]

What 'make check' runs, in order, each step timed:

  install-deps      scripts/install-deps.sh (nothing to do when all is there)
  userland          xperf-user and the test programs (build/userland); the
                    guest initramfs carries this xperf-user and its libraries
  kernel patched    build/kernel/patched   (scripts/build-kernel.sh)
  kernel baseline   build/kernel/baseline
  kernel debug      build/kernel/debug
  guest images      xperf.ko for the patched and debug kernels, the initramfs
  ctest             every test, unit, host, fuzz, bench, kernel and vm, a
                    job per core: the guests (one QEMU thread each) side by
                    side and first, the host tests and benchmarks alone

then the time account: each step, each ctest label, the compiler cache's
hits and misses over the check, the total; and, last, ctest's summary line.
A build step that fails stops the check (status 2) after the account.
Compiles go through ccache where it is installed (scripts/install-deps.sh
installs it; the cache is ccache's own, outside the tree).

The kernel sources and builds are shared by the clones of this machine
(XPERF_KERNEL_HOME, default ~/.cache/xperf: scripts/build-kernel.sh -h), so
a second clone of the same tree rebuilds no kernel.

Environment: BUILD (build tree, default build), JOBS, V=1, and what
Makefile.vm documents (KSRC, ACCEL, ...). CTEST_JOBS: ctest's parallel jobs
[nproc]; CTEST_ARGS: extra ctest options.
USAGE
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -eq 0 ]] || { usage >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD:-build}
log_dir=$build/check
mkdir -p "$log_dir"
ctest_log=$log_dir/ctest.log

steps=()
seconds=()
cached=() # per step: ccache's hits and misses during it
check_start=$SECONDS

# ccache's counters, to tell this check's hits from the cache's history.
ccache_counts() {
	command -v ccache >/dev/null || { echo "0 0"; return; }
	ccache --print-stats 2>/dev/null | awk '
		$1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { hit += $2 }
		$1 == "cache_miss" { miss += $2 }
		END { print hit + 0, miss + 0 }'
}
read -r hits0 misses0 < <(ccache_counts)

account() {
	local i label total=$((SECONDS - check_start))
	echo
	echo "check: where the time went"
	for i in "${!steps[@]}"; do
		printf '  %-26s %6d s%s\n' "${steps[$i]}" "${seconds[$i]}" "${cached[$i]}"
	done
	if [[ -f $ctest_log ]]; then
		# ctest's "Label Time Summary": the sum of its tests' times per label.
		sed -n '/^Label Time Summary:/,/^$/p' "$ctest_log" | tail -n +2 |
			while read -r label _ secs _ tests; do
				[[ -n $label ]] || continue
				printf '    %-24s %6.0f s %s\n' "$label" "$secs" "$tests"
			done
	fi
	local hits1 misses1
	read -r hits1 misses1 < <(ccache_counts)
	if command -v ccache >/dev/null; then
		printf '  %-26s %6d hits, %d misses\n' "compiler cache (ccache)" \
			$((hits1 - hits0)) $((misses1 - misses0))
	else
		printf '  %-26s %s\n' "compiler cache" "none: ccache is not installed"
	fi
	printf '  %-26s %6d s (%d min %d s)\n' "total" "$total" $((total / 60)) $((total % 60))
}

# The compiles of one step: "  (ccache: H hits, M misses)", or nothing.
cache_note() {
	local h m
	read -r h m < <(ccache_counts)
	(((h - $1) + (m - $2) > 0)) || return 0
	printf '   (ccache: %d hits, %d misses)' $((h - $1)) $((m - $2))
}

# record NAME START HITS MISSES: a step's line of the account, from the
# time and ccache's counters at its start.
record() {
	steps+=("$1")
	seconds+=($((SECONDS - $2)))
	cached+=("$(cache_note "$3" "$4")")
}

step() {
	local name=$1 start=$SECONDS rc=0 h m
	shift
	echo "check: $name"
	read -r h m < <(ccache_counts)
	"$@" || rc=$?
	record "$name" "$start" "$h" "$m"
	if [[ $rc -ne 0 ]]; then
		account
		echo "check: $name failed (status $rc)"
		exit 2
	fi
}

step install-deps scripts/install-deps.sh
step userland make -s userland
step "kernel patched" make -s kernel
step "kernel baseline" make -s kernel-baseline
step "kernel debug" make -s kernel-debug
step "guest images" make -s initramfs initramfs-debug

# ctest's output goes to the log as it runs; its summary is repeated after
# the account, so that the last line is still ctest's.
start=$SECONDS
read -r h m < <(ccache_counts)
set +e
# shellcheck disable=SC2086
ctest --test-dir "$build/userland" --output-on-failure --parallel "${CTEST_JOBS:-$(nproc)}" \
	${CTEST_ARGS:-} 2>&1 |
	tee "$ctest_log"
rc=${PIPESTATUS[0]}
set -e
record ctest "$start" "$h" "$m"
account
echo
# ctest's closing lines as it wrote them, less the label times shown above.
sed -n '/tests passed, /,$p' "$ctest_log" | sed '/^Label Time Summary:/,/^$/d'
exit "$rc"
