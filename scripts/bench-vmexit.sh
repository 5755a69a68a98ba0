#!/usr/bin/env bash
# The six VM-exit round trips, built-in VMM, QEMU and this kernel as a guest
# side by side: medians with quartiles, in cycles and ns, as the guest
# measured them, and the same round trips timed back to back as
# kvm-unit-tests times them; for the payload, in each guest state asked for.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/bench-vmexit.sh [XPERF_USER]

Runs xperf-user --crossing vmexit --json once with each of --vmm builtin,
--vmm qemu and --vmm guest (SAMPLES per round, default 10000; ROUNDS,
default 3; WARMUP, default 1000; pinned to CPU, default 0) and prints each
variant's median and quartiles side by side, with the measurement number of
the table in Documentation/vmexit.rst, and beside each the cycles of one
round trip timed back to back (detail.loop, kvm-unit-tests' way). --vmm
guest measures this kernel's own exits to the hypervisor running it:
skipped on bare metal, and only --from user (rows 1, 2) while xperf.ko is
not loaded. VMMS="builtin" runs only the built-in VMM; STATES, default
"default", is the payload's --guest-state (STATES=all: every guest state,
a guest each, its variants named EXIT/FROM+STATE); FROM and EXIT narrow
the run (default all). V=1 shows the commands.
USAGE
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -le 1 ]] || { usage >&2; exit 2; }

here=$(cd "$(dirname "$0")/.." && pwd)
xperf=${1:-$here/build/userland/userland/xperf-user}
samples=${SAMPLES:-10000}
rounds=${ROUNDS:-3}
warmup=${WARMUP:-1000}
cpu=${CPU:-0}
vmms=${VMMS:-builtin qemu guest}
states=${STATES:-default}
from_all=${FROM:-all}
exit_all=${EXIT:-all}

[[ -x $xperf ]] || { echo "bench: $xperf not built; run make" >&2; exit 2; }
[[ -e /dev/kvm ]] || { echo "bench: no /dev/kvm: load kvm_intel or kvm_amd" >&2; exit 2; }

run() {
	[[ ${V:-0} == 1 ]] && echo "+ $*" >&2
	"$@"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ran=()
for vmm in $vmms; do
	from=$from_all
	state=(--guest-state "$states")
	if [[ $vmm == guest ]]; then
		if ! grep -qw hypervisor /proc/cpuinfo; then
			echo "bench: --vmm guest skipped: this kernel runs on bare metal" >&2
			continue
		fi
		[[ -d /sys/kernel/debug/xperf ]] || from=user
		state=() # a Linux guest measures in its own state
	fi
	run "$xperf" --crossing vmexit --vmm "$vmm" --from "$from" --exit "$exit_all" "${state[@]}" \
		-n "$samples" --rounds "$rounds" --warmup "$warmup" --cpu "$cpu" --json --no-raw \
		-o "$tmp/$vmm.json"
	ran+=("$vmm")
done

python3 - "$tmp" "${ran[@]}" <<'PY'
import json, sys

tmp, vmms = sys.argv[1], sys.argv[2:]
docs = {}
for vmm in vmms:
    with open(f"{tmp}/{vmm}.json") as f:
        docs[vmm] = json.load(f)
first = docs[vmms[0]]
cond = first["meta"]["conditions"]
tsc = first["meta"]["tsc"]
print(f"vmexit on {cond['cpu']['model_name']}, kernel {cond['kernel']['release']}, "
      f"TSC {tsc['hz'] / 1e6:.1f} MHz")
for vmm in vmms:
    m = docs[vmm]["results"][0]["method"]
    print(f"  {vmm}: {m['vmm'].get('version', '')} timer {m['timer']}")

variants, rows, states = [], {}, []
for vmm in vmms:
    for r in docs[vmm]["results"]:
        if r["crossing"] != "vmexit":
            continue  # the control row
        v, d = r["variant"], r["detail"]
        state = d.get("guest_state", {}).get("name", "default")
        if state not in states:
            states.append(state)
        if v not in variants:
            variants.append(v)
        rows[(vmm, v)] = r
order = {"user": 0, "user-via-kernel": 1, "kernel": 2}

def where(v):
    d = next(rows[(m, v)] for m in vmms if (m, v) in rows)["detail"]
    state = d.get("guest_state", {}).get("name", "default")
    return (order.get(d["from"], 9), states.index(state), d["exit"] == "pio", v)

variants.sort(key=where)
width = max([len(v) for v in variants] + [7])
head = f"{'#':>1} {'variant':<{width}}"
for vmm in vmms:
    head += f" {vmm + ' median (q1-q3) cycles':>34} {'ns':>8} {'loop':>8}"
print(head)
for v in variants:
    any_r = next(rows[(m, v)] for m in vmms if (m, v) in rows)
    line = f"{any_r['detail']['measurement']:>1} {v:<{width}}"
    for vmm in vmms:
        r = rows.get((vmm, v))
        if r is None:
            line += f" {'-':>34} {'-':>8} {'-':>8}"
            continue
        s, ns = r["stats"], r["stats_ns"]
        loop = r["detail"].get("loop") or {}
        back_to_back = f"{loop['cycles_per_round_trip']:.0f}" if loop else "-"
        line += (f" {s['median']:>12.0f} ({s['q1']:>8.0f}-{s['q3']:<8.0f})    {ns['median']:>8.0f}"
                 f" {back_to_back:>8}")
    print(line)
print("loop: cycles of one round trip timed back to back, as kvm-unit-tests' x86/vmexit.c times "
      "its loop (detail.loop)")
for vmm in vmms:
    seen = set()
    for r in docs[vmm]["results"]:
        for n in r["notes"]:
            if n not in seen:
                seen.add(n)
                print(f"{vmm}: {n}")
PY
