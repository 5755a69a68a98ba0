#!/usr/bin/env bash
# getppid, side by side in one run: xperf's per-iteration distribution and
# perf bench syscall basic's loop average, then the run-to-run spread of
# xperf's median.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/bench-getppid.sh [XPERF_USER]

Runs RUNS (default 5) alternating pairs of
  xperf-user --crossing getppid   (its defaults: the headline figure)
  perf bench syscall basic        (LOOPS calls, default its own 10000000)
pinned to CPU (default: the last one), and prints each pair, each xperf
median with its interval (from its parts), the batch xperf timed it with
and the timer's step over that batch as a share of the median, and the
run-to-run spread of both, (max - min) / median. XPERF_ARGS adds
xperf-user options (--batch 1: unbatched); KEEP=DIR keeps the results
(xperf-N.json, perf-N.txt). V=1 shows the commands.
USAGE
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -le 1 ]] || { usage >&2; exit 2; }

here=$(cd "$(dirname "$0")/.." && pwd)
xperf=${1:-$here/build/userland/userland/xperf-user}
runs=${RUNS:-5}
loops=${LOOPS:-10000000}
cpu=${CPU:-$(($(nproc) - 1))}
read -r -a extra <<<"${XPERF_ARGS:-}"

[[ -x $xperf ]] || { echo "bench: $xperf not built; run make" >&2; exit 2; }
command -v perf >/dev/null ||
	{ echo "bench: perf not found; run scripts/install-deps.sh" >&2; exit 2; }
perf bench syscall basic --loop 1000 >/dev/null 2>&1 ||
	{ echo "bench: 'perf bench syscall basic' does not run here" >&2; exit 2; }

run() {
	[[ ${V:-0} == 1 ]] && echo "+ $*" >&2
	"$@"
}

if [[ -n ${KEEP:-} ]]; then
	tmp=$KEEP
	mkdir -p "$tmp"
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
fi

for ((i = 1; i <= runs; i++)); do
	run taskset -c "$cpu" "$xperf" --crossing getppid --cpu "$cpu" --json --no-raw \
		-o "$tmp/xperf-$i.json" "${extra[@]}"
	run taskset -c "$cpu" perf bench syscall basic --loop "$loops" >"$tmp/perf-$i.txt"
done

python3 - "$tmp" "$runs" <<'PY'
import json, re, statistics, sys

tmp, runs = sys.argv[1], int(sys.argv[2])
rows = []
for i in range(1, runs + 1):
    with open(f"{tmp}/xperf-{i}.json") as f:
        doc = json.load(f)
    r = next(x for x in doc["results"] if x["crossing"] == "getppid")
    with open(f"{tmp}/perf-{i}.txt") as f:
        m = re.search(r"([0-9.]+)\s+usecs/op", f.read())
    if not m:
        sys.exit("bench: no usecs/op in perf bench output")
    ns = 1e9 / r["unit_tsc_hz"]
    ci = r["median_ci"]
    half = (ci["hi"] - ci["lo"]) / 2 * ns
    method = r["method"]
    rows.append((r["stats_ns"]["median"], r["stats_ns"]["mean"],
                 r["stats_ns"]["q1"], r["stats_ns"]["q3"], float(m.group(1)) * 1000, half,
                 ci.get("parts", 1), method.get("batch", 1),
                 method.get("resolution_cycles", 0) / r["stats"]["median"] * 100))

kernel = doc["meta"]["conditions"]["kernel"]["release"]
cpu = doc["meta"]["conditions"]["cpu"]["model_name"]
tsc = doc["meta"]["tsc"]
print(f"getppid on {cpu}, kernel {kernel}, TSC {tsc['hz'] / 1e6:.1f} MHz ({tsc['source']})")
print(f"{'run':>3} {'xperf median':>13} {'±95%':>8} {'parts':>5} {'batch':>5} {'step':>6} "
      f"{'xperf q1-q3':>15} {'xperf mean':>11} {'perf bench':>11} {'perf/median':>12}")
for i, (med, mean, q1, q3, perf, half, parts, batch, step) in enumerate(rows, 1):
    print(f"{i:>3} {med:>10.1f} ns {half:>5.1f} ns {parts:>5} {batch:>5} {step:>5.2f}% "
          f"{q1:>6.1f}-{q3:<6.1f}ns {mean:>8.1f} ns {perf:>8.1f} ns {perf / med:>12.3f}")
meds = [r[0] for r in rows]
perfs = [r[4] for r in rows]
mid = statistics.median(meds)
xspread = (max(meds) - min(meds)) / mid * 100
print(f"xperf median of medians {mid:.1f} ns, spread (max-min)/median {xspread:.1f} %; "
      f"typical ±95 % of one run {statistics.median(r[5] for r in rows) / mid * 100:.1f} %; "
      f"batch {'/'.join(str(b) for b in sorted(set(r[7] for r in rows)))}, the timer's step "
      f"over it {statistics.median(r[8] for r in rows):.2f} % of the median")
pmid = statistics.median(perfs)
print(f"perf bench median {pmid:.1f} ns/op, spread "
      f"{(max(perfs) - min(perfs)) / pmid * 100:.1f} %; "
      f"perf / xperf medians {pmid / mid:.3f}")
pspread = (max(perfs) - min(perfs)) / pmid * 100
print(f"headline stability: xperf's spread {xspread:.1f} % against perf bench's {pspread:.1f} %: "
      + ("at most perf bench's" if xspread <= pspread else "WIDER than perf bench's"))
print("xperf times each call between serialized TSC reads and subtracts the empty "
      "region; perf bench divides a loop's wall time by its count (loop included).")
PY
