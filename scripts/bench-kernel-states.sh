#!/usr/bin/env bash
# What each state of the kernel side costs against the unpatched kernel,
# from alternating guest boots with a control.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/bench-kernel-states.sh [-h]

Boots ROUNDS times (default 3), in turn,
  baseline   the unpatched kernel                      state: not built
  off        the patched kernel with xperf=off         state: built, sites NOPs
  patched    the patched kernel with xperf.ko          states: idle, other, measured
each running the guest test 'states' (scripts/guest/tests/states.sh), and
then 'xperf-user compare' with one column per state, each the ROUNDS boots
of it: the interval of a state comes from the spread between its boots,
every state is set against 'not built', and where the control (user-mode
work no kernel change can move) moved between the columns, the machine
changed and the rows are divided by it. Tables: compare.txt, compare.json.

Needs the kernels and initramfs of 'make vm-test'. Under TCG the figures
are emulated cycles, and say so. Results: build/vm/states/ROUND-KERNEL/.

Environment: ROUNDS, PTI (on|off, default on), VM_XPERF_ARGS (guest
xperf-user options, comma-separated, default --samples=3000),
ACCEL, VM_TIMEOUT (see scripts/vm-run.sh), V=1.
USAGE
}

# shellcheck source-path=SCRIPTDIR source=harness-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness-lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -eq 0 ]] || { usage >&2; exit 2; }

ROUNDS=${ROUNDS:-3}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS=$ROUNDS: give a whole number of boots per state"
((ROUNDS >= 3)) || warn "ROUNDS=$ROUNDS: fewer than three boots of each; the spread between boots rests on $((ROUNDS - 1)) degree(s) of freedom and the comparison says it is wide (three or more for a finding)"
PTI=${PTI:-on}
VM_XPERF_ARGS=${VM_XPERF_ARGS:---samples=3000}
out=$BUILD_DIR/vm/states
initrd=$BUILD_DIR/vm/initramfs.cpio.gz
for k in patched baseline; do
	[[ -f $(kernel_image "$k") ]] || die "no $k kernel: run 'make vm-test' first"
done
[[ -f $initrd ]] || die "no initramfs: run 'make initramfs'"

rm -rf "$out"
mkdir -p "$out"
for ((r = 1; r <= ROUNDS; r++)); do
	for k in baseline off patched; do
		case $k in
		baseline) image=$(kernel_image baseline) extra=(xperf.module=0) ;;
		off) image=$(kernel_image patched) extra=(xperf.module=1 xperf=off) ;;
		patched) image=$(kernel_image patched) extra=(xperf.module=1) ;;
		esac
		info "round $r/$ROUNDS: $k"
		"$XPERF_ROOT/scripts/vm-run.sh" -l "$out/$r-$k.log" -o "$out/$r-$k" "$image" "$initrd" \
			xperf.test=states "pti=$PTI" "xperf.args=$VM_XPERF_ARGS" "${extra[@]}" >/dev/null ||
			die "round $r, $k: the guest failed (log: ${out#"$XPERF_ROOT"/}/$r-$k.log)"
	done
done

# One column per state, each the ROUNDS boots of it, which alternated:
# compare weighs the spread between a state's boots against the difference
# to the baseline, and divides out the control where the machine changed.
columns=()
legend=()
for spec in "baseline idle not built" "off idle built, xperf=off" "patched idle built, idle" \
	"patched other other task measured" "patched measured this task measured"; do
	read -r kernel state label <<<"$spec"
	files=()
	for ((r = 1; r <= ROUNDS; r++)); do
		f=${out#"$XPERF_ROOT"/}/$r-$kernel/states-$state.json
		[[ -f $XPERF_ROOT/$f ]] && files+=("$f")
	done
	((${#files[@]})) || continue
	columns+=("$(IFS=,; echo "${files[*]}")")
	letters=ABCDE
	legend+=("${letters:${#legend[@]}:1} = $label")
done
((${#columns[@]} >= 2)) || die "fewer than two states were measured (logs: ${out#"$XPERF_ROOT"/})"
xperf_user=${HOST_XPERF_USER:-$BUILD_DIR/userland/userland/xperf-user}
[[ -x $xperf_user ]] || die "no host xperf-user: run 'make userland'"
printf '%s\n' "${legend[@]}" | tee "$out/compare.txt"
if grep -q 'accelerator=tcg' "$out"/*.log 2>/dev/null; then
	echo "TCG: the guests ran on an emulated CPU; these are emulated cycles, not hardware costs" |
		tee -a "$out/compare.txt"
fi
# From the top of the tree: the legend names the files relative to it.
(cd "$XPERF_ROOT" && "$xperf_user" compare "${columns[@]}") | tee -a "$out/compare.txt"
(cd "$XPERF_ROOT" && "$xperf_user" compare --json -o "$out/compare.json" "${columns[@]}")
info "tables: ${out#"$XPERF_ROOT"/}/compare.txt and compare.json"
