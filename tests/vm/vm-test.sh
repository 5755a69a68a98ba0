#!/usr/bin/env bash
# ctest's entry to the guest end-to-end test: skips (status 77) with the
# reason when what it needs is missing, else runs scripts/vm-test.sh.
set -euo pipefail

usage() {
	echo "usage: tests/vm/vm-test.sh   (BUILD_DIR: the build tree [build])"
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
if [[ ${VM_KERNELS:-all} == debug ]]; then
	kernels=(debug) initrd=initramfs-debug.cpio.gz target=vm-test-debug
else
	kernels=(patched baseline) initrd=initramfs.cpio.gz target=vm-test
fi
for k in "${kernels[@]}"; do
	[[ -f $build/kernel/$k/arch/x86/boot/bzImage ]] ||
		skip "the $k guest kernel is not built: 'make check' or 'make $target' builds it"
done
[[ -f $build/vm/$initrd ]] || skip "no guest initramfs $initrd: 'make $target'"

BUILD_DIR=$build exec "$root/scripts/vm-test.sh"
