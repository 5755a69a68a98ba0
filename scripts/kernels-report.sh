#!/usr/bin/env bash
# Kernel against kernel: boots each kernel in turn, ROUNDS times (A B A B
# ...), runs the suites inside the guest, and writes one folder with every
# run's result, the suites' tables set against the first kernel, and the
# plots.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/kernels-report.sh [-h] [-o DIR] LABEL=KERNEL[,WORD...] LABEL=KERNEL[,WORD...]...

Each argument is one kernel: a name for the tables (letters, digits, '-',
'_', '.'), its bzImage, and kernel command-line words for its boots, e.g.
  baseline=/boot/vmlinuz-6.12-base,pti=on  instrumented=arch/x86/boot/bzImage,pti=on
The first is the baseline. Every boot runs the guest test 'suites'
(scripts/guest/tests/suites.sh) in the xperf-user of the initramfs;
xperf.module=1 in a kernel's words loads xperf.ko in its boots (the
initramfs's module must be built for that kernel).

The kernels alternate, ROUNDS boots each (default 3): a kernel's interval
comes from the spread between its boots, weighed against the difference
between kernels, and the control says when the machine changed between
them (xperf-user compare). Written to DIR (default build/reports/report):
  runs/ROUND-LABEL/suite-SUITE.json   each boot's results
  SUITE.txt, SUITE.md, SUITE.csv      each suite's table, the kernels as columns
  SUITE.json                          the comparison (xperf-user compare --json)
  plots/                              the comparison and gate figures (PNG, SVG),
                                      LABEL/SUITE/ the histograms of the first boots
  README                              how it was made

A boot that fails leaves the folder as it stands in DIR.failed, with
every boot's console log, and DIR as it was.

Environment: ROUNDS, SUITES (default os,gates,syscall), VM_XPERF_ARGS (guest
xperf-user options, comma-separated), INITRD (default the one of
'make initramfs'), ACCEL (scripts/vm-run.sh), VM_TIMEOUT (seconds a boot
may take, default 1800: the suites at their defaults took 250 s and more
than 300 s a boot under TCG on 2 cores), V=1.
USAGE
}

# shellcheck source-path=SCRIPTDIR source=harness-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness-lib.sh"

out=$BUILD_DIR/reports/report
while getopts ho: opt; do
	case $opt in
	h) usage; exit 0 ;;
	o) out=$OPTARG ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
