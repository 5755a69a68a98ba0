#!/usr/bin/env bash
# ctest's entry to the kernel reports in a reduced form: the patched guest
# with pti=on against pti=off (make kpti-report's kernels), two boots each,
# alternating, few samples; then checks the folder it wrote. Skips (77)
# with the reason when what it needs is missing.
set -euo pipefail

usage() {
	echo "usage: tests/vm/reports-test.sh   (BUILD_DIR: the build tree [build], HOST_XPERF_USER)"
}
[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
skip() {
	echo "SKIP: $*"
	exit 77
}
command -v "${QEMU:-qemu-system-x86_64}" >/dev/null ||
	skip "qemu-system-x86_64 not installed (scripts/install-deps.sh)"
image=$build/kernel/patched/arch/x86/boot/bzImage
[[ -f $image ]] || skip "the patched guest kernel is not built: 'make check' or 'make kernel'"
[[ -f $build/vm/initramfs.cpio.gz ]] || skip "no guest initramfs: 'make initramfs'"

out=$build/reports/ci-kpti
failed=0
fail() {
	echo "reports-test: FAILED: $*"
	failed=1
}

BUILD_DIR=$build ROUNDS=2 SUITES=os,gates,syscall \
	VM_XPERF_ARGS=--samples=40,--warmup=4,--rounds=3,--span=0 \
	"$root/scripts/kernels-report.sh" -o "$out" \
	"pti-on=$image,pti=on" "pti-off=$image,pti=off"

for suite in os gates syscall; do
	for ext in txt md csv json; do
		[[ -s $out/$suite.$ext ]] || fail "no $suite.$ext"
	done
	for r in 1 2; do
		for k in pti-on pti-off; do
			[[ -s $out/runs/$r-$k/suite-$suite.json ]] || fail "no runs/$r-$k/suite-$suite.json"
		done
	done
done
# The columns are the kernels, by the names given; the second is set
# against the first.
grep -q 'pti-off vs pti-on' "$out/os.txt" || fail "os.txt does not set pti-off against pti-on"
for row in 'null call' 'fork proc' 'pipe' 'AF UNIX' 'TCP' '0K create' 'mem read'; do
	grep -q "^$row " "$out/os.txt" || fail "os.txt has no row '$row'"
done
grep -q 'syscall 500' "$out/syscall.txt" || fail "syscall.txt has no syscall 500 row"
# A run's label, marked "!" where its conditions were warned about.
grep -Eq '^pti-on!? ' "$out/syscall.txt" || fail "syscall.txt has no pti-on rows"
grep -q '^| entry |' "$out/os.md" || fail "os.md is not a Markdown table"
head -1 "$out/os.csv" | grep -q '^section,entry,' || fail "os.csv has no heading"
grep -q 'KPTI' "$out/os.txt" || fail "os.txt does not show that KPTI differs"
if /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
	for f in compare-os compare-gates compare-syscall gates; do
		[[ -s $out/plots/$f.png && -s $out/plots/$f.svg ]] || fail "no plot $f"
	done
fi
cat "$out/os.txt"
((failed == 0)) && echo "reports-test: ok"
exit "$failed"
