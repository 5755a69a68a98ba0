#!/usr/bin/env bash
# Boot a kernel under QEMU with the isolation xperf recommends for CPU 1 and
# capture the doctor's /proc and /sys files inside it: a real tree of a
# well-isolated machine, for tests/fixtures/doctor.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/capture-guest-tree.sh [-h] KERNEL DIR

Boots KERNEL (a bzImage: the project's guest kernel, or a distribution's,
whose configuration has NO_HZ_FULL, RCU_NOCB_CPU and THP) with the guest
initramfs and the command line
  $CMDLINE
runs the capture guest test (scripts/capture-tree inside the guest) and
unpacks the tree into DIR, which must not exist yet.

Environment: VM_SMP [2], ACCEL, VM_TIMEOUT (scripts/vm-run.sh), BUILD_DIR.
Exit status: 0 captured, 1 the guest or the capture failed, 2 bad usage.
USAGE
}

CMDLINE="xperf.test=capture isolcpus=1 nohz_full=1 rcu_nocbs=1 irqaffinity=0 transparent_hugepage=never"

# shellcheck source-path=SCRIPTDIR source=harness-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness-lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -eq 2 ]] || { usage >&2; exit 2; }
kernel=$1 dir=$2
[[ -f $kernel ]] || die "$kernel: no such kernel image"
[[ ! -e $dir ]] || { echo "capture-guest-tree: $dir exists: give a new folder" >&2; exit 2; }
initrd=$BUILD_DIR/vm/initramfs.cpio.gz
[[ -f $initrd ]] || die "no initramfs: run 'make initramfs'"
need_cmd base64 tar

files=$(mktemp -d)
trap 'rm -rf "$files"' EXIT
# shellcheck disable=SC2086 # the command line is words
VM_SMP=${VM_SMP:-2} "$XPERF_ROOT/scripts/vm-run.sh" -l "$files/console.log" -o "$files" \
	"$kernel" "$initrd" $CMDLINE || die "the guest failed; its console: see above"
[[ -s $files/capture.tar.gz.b64 ]] || die "the guest sent no tree"
mkdir -p "$dir"
base64 -d "$files/capture.tar.gz.b64" | tar -xz -C "$dir"
info "$(find "$dir" -type f | wc -l) files in $dir"
