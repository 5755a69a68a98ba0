#!/usr/bin/env bash
# End-to-end test of the kernel side in QEMU guests: patched kernel with
# and without xperf.ko, pti=on and pti=off, then the baseline kernel.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/vm-test.sh [-h]

Needs the kernels, module and initramfs built first (make vm-test does).
Boots, each under scripts/vm-run.sh:

  1. the baseline kernel, told to fail with status 3 and then pass a second
     test: the harness itself must see the failing guest fail;
  2. the patched kernel with pti=on, then pti=off: the boot checks (KPTI
     state as asked, BTF, KVM), every crossing without the module, then
     xperf.ko loaded, xperf-ringcheck, every crossing again, unload
     (guest tests scripts/guest/tests/boot.sh and crossings.sh), --verify
     in the guest (verify.sh), and the six VM-exit round trips from inside
     the guest with xperf.ko as its kernel side (vmexit-guest.sh), and the
     payload's guest states under the guest's own KVM (vmexit-state.sh);
  3. the baseline kernel with pti=on, then pti=off: the same, no module;

then prints the overhead table, patched-without-module against baseline,
per crossing (xperf-user compare). Results: build/vm/<run>/*.json, console
logs: build/vm/<run>.log. Exits non-zero if any check failed.

Environment:
  VM_GUEST_TESTS  guest tests of the patched and baseline boots, in order
                  [boot,crossings,smp-stress,verify,vmexit-guest,vmexit-state]
                  (scripts/guest/tests/NAME.sh)
  VM_KERNELS      which boots: all [default], or debug (the debug variant
                  only: make vm-test-debug)
  VM_DEBUG_PTI    the pti= settings the debug kernel boots with [on off]
  VM_XPERF_ARGS   extra xperf-user options in the guest, comma-separated
                  (these boots check what runs, not the noise)
                  [--samples=2000,--rounds=3,--span=0]
  HOST_XPERF_USER xperf-user that runs compare on the host
                  [build/userland/userland/xperf-user]
  ACCEL, VM_TIMEOUT, QEMU, SHOW_CONSOLE: see scripts/vm-run.sh;  V=1
USAGE
}

# shellcheck source-path=SCRIPTDIR source=harness-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness-lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -eq 0 ]] || { usage >&2; exit 2; }

VM_GUEST_TESTS=${VM_GUEST_TESTS:-boot,crossings,smp-stress,verify,vmexit-guest,vmexit-state}
VM_XPERF_ARGS=${VM_XPERF_ARGS:---samples=2000,--rounds=3,--span=0}
HOST_XPERF_USER=${HOST_XPERF_USER:-$BUILD_DIR/userland/userland/xperf-user}
VM_KERNELS=${VM_KERNELS:-all}
VM_DIR=$BUILD_DIR/vm
vm_run=$XPERF_ROOT/scripts/vm-run.sh

case $VM_KERNELS in
all)
	kernels=(patched baseline) INITRD=$VM_DIR/initramfs.cpio.gz make_target=vm-test ;;
debug)
	kernels=(debug) INITRD=$VM_DIR/initramfs-debug.cpio.gz make_target=vm-test-debug ;;
*) die "VM_KERNELS=$VM_KERNELS: say all or debug" ;;
esac

command -v "${QEMU:-qemu-system-x86_64}" >/dev/null ||
	die "${QEMU:-qemu-system-x86_64} not found: apt-get install qemu-system-x86 (or scripts/install-deps.sh)"
for k in "${kernels[@]}"; do
	[[ -f $(kernel_image "$k") ]] ||
		die "no $k kernel at $(kernel_image "$k"): run 'make $make_target' (it builds it)"
done
[[ -f $INITRD ]] || die "no initramfs at $INITRD: run 'make $make_target'"

failed=0 passed=0
results=()

# Kernel messages that mean something went wrong even if the test passed.
kernel_trouble() {
	# The guest tests' own lines may name what they look for.
	grep -avE '^(ok|not ok|skip) - ' "$1" | grep -aE '(WARNING:|BUG:|Oops|general protection fault|Kernel panic|Call Trace:|KASAN|UBSAN|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|sleeping function called|double fault|stack guard page)' | head -n 5
}

# boot RUN FLAVOUR EXPECTED_STATUS CMDLINE...: one guest of the patched or
# baseline kernel; RUN names the log and the result folder.
boot() {
	local run=$1 flavour=$2 expected=$3 status=0 trouble
	shift 3
	rm -rf "${VM_DIR:?}/$run"
	info "$run: booting the $flavour kernel: $*"
	"$vm_run" -l "$VM_DIR/$run.log" -o "$VM_DIR/$run" "$(kernel_image "$flavour")" "$INITRD" "$@" ||
		status=$?
	# The guest's own check lines, so the caller sees what ran and what skipped.
	grep -aE '^(ok|not ok|skip) - |^xperf-ringcheck: FAIL' "$VM_DIR/$run.log" | sed "s/^/  $run: /" || true
	trouble=$(kernel_trouble "$VM_DIR/$run.log" || true)
	if [[ $status -ne $expected ]]; then
		results+=("FAIL  $run: guest status $status, expected $expected (log: ${VM_DIR#"$XPERF_ROOT"/}/$run.log)")
		failed=$((failed + 1))
	elif [[ -n $trouble && $expected -eq 0 ]]; then
		results+=("FAIL  $run: kernel reported trouble: $(echo "$trouble" | head -n 1) (log: ${VM_DIR#"$XPERF_ROOT"/}/$run.log)")
		failed=$((failed + 1))
	else
		results+=("ok    $run: guest status $status as expected")
		passed=$((passed + 1))
	fi
}

guest_args="xperf.args=$VM_XPERF_ARGS"
start=$SECONDS

summary() {
	echo
	echo "=== vm-test summary ($((SECONDS - start)) s)"
	printf '  %s\n' "${results[@]}"
	echo "vm-test: $passed passed, $failed failed"
	[[ $failed -eq 0 ]]
}

# The debug variant: the patched kernel under its own checkers, with the
# same guest tests; any report of theirs fails the boot.
if [[ $VM_KERNELS == debug ]]; then
	# The checkers slow the guest several times over.
	export VM_TIMEOUT=${VM_TIMEOUT:-1500}
	for pti in ${VM_DEBUG_PTI:-on off}; do
		boot "debug-pti-$pti" debug 0 \
			xperf.test="$VM_GUEST_TESTS" xperf.module=1 xperf.kernel=debug pti=$pti "$guest_args"
	done
	summary
	exit
fi

boot harness-selfcheck baseline 3 xperf.test=exit-status,boot xperf.status=3
for pti in on off; do
	boot "patched-pti-$pti" patched 0 \
		xperf.test="$VM_GUEST_TESTS" xperf.module=1 xperf.kernel=patched pti=$pti "$guest_args"
done
for pti in on off; do
	boot "baseline-pti-$pti" baseline 0 \
		xperf.test="$VM_GUEST_TESTS" xperf.module=0 xperf.kernel=baseline pti=$pti "$guest_args"
done

echo
echo "=== The patch with no consumer: baseline (A) against patched without xperf.ko (B), one boot each"
echo "    One boot of each kernel, not alternated: this checks that compare reads the guests'"
echo "    results, it is no finding (a drift of the host cannot be told from the patch)."
echo "    For the overhead itself: scripts/bench-kernel-states.sh or make baseline-report,"
echo "    which alternate three or more boots of each."
if grep -qs '^# vm-run: accelerator=tcg' "$VM_DIR"/{patched,baseline}-pti-*.log; then
	echo "    TCG: these guests ran on an emulated CPU. Their cycle counts are emulation"
	echo "    artefacts, not hardware costs: they test the harness, not the patch."
fi
for pti in on off; do
	a=$VM_DIR/baseline-pti-$pti/nomod.json b=$VM_DIR/patched-pti-$pti/nomod.json
	echo
	echo "--- pti=$pti"
	if [[ ! -s $a || ! -s $b ]]; then
		echo "    no comparison: $( [[ -s $a ]] || echo "${a#"$XPERF_ROOT"/} missing ")$( [[ -s $b ]] || echo "${b#"$XPERF_ROOT"/} missing")"
		continue
	fi
	if [[ ! -x $HOST_XPERF_USER ]]; then
		echo "    no comparison: host xperf-user not built (${HOST_XPERF_USER#"$XPERF_ROOT"/}; make userland)"
		continue
	fi
	if ! "$HOST_XPERF_USER" compare "$a" "$b"; then
		results+=("FAIL  compare pti=$pti: xperf-user compare rejected the guest's JSON")
		failed=$((failed + 1))
	fi
done

summary
