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
prints per crossing and state the median over the boots of
median(crossing) / median(funccall): the control, a user-mode call that no
kernel change can move, divides out how fast each boot's CPU ran. Beside it
the spread (min..max) over the boots, and the ratio to 'not built'. A state
whose spread overlaps the baseline's is not distinguishable from it.

Needs the kernels and initramfs of 'make vm-test'. Under TCG the figures
are emulated cycles, and say so. Results: build/vm/states/ROUND-KERNEL/.

Environment: ROUNDS, PTI (on|off, default on), VM_XPERF_ARGS (guest
xperf-user options, comma-separated, default --samples=20000,--rounds=3),
ACCEL, VM_TIMEOUT (see scripts/vm-run.sh), V=1.
USAGE
}

# shellcheck source-path=SCRIPTDIR source=harness-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness-lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -eq 0 ]] || { usage >&2; exit 2; }

ROUNDS=${ROUNDS:-3}
PTI=${PTI:-on}
VM_XPERF_ARGS=${VM_XPERF_ARGS:---samples=20000,--rounds=3}
out=$BUILD_DIR/vm/states
initrd=$BUILD_DIR/vm/initramfs.cpio.gz
for k in patched baseline; do
	[[ -f $(kernel_image "$k") ]] || die "no $k kernel: run 'make vm-test' first"
done
[[ -f $initrd ]] || die "no initramfs: run 'make initramfs'"
need_cmd python3

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

python3 - "$out" "$ROUNDS" <<'PY'
import glob, json, os, statistics, sys

out, rounds = sys.argv[1], int(sys.argv[2])
states = [("not built", "baseline", "idle"), ("built, xperf=off", "off", "idle"),
          ("built, idle", "patched", "idle"), ("other task measured", "patched", "other"),
          ("this task measured", "patched", "measured")]
crossings = [("getppid", "getppid"), ("syscall", "nr500"), ("pgfault", "anon-write")]

def medians(path):
    with open(path) as f:
        doc = json.load(f)
    got = {}
    for r in doc["results"]:
        if "stats" in r:
            got[(r["crossing"], r["variant"])] = r["stats"]["median"]
    return doc, got

table = {}
for label, kernel, state in states:
    for r in range(1, rounds + 1):
        path = os.path.join(out, f"{r}-{kernel}", f"states-{state}.json")
        if not os.path.exists(path):
            continue
        _, got = medians(path)
        control = next((v for (c, _), v in got.items() if c == "funccall"), None)
        if not control:
            continue
        for key in crossings:
            if key in got:
                table.setdefault((label, key), []).append((got[key] / control, got[key]))

print(f"Cost of each state, {rounds} alternating boots per kernel; the median over the boots"
      " of median(crossing) / median(funccall), spread min..max, and that median as cycles")
tcg = any("accelerator=tcg" in open(log, errors="replace").readline()
          for log in glob.glob(os.path.join(out, "*.log")))
if tcg:
    print("TCG: the guests ran on an emulated CPU; these are emulated cycles, not hardware costs")
for key in crossings:
    base = table.get(("not built", key))
    if not base:
        continue
    base_mid = statistics.median(x for x, _ in base)
    base_lo, base_hi = min(x for x, _ in base), max(x for x, _ in base)
    print(f"\n{key[0]}/{key[1]}")
    print(f"  {'state':22} {'boots':>5} {'x control':>10} {'spread':>17} {'vs not built':>12} {'cycles':>9}  verdict")
    for label, _, _ in states:
        rows = table.get((label, key))
        if not rows:
            continue
        ratios = [x for x, _ in rows]
        mid, lo, hi = statistics.median(ratios), min(ratios), max(ratios)
        cyc = statistics.median(c for _, c in rows)
        verdict = "-" if label == "not built" else (
            "within the baseline's spread" if lo <= base_hi and hi >= base_lo else
            ("above the baseline" if lo > base_hi else "below the baseline"))
        print(f"  {label:22} {len(rows):5d} {mid:10.2f} {lo:8.2f}..{hi:<8.2f} {mid / base_mid:12.3f} {cyc:9.0f}  {verdict}")
PY
