#!/usr/bin/env bash
# The six VM-exit round trips, built-in VMM, QEMU and this kernel as a guest
# side by side: medians with quartiles, in cycles and ns, as the guest
# measured them.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/bench-vmexit.sh [XPERF_USER]

Runs xperf-user --crossing vmexit --json once with each of --vmm builtin,
--vmm qemu and --vmm guest (SAMPLES per round, default 10000; ROUNDS,
default 3; WARMUP, default 1000; pinned to CPU, default 0) and prints each
variant's median and quartiles side by side, with the measurement number of
the table in Documentation/vmexit.rst. --vmm guest measures this kernel's
own exits to the hypervisor running it: skipped on bare metal, and only
--from user (rows 1, 2) while xperf.ko is not loaded. VMMS="builtin" runs
only the built-in VMM. V=1 shows the commands.
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
	from=all
	if [[ $vmm == guest ]]; then
		if ! grep -qw hypervisor /proc/cpuinfo; then
			echo "bench: --vmm guest skipped: this kernel runs on bare metal" >&2
			continue
		fi
		[[ -d /sys/kernel/debug/xperf ]] || from=user
	fi
	run "$xperf" --crossing vmexit --vmm "$vmm" --from "$from" -n "$samples" \
		--rounds "$rounds" --warmup "$warmup" --cpu "$cpu" --json --no-raw -o "$tmp/$vmm.json"
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

variants, rows = [], {}
for vmm in vmms:
    for r in docs[vmm]["results"]:
        v = r["variant"]
        if v not in variants:
            variants.append(v)
        rows[(vmm, v)] = r
order = {"user": 0, "user-via-kernel": 1, "kernel": 2}
variants.sort(key=lambda v: (order.get(v.split("/")[1], 9), v.split("/")[0] == "pio", v))

head = f"{'#':>1} {'variant':<22}"
for vmm in vmms:
    head += f" {vmm + ' median (q1-q3) cycles':>34} {'ns':>8}"
print(head)
for v in variants:
    any_r = next(rows[(m, v)] for m in vmms if (m, v) in rows)
    line = f"{any_r['detail']['measurement']:>1} {v:<22}"
    for vmm in vmms:
        r = rows.get((vmm, v))
        if r is None:
            line += f" {'-':>34} {'-':>8}"
            continue
        s, ns = r["stats"], r["stats_ns"]
        line += f" {s['median']:>12.0f} ({s['q1']:>8.0f}-{s['q3']:<8.0f})    {ns['median']:>8.0f}"
    print(line)
for vmm in vmms:
    seen = set()
    for r in docs[vmm]["results"]:
        for n in r["notes"]:
            if n not in seen:
                seen.add(n)
                print(f"{vmm}: {n}")
PY
