#!/usr/bin/env bash
# Boot a kernel and initramfs under QEMU and pass the guest's exit status back.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/vm-run.sh [-h] [-t SECONDS] [-l LOG] [-o DIR] KERNEL INITRD [CMDLINE-WORD...]

Boots KERNEL with INITRD (scripts/mkinitramfs.sh) under QEMU, console on
ttyS0, with the CMDLINE words appended (for example xperf.test=boot pti=off).
The guest ends by writing its status to QEMU's isa-debug-exit device and
printing it as "XPERF-EXIT N"; both must agree.

  -t SECONDS  kill QEMU and fail after this long [VM_TIMEOUT, else 300 TCG, 120 KVM]
  -l LOG      serial console log [build/vm/console.log]
  -o DIR      save the files the guest emits (XPERF-FILE markers) in DIR

Exit status: the guest's (0-127); 124 on timeout; 125 when QEMU failed or
the guest died without reporting a status (kernel panic: see the log).

Environment:
  ACCEL=auto|kvm|tcg  auto [default]: KVM if a Linux guest boots with it on
                      this host (probed once, cached in build/vm/), else TCG
  QEMU                [qemu-system-x86_64]
  VM_MEM              guest memory [512M]
  VM_SMP              guest CPUs [2]; under TCG they share one host thread
  KVM_CPU             CPU model under KVM [host]; under TCG it is always max
  SHOW_CONSOLE=1      print the console as it runs (also with V=1)
USAGE
}

# shellcheck source-path=SCRIPTDIR source=harness-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness-lib.sh"

timeout_s=${VM_TIMEOUT:-}
log=$BUILD_DIR/vm/console.log
files_dir=
while getopts ht:l:o: opt; do
	case $opt in
	h) usage; exit 0 ;;
	t) timeout_s=$OPTARG ;;
	l) log=$OPTARG ;;
	o) files_dir=$OPTARG ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[[ $# -ge 2 ]] || { usage >&2; exit 2; }
kernel=$1 initrd=$2
shift 2
extra_cmdline=("$@")

QEMU=${QEMU:-qemu-system-x86_64}
VM_MEM=${VM_MEM:-512M}
VM_SMP=${VM_SMP:-2}
KVM_CPU=${KVM_CPU:-host}
ACCEL=${ACCEL:-auto}
SHOW_CONSOLE=${SHOW_CONSOLE:-$V}

command -v "$QEMU" >/dev/null || die "$QEMU not found: apt-get install qemu-system-x86"
need_cmd timeout flock
[[ -f $kernel ]] || die "kernel $kernel missing (make kernel / make kernel-baseline)"
[[ -f $initrd ]] || die "initramfs $initrd missing (make initramfs)"
mkdir -p "$(dirname "$log")" "$BUILD_DIR/vm"

EXIT_TIMEOUT=124
EXIT_HARNESS=125

# qemu_boot ACCEL TIMEOUT LOG CMDLINE...: run QEMU, console into LOG;
# sets QEMU_RC.
qemu_boot() {
	local accel=$1 secs=$2 out=$3
	shift 3
	local cpu=(-cpu max) accel_opt=$accel
	[[ $accel == kvm ]] && cpu=(-cpu "$KVM_CPU")
	# Single-threaded TCG: the vCPUs take turns on one host thread. With
	# thread=multi, QEMU here runs a stale INT3 after text_poke_bp() (an
	# unclaimed #BP in __schedule() at the clocksource's static-key flip,
	# no xperf code involved).
	[[ $accel == tcg ]] && accel_opt=tcg,thread=single
	# shellcheck disable=SC2054 # QEMU's own options contain commas
	local cmd=(timeout -k 5 "$secs" "$QEMU" -nodefaults -nographic -no-reboot
		-monitor none -serial stdio -accel "$accel_opt" "${cpu[@]}" -m "$VM_MEM"
		-smp "$VM_SMP"
		-device isa-debug-exit,iobase=0xf4,iosize=0x04
		# Port 0xe9 owned by the VMM: vmexit --vmm guest's port writes.
		-debugcon null
		-kernel "$kernel" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 oops=panic $*")
	[[ $V == 1 ]] && echo "+ ${cmd[*]}" >&2
	QEMU_RC=0
	if [[ $SHOW_CONSOLE == 1 ]]; then
		"${cmd[@]}" </dev/null 2>&1 | tee "$out" || QEMU_RC=${PIPESTATUS[0]}
	else
		"${cmd[@]}" </dev/null >"$out" 2>&1 || QEMU_RC=$?
	fi
	# Line endings from the serial port; a header says how the log came to be.
	sed -i -e 's/\r$//' -e "1i # vm-run: accelerator=$accel cpu=${cpu[1]} smp=$VM_SMP cmdline: $*" "$out"
}

# The guest's own report of its status, or nothing.
reported_status() { grep -ao 'XPERF-EXIT [0-9]\+' "$1" | tail -n 1 | cut -d' ' -f2 || true; }

# Can QEMU with KVM boot a Linux guest here? Some hosts' KVM runs simple
# payloads but not Linux (a PVM-style KVM waits at the firmware until the
# probe's 60 s run out), so ask by booting this kernel once; the answer is
# cached per host kernel, QEMU version and CPU model, beside the kernels in
# the kernel home, so that every clone of the machine asks once.
kvm_boots_linux() {
	[[ -r /dev/kvm && -w /dev/kvm ]] || { KVM_WHY="no usable /dev/kvm"; return 1; }
	link_kernel_home
	local key cache=$BUILD_DIR/kernel/kvm-probe.cache probe_log=$BUILD_DIR/kernel/kvm-probe.log
	key="$(uname -r -v) | $("$QEMU" --version | head -n 1) | $KVM_CPU"
	# Guests may start side by side (ctest -j): one probe, the others wait
	# for its answer.
	mkdir -p "$BUILD_DIR/kernel"
	exec {probe_lock}>"$cache.lock"
	flock "$probe_lock"
	if [[ -f $cache && $(head -n 1 "$cache") == "$key" ]]; then
		KVM_WHY=$(tail -n 1 "$cache")
		exec {probe_lock}>&-
		[[ $KVM_WHY == yes ]]
		return
	fi
	info "probing whether QEMU+KVM boots a Linux guest on this host (once)"
	qemu_boot kvm 60 "$probe_log" xperf.test=boot
	if [[ $QEMU_RC -eq 1 && $(reported_status "$probe_log") == 0 ]]; then
		KVM_WHY=yes
	else
		KVM_WHY="QEMU+KVM did not boot a Linux guest here (QEMU status $QEMU_RC, see ${probe_log#"$XPERF_ROOT"/})"
	fi
	printf '%s\n%s\n' "$key" "$KVM_WHY" >"$cache"
	exec {probe_lock}>&-
	[[ $KVM_WHY == yes ]]
}

case $ACCEL in
kvm | tcg) accel=$ACCEL why="ACCEL=$ACCEL" ;;
auto)
	if kvm_boots_linux; then
		accel=kvm why="KVM boots Linux guests on this host"
	else
		accel=tcg why=$KVM_WHY
	fi
	;;
*) die "ACCEL must be auto, kvm or tcg, not '$ACCEL'" ;;
esac
if [[ -z $timeout_s ]]; then
	timeout_s=300
	[[ $accel == kvm ]] && timeout_s=120