(($# >= 2)) || { usage >&2; exit 2; }

ROUNDS=${ROUNDS:-3}
# vm-run's own default (300 s under TCG, 120 with KVM) is for the short
# guest tests; a boot of the suites at their defaults runs longer.
VM_TIMEOUT=${VM_TIMEOUT:-1800}
[[ $VM_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "VM_TIMEOUT=$VM_TIMEOUT: give the seconds a boot may take"
SUITES=${SUITES:-os,gates,syscall}
VM_XPERF_ARGS=${VM_XPERF_ARGS:-}
INITRD=${INITRD:-$BUILD_DIR/vm/initramfs.cpio.gz}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS=$ROUNDS: give a whole number of boots per kernel"
((ROUNDS >= 3)) || warn "ROUNDS=$ROUNDS: fewer than three boots of each; the spread between boots rests on $((ROUNDS - 1)) degree(s) of freedom and the comparison says it is wide (three or more for a finding)"
[[ -f $INITRD ]] || die "no initramfs $INITRD: run 'make initramfs'"
xperf_user=${HOST_XPERF_USER:-$BUILD_DIR/userland/userland/xperf-user}
[[ -x $xperf_user ]] || die "no host xperf-user at $xperf_user: run 'make userland'"

labels=()
images=()
words=()
for spec in "$@"; do
	[[ $spec == *=* ]] || die "'$spec': give LABEL=KERNEL[,WORD...]"
	label=${spec%%=*}
	rest=${spec#*=}
	[[ $label =~ ^[A-Za-z0-9._-]+$ ]] ||
		die "'$label': a kernel's name is letters, digits, '-', '_' and '.' (it goes on its command line)"
	for l in "${labels[@]}"; do
		[[ $l != "$label" ]] || die "'$label' names two kernels: give each its own"
	done
	image=${rest%%,*}
	[[ -f $image ]] || die "$label: no kernel image $image"
	extra=
	[[ $rest == *,* ]] && extra=${rest#*,}
	labels+=("$label")
	images+=("$image")
	words+=("$extra")
done

# Nothing partial: the folder is made aside and put in place at the end.
mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$out.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/runs"

# A failed boot: what the report has so far, its logs above all, goes to
# DIR.failed (the last failure's), and DIR stays as it was.
keep_failed() {
	rm -rf "$out.failed"
	mv "$work" "$out.failed"
	trap - EXIT
	die "$1 (log: ${out#"$XPERF_ROOT"/}.failed/${2#"$work"/}; the boots so far are in ${out#"$XPERF_ROOT"/}.failed)"
}

guest_args=$VM_XPERF_ARGS
for ((r = 1; r <= ROUNDS; r++)); do
	for i in "${!labels[@]}"; do
		label=${labels[$i]}
		run=$work/runs/$r-$label
		info "round $r/$ROUNDS: $label"
		extra=()
		[[ -n ${words[$i]} ]] && IFS=, read -r -a extra <<<"${words[$i]}"
		"$XPERF_ROOT/scripts/vm-run.sh" -t "$VM_TIMEOUT" -l "$run.log" -o "$run" "${images[$i]}" "$INITRD" \
			xperf.test=suites "xperf.suites=$SUITES" "xperf.label=$label" \
			${guest_args:+"xperf.args=$guest_args"} "${extra[@]}" >/dev/null ||
			keep_failed "round $r, $label: the guest failed" "$run.log"
	done
done

# One column per kernel, each its ROUNDS boots, which alternated.
tcg=
grep -q 'accelerator=tcg' "$work"/runs/*.log 2>/dev/null && tcg=1
for suite in ${SUITES//,/ }; do
	columns=()
	for label in "${labels[@]}"; do
		files=()
		for ((r = 1; r <= ROUNDS; r++)); do
			f=runs/$r-$label/suite-$suite.json
			[[ -f $work/$f ]] && files+=("$f")
		done
		((${#files[@]})) || die "$label: no boot sent suite-$suite.json (logs: $work/runs)"
		columns+=("$(IFS=,; echo "${files[*]}")")
	done
	# From inside the folder: the tables name the files relative to it.
	(
		cd "$work"
		{
			[[ -z $tcg ]] || echo "TCG: the guests ran on an emulated CPU; these are emulated cycles, not hardware costs"
			"$xperf_user" compare --suite "$suite" "${columns[@]}"
		} >"$suite.txt"
		"$xperf_user" compare --suite "$suite" --markdown "${columns[@]}" >"$suite.md"
		"$xperf_user" compare --suite "$suite" --csv "${columns[@]}" >"$suite.csv"
		"$xperf_user" compare --suite "$suite" --json -o "$suite.json" "${columns[@]}"
	)
	cat "$work/$suite.txt"
done

plot=$XPERF_ROOT/scripts/xperf-plot
if [[ -x $plot ]] && /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
	mkdir -p "$work/plots"
	# figure KIND NAME FILE...: plots/NAME.png, and .svg, whose text can be searched.
	figure() {
		local ext
		for ext in png svg; do
			"$plot" "$1" -o "$work/plots/$2.$ext" "${@:3}"
		done
	}
	for suite in ${SUITES//,/ }; do
		figure compare "compare-$suite" "$work/$suite.json"
	done
	# The distributions: the first boot of each kernel, where the samples
	# came back (the OS suite keeps them in the guest).
	for label in "${labels[@]}"; do
		for suite in ${SUITES//,/ }; do
			f=$work/runs/1-$label/suite-$suite.json
			[[ $suite == os || ! -f $f ]] || "$plot" hist -o "$work/plots/$label/$suite/" "$f"
		done
	done
	if [[ ,$SUITES, == *,gates,* ]]; then
		gates=()
		for label in "${labels[@]}"; do
			gates+=("$work/runs/1-$label/suite-gates.json")
		done
		figure gates gates "${gates[@]}"
	fi
else
	warn "no plots: scripts/install-deps.sh installs matplotlib (python3-matplotlib)"
fi

{
	echo "xperf kernels report, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "$ROUNDS boots of each kernel, alternating; suites: $SUITES"
	for i in "${!labels[@]}"; do
		echo "  ${labels[$i]} = $(basename "${images[$i]}") ${words[$i]//,/ }"
	done
	[[ -z $guest_args ]] || echo "guest xperf-user options: ${guest_args//,/ }"
	[[ -z $tcg ]] || echo "TCG: emulated CPU; the figures are emulated cycles"
} >"$work/README"

rm -rf "$out"
mv "$work" "$out"
trap - EXIT
info "report: ${out#"$XPERF_ROOT"/}/ (tables SUITE.txt/.md/.csv, plots/)"
