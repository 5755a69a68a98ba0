#!/usr/bin/env bash
# The statistics benchmarked on real runs of this machine: how often compare
# calls two runs of the same thing different (A/A), the smallest known extra
# cost it finds in 95 % of pairs, perf bench's run-to-run spread in the same
# session, and how long compare takes.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/bench-compare.sh [XPERF_USER]

For each of PAIRS (default 20) pairs k, in this order: two plain runs of
  xperf-user --crossing getppid   (the defaults: 10 parts of 3000)
then one run per INJECT level (default "100 150 200 300 400" dependent adds in
each timed region but the control's, --inject-adds), pinned to CPU
(default: the last one). Then
  A/A: compare plain 2k against plain 2k+1: the share called significant;
  injected: plain 2k against each level: the share detected (significant,
  B above A), and the smallest level found in at least 95 % of pairs;
  PERF_RUNS (default 5) runs of perf bench syscall basic: their spread;
  headline stability: the spread of the first five plain runs' getppid
  medians beside perf bench's;
  the time compare takes for two full default runs (every crossing) and for
  a hundred result files (two columns of fifty runs).
SPAN: --span of each run (default 10, xperf's own). SHORT=1: two pairs, one
level, one perf run, --span 1; it only shows that it runs.
KEEP=DIR keeps every result and comparison in DIR. V=1 shows the commands.
USAGE
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -le 1 ]] || { usage >&2; exit 2; }

here=$(cd "$(dirname "$0")/.." && pwd)
xperf=${1:-$here/build/userland/userland/xperf-user}
if [[ ${SHORT:-0} == 1 ]]; then
	pairs=${PAIRS:-2} levels=${INJECT:-200} perf_runs=${PERF_RUNS:-1} span=${SPAN:-1}
else
	pairs=${PAIRS:-20} levels=${INJECT:-100 150 200 300 400} perf_runs=${PERF_RUNS:-5}
	span=${SPAN:-10}
fi
cpu=${CPU:-$(($(nproc) - 1))}

[[ -x $xperf ]] || { echo "bench-compare: $xperf not built; run make" >&2; exit 2; }

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

measure() { # OUT [extra options]
	local out=$1
	shift
	run taskset -c "$cpu" "$xperf" --crossing getppid --cpu "$cpu" --span "$span" --json \
		--no-raw -o "$out" "$@"
}

for ((k = 0; k < pairs; k++)); do
	measure "$tmp/plain-$((2 * k)).json"
	measure "$tmp/plain-$((2 * k + 1)).json"
	for l in $levels; do
		measure "$tmp/inject-$l-$k.json" --inject-adds "$l"
	done
done
for ((k = 0; k < pairs; k++)); do
	run "$xperf" compare --json -o "$tmp/aa-$k.cmp" \
		"$tmp/plain-$((2 * k)).json" "$tmp/plain-$((2 * k + 1)).json"
	for l in $levels; do
		run "$xperf" compare --json -o "$tmp/inj-$l-$k.cmp" \
			"$tmp/plain-$((2 * k)).json" "$tmp/inject-$l-$k.json"
	done
done

perf_ok=1
if ! command -v perf >/dev/null || ! perf bench syscall basic --loop 1000 >/dev/null 2>&1; then
	perf_ok=0
fi
for ((i = 1; perf_ok && i <= perf_runs; i++)); do
	run taskset -c "$cpu" perf bench syscall basic >"$tmp/perf-$i.txt"
done

# compare's own speed: two full default runs, and a hundred result files
# (SHORT: two small runs of everything; it only shows that it works).
full=()
[[ ${SHORT:-0} == 1 ]] && full=(-n 300 --span 0)
for i in 1 2; do
	run "$xperf" --crossing all --cpu "$cpu" --json -o "$tmp/full-$i.json" "${full[@]}" \
		2>/dev/null