fi
[[ $accel == tcg ]] && tcg_note=" (TCG: emulated CPU, cycle counts are not hardware costs)"
info "accelerator: $accel${tcg_note:-} — $why"

start=$SECONDS
qemu_boot "$accel" "$timeout_s" "$log" "${extra_cmdline[@]}"
elapsed=$((SECONDS - start))
status=$(reported_status "$log")

if [[ -n $files_dir ]]; then
	mkdir -p "$files_dir"
	awk -v dir="$files_dir" '
		/^XPERF-FILE-BEGIN [A-Za-z0-9._-]+$/ { f = dir "/" $2; printf "" > f; on = 1; next }
		/^XPERF-FILE-END / { if (on) close(f); on = 0; next }
		on { print > f }
	' "$log"
fi

show_tail() {
	[[ $SHOW_CONSOLE == 1 ]] && return
	echo "--- last lines of ${log#"$XPERF_ROOT"/}:" >&2
	tail -n 25 "$log" >&2
	echo "---" >&2
}

if [[ $QEMU_RC -eq 124 || $QEMU_RC -eq 137 ]]; then
	show_tail
	echo "$HARNESS_NAME: error: guest timed out after ${timeout_s}s ($accel); log: ${log#"$XPERF_ROOT"/}" >&2
	exit "$EXIT_TIMEOUT"
fi
if [[ -z $status ]]; then
	show_tail
	echo "$HARNESS_NAME: error: guest ended without reporting a status (QEMU status $QEMU_RC: QEMU error or kernel panic); log: ${log#"$XPERF_ROOT"/}" >&2
	exit "$EXIT_HARNESS"
fi
if [[ $QEMU_RC -eq 0 ]]; then
	warn "QEMU ended without an isa-debug-exit write; trusting the guest's XPERF-EXIT line"
elif [[ $QEMU_RC -ne $((status * 2 + 1)) ]]; then
	show_tail
	echo "$HARNESS_NAME: error: QEMU status $QEMU_RC does not match the guest's status $status; log: ${log#"$XPERF_ROOT"/}" >&2
	exit "$EXIT_HARNESS"
fi
info "guest exit status $status after ${elapsed}s; log: ${log#"$XPERF_ROOT"/}"
exit "$status"
