#!/usr/bin/env bash
# Builds the libFuzzer target over the result reader and compare with clang
# and runs it for a bounded time, seeded with the real results in
# tests/fixtures/results and every input kept so far that crashed or misled
# compare. Any crash (an impossible figure read or judged is one) fails the
# test, and the input that caused it is kept for a fixture. Exit 77
# (skipped) with the reason when clang or its libFuzzer is missing.
set -euo pipefail

usage() {
	cat <<USAGE
usage: SRC=DIR BUILD_DIR=DIR [FUZZ_SECONDS=60] [XPERF_VERSION=X.Y.Z] tests/fuzz/fuzz-test.sh

SRC is the top of the xperf tree, BUILD_DIR where the fuzz target is built
and its corpus grows. V=1 shows the build's commands.
USAGE
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -eq 0 && -n ${SRC:-} && -n ${BUILD_DIR:-} ]] || { usage >&2; exit 2; }

seconds=${FUZZ_SECONDS:-60}
skip() {
	echo "fuzz: SKIPPED: $*"
	exit 77
}
quiet() {
	if [[ ${V:-0} == 1 ]]; then
		"$@"
	else
		"$@" > "$BUILD_DIR/build.log" 2>&1 || { cat "$BUILD_DIR/build.log" >&2; return 1; }
	fi
}

command -v clang++ > /dev/null ||
	skip "clang++ is not installed: scripts/install-deps.sh installs clang"
mkdir -p "$BUILD_DIR"
probe=$BUILD_DIR/probe
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char *, unsigned long) { return 0; }\n' \
	> "$probe.cpp"
clang++ -fsanitize=fuzzer,address,undefined "$probe.cpp" -o "$probe" > "$probe.log" 2>&1 ||
	skip "clang++ cannot link a libFuzzer target (Debian: libclang-rt-14-dev, which" \
		"scripts/install-deps.sh installs): $(head -c 300 "$probe.log")"

quiet cmake -S "$SRC/tests/fuzz" -B "$BUILD_DIR" -DCMAKE_CXX_COMPILER=clang++ \
	-DCMAKE_BUILD_TYPE=Debug -DXPERF_VERSION="${XPERF_VERSION:-0.0.0}"
quiet cmake --build "$BUILD_DIR" -j "$(nproc)"

corpus=$BUILD_DIR/corpus
mkdir -p "$corpus"
echo "fuzz: $seconds s over the result reader and compare"
if ! "$BUILD_DIR/xperf-fuzz-compare" -max_total_time="$seconds" -timeout=20 \
	-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$BUILD_DIR/crash-" \
	"$corpus" "$SRC/tests/fixtures/results" "$SRC/tests/fixtures/compare-crash" \
	"$SRC/tests/fixtures/compare-misled" \
	> "$BUILD_DIR/fuzz.log" 2>&1; then
	tail -n 60 "$BUILD_DIR/fuzz.log"
	echo "fuzz: FAILED: the input is in $BUILD_DIR/crash-*; keep it in" \
		"tests/fixtures/compare-crash/ with a unit test (tests/unit/result_reader_test.cpp)," \
		"or in tests/fixtures/compare-misled/ when it was an impossible figure" \
		"(tests/unit/cli_test.cpp)"
	exit 1
fi
grep -E '^stat::number_of_executed_units|^Done' "$BUILD_DIR/fuzz.log" || true
echo "fuzz: no crash"