done
now() { date +%s.%N; }
t0=$(now)
run "$xperf" compare "$tmp/full-1.json" "$tmp/full-2.json" >/dev/null
t1=$(now)
hundred=()
for ((i = 0; ${#hundred[@]} < 100; i++)); do
	hundred+=("$tmp/plain-$((i % (2 * pairs))).json")
done
half=$(IFS=,; echo "${hundred[*]:0:50}")
other=$(IFS=,; echo "${hundred[*]:50:50}")
run "$xperf" compare "$half" "$other" >/dev/null
t2=$(now)

python3 - "$tmp" "$pairs" "$levels" "$perf_ok" "$perf_runs" "$t0" "$t1" "$t2" <<'PY'
import glob, json, re, statistics, sys

tmp, pairs, levels, perf_ok, perf_runs = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), \
    sys.argv[4] == "1", int(sys.argv[5])
t0, t1, t2 = map(float, sys.argv[6:9])

def row(path, crossing="getppid"):
    with open(path) as f:
        doc = json.load(f)
    return next(r for r in doc["comparison"] if r["crossing"] == crossing), doc

def figure(path):
    with open(path) as f:
        doc = json.load(f)
    r = next(r for r in doc["results"] if r["crossing"] == "getppid")
    return r["stats"]["median"], r["median_ci"], doc

aa = [row(f"{tmp}/aa-{k}.cmp")[0] for k in range(pairs)]
false_pos = sum(r["significant"] for r in aa)
def control_moved(k):
    against = row(f"{tmp}/aa-{k}.cmp")[1]["control"]["against_first"]
    return bool(against and against[0] and against[0]["moved"])
moved = sum(control_moved(k) for k in range(pairs))
med, ci, doc = figure(f"{tmp}/plain-0.json")
print(f"getppid on {doc['meta']['conditions']['cpu']['model_name']}, kernel "
      f"{doc['meta']['conditions']['kernel']['release']}, KPTI "
      f"{doc['meta']['conditions']['kpti']['enabled']}")
meds = [figure(f"{tmp}/plain-{i}.json")[0] for i in range(2 * pairs)]
mid = statistics.median(meds)
half = statistics.median((figure(f"{tmp}/plain-{i}.json")[1]["hi"] -
                          figure(f"{tmp}/plain-{i}.json")[1]["lo"]) / 2 for i in range(2 * pairs))
print(f"{2 * pairs} plain runs: median of medians {mid:.0f} cycles, sd {statistics.pstdev(meds):.1f}, "
      f"spread (max-min)/median {(max(meds) - min(meds)) / mid * 100:.1f} %, typical 95 % "
      f"half-interval {half:.1f} cycles ({half / mid * 100:.1f} %)")
print(f"A/A: {false_pos} of {pairs} pairs significant ({false_pos / pairs * 100:.0f} %); "
      f"control moved in {moved}")
smallest = None
for l in levels:
    rows = [row(f"{tmp}/inj-{l}-{k}.cmp")[0] for k in range(pairs)]
    found = sum(r["significant"] and r["diff"] > 0 for r in rows)
    diff = statistics.median(r["diff"] for r in rows)
    print(f"injected {l:>4} adds: median B-A {diff:6.1f} cycles ({diff / mid * 100:4.1f} %), "
          f"detected in {found} of {pairs} ({found / pairs * 100:.0f} %)")
    if smallest is None and found >= 0.95 * pairs:
        smallest = (l, diff)
if smallest:
    print(f"smallest injected difference found in 95 % of pairs: {smallest[0]} adds, "
          f"{smallest[1]:.1f} cycles ({smallest[1] / mid * 100:.1f} % of getppid)")
else:
    print("no injected level was found in 95 % of pairs")
if perf_ok:
    perfs = []
    for i in range(1, perf_runs + 1):
        with open(f"{tmp}/perf-{i}.txt") as f:
            perfs.append(float(re.search(r"([0-9.]+)\s+usecs/op", f.read()).group(1)) * 1000)
    pm = statistics.median(perfs)
    print(f"perf bench syscall basic, {perf_runs} runs: median {pm:.1f} ns/op, spread "
          f"(max-min)/median {(max(perfs) - min(perfs)) / pm * 100:.1f} %")
    five = meds[:min(5, len(meds))]
    print(f"headline: getppid median over the first {len(five)} plain runs: spread "
          f"{(max(five) - min(five)) / statistics.median(five) * 100:.1f} % (perf bench, "
          f"taken after them: {(max(perfs) - min(perfs)) / pm * 100:.1f} %; make bench "
          f"alternates the two)")
else:
    print("perf bench syscall basic: not available here")
print(f"compare of two full default runs: {t1 - t0:.2f} s; of 100 result files "
      f"(two columns of 50): {t2 - t1:.2f} s")
PY
