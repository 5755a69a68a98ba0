#!/usr/bin/env bash
# The OS suite's cost at its default precision: each entry's wall time,
# the total, each median's interval, and the run-to-run spread of the null
# call's median.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/bench-suite.sh [XPERF_USER]

Runs 'xperf-user suite os' once with its defaults, timed, and prints per
entry the wall time its parts took, its median and the half-width of its
95 % interval, its rounds and why its adaptive rounds stopped, then the
total against the three-minute target. Then RUNS
(default 5) runs of the null call alone (the suite's getppid, its
defaults) and the spread of their medians, (max - min) / median.
CPU (default: the last one) is where it runs; XPERF_ARGS adds options
(SHORT=1: --rounds 3 --span 0 -n 100, a quick check that it completes);
KEEP=DIR keeps the results. V=1 shows the commands.
USAGE
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -le 1 ]] || { usage >&2; exit 2; }

here=$(cd "$(dirname "$0")/.." && pwd)
xperf=${1:-$here/build/userland/userland/xperf-user}
runs=${RUNS:-5}
cpu=${CPU:-$(($(nproc) - 1))}
read -r -a extra <<<"${XPERF_ARGS:-}"
if [[ ${SHORT:-0} == 1 ]]; then
	extra+=(--rounds 3 --span 0 -n 100 --warmup 5)
	runs=2
fi
[[ -x $xperf ]] || { echo "bench: $xperf not built; run make" >&2; exit 2; }

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

start=$(date +%s.%N)
run "$xperf" suite os --cpu "$cpu" --json --no-raw -o "$tmp/suite.json" "${extra[@]}"
end=$(date +%s.%N)
for ((i = 1; i <= runs; i++)); do
	run "$xperf" -c getppid --cpu "$cpu" --json --no-raw -o "$tmp/null-$i.json" "${extra[@]}"
done

python3 - "$tmp" "$runs" "$start" "$end" <<'PY'
import json, sys

tmp, runs, start, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
with open(f"{tmp}/suite.json") as f:
    doc = json.load(f)
print(f"{'entry':<16} {'variant':<16} {'wall s':>7} {'median ns':>11} {'±95%':>6} {'rounds':>6}  stopped")
seen = set()
for r in doc["results"]:
    ci = r.get("median_ci", {})
    med = r["stats"]["median"]
    half = (ci["hi"] - ci["lo"]) / 2 / med * 100 if med and "hi" in ci else float("nan")
    wall = r.get("method", {}).get("wall_s")
    shown = f"{wall:7.1f}" if wall is not None and r["crossing"] not in seen else " " * 7
    seen.add(r["crossing"])
    ad = r.get("method", {}).get("adaptive", {})
    rounds = len(r.get("rounds", {}).get("sizes", [])) or r.get("parts", {}).get("count", 0)
    stopped = ad.get("stopped", "-") if ad.get("mode") == "passes" else "-"
    print(f"{r['crossing']:<16} {r['variant']:<16} {shown} {r['stats_ns']['median']:11.1f} {half:5.1f}% {rounds:6d}  {stopped}")
for s in doc.get("skipped", []):
    print(f"{s['crossing']:<16} skipped: {s['reason']}")
total = end - start
print(f"total: {total:.1f} s for the whole OS suite (target: under 180 s at the defaults)")

medians = []
for i in range(1, runs + 1):
    with open(f"{tmp}/null-{i}.json") as f:
        d = json.load(f)
    r = next(x for x in d["results"] if x["crossing"] == "getppid")
    medians.append(r["stats_ns"]["median"])
mid = sorted(medians)[len(medians) // 2]
print("null call medians (ns): " + ", ".join(f"{m:.1f}" for m in medians))
print(f"null call run-to-run spread: {(max(medians) - min(medians)) / mid * 100:.1f}% over {runs} runs")
PY
