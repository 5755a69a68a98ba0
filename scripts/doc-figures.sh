#!/usr/bin/env bash
# The table of current figures of a Documentation page, from a real run,
# as reStructuredText, headed by the machine and conditions it came from.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/doc-figures.sh [-w] PAGE [XPERF_USER]

Runs what Documentation/PAGE.rst shows figures of and prints its table of
current figures as reStructuredText, after a paragraph that names the
machine and the conditions of the run (from the results' meta.conditions,
the load average at its start and end, what doctor warned about). PAGE:

  benchmarks  getppid by xperf-user beside perf bench syscall basic:
              scripts/bench-getppid.sh (RUNS pairs, default 5)
  suites      the OS suite at its defaults: scripts/bench-suite.sh (RUNS=1)

-w writes the table into the page instead, between its lines
'.. doc-figures: begin' and '.. doc-figures: end'.
FROM=DIR formats the results a run kept in DIR (KEEP=DIR) instead of
running again. CPU and XPERF_ARGS go to the bench script. Quiet but for
the table; V=1 shows the commands and the bench script's own report, on
standard error.
USAGE
}

write=0
[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ ${1:-} == -w ]] && { write=1; shift; }
[[ $# -ge 1 && $# -le 2 ]] || { usage >&2; exit 2; }
page=$1
shift

here=$(cd "$(dirname "$0")/.." && pwd)
case $page in
benchmarks) bench=$here/scripts/bench-getppid.sh ;;
suites) bench=$here/scripts/bench-suite.sh ;;
*) echo "doc-figures: $page: no table of figures for that page (benchmarks, suites)" >&2; exit 2 ;;
esac
rst=$here/Documentation/$page.rst

run() {
	[[ ${V:-0} == 1 ]] && echo "+ $*" >&2
	"$@"
}

if [[ -n ${FROM:-} ]]; then
	dir=$FROM
	[[ -f $dir/loadavg ]] || { echo "doc-figures: $dir: no run kept there (KEEP=DIR)" >&2; exit 2; }
else
	if [[ -n ${KEEP:-} ]]; then
		dir=$KEEP
		mkdir -p "$dir"
	else
		dir=$(mktemp -d)
		trap 'rm -rf "$dir"' EXIT
	fi
	cut -d' ' -f1 /proc/loadavg >"$dir/loadavg"
	# The bench script's report goes to a file; V=1 shows it.
	runs=${RUNS:-5}
	[[ $page == suites ]] && runs=${RUNS:-1}
	if ! run env RUNS="$runs" KEEP="$dir" "$bench" "$@" >"$dir/bench.txt"; then
		cat "$dir/bench.txt" >&2
		echo "doc-figures: $bench failed" >&2
		exit 1
	fi
	if [[ ${V:-0} == 1 ]]; then cat "$dir/bench.txt" >&2; fi
	cut -d' ' -f1 /proc/loadavg >>"$dir/loadavg"
fi

table=$(python3 - "$page" "$dir" <<'PY'
import glob, json, re, sys

page, dir = sys.argv[1], sys.argv[2]


def load(path):
    with open(path) as f:
        return json.load(f)


def simple_table(header, rows):
    """An RST simple table: a column per header, right-aligned numbers."""
    cells = [header] + rows
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    rule = "  ".join("=" * w for w in widths)
    numeric = [all(re.fullmatch(r"[-+0-9.,%±]+|-", r[i]) for r in rows) for i in range(len(header))]

    def line(r):
        return "  ".join(c.rjust(w) if num else c.ljust(w)
                         for c, w, num in zip(r, widths, numeric)).rstrip()
    return "\n".join([rule, line(header), rule] + [line(r) for r in rows] + [rule])


def conditions(doc, what):
    c = doc["meta"]["conditions"]
    cpu = c["cpu"]
    tsc = doc["meta"]["tsc"]
    with open(f"{dir}/loadavg") as f:
        load_avg = f.read().split()
    host = ", under a hypervisor" if c.get("virtualization", {}).get("hypervisor") else ""
    kpti = {True: "on", False: "off"}.get(c.get("kpti", {}).get("enabled"), "unknown")
    smt = "on" if c.get("smt", {}).get("active") else "off"
    clock = c.get("tsc", {}).get("clocksource") or "unknown"
    warned = sorted({w["check"] for w in doc["meta"].get("warned") or []})
    text = (f"{what} by xperf-user {doc['version']} on {cpu['model_name']} "
            f"({cpu['logical_cpus']} CPUs{host}, SMT {smt}), kernel "
            f"{c['kernel']['release']}, KPTI {kpti}, clocksource {clock}, "
            f"TSC {tsc['hz'] / 1e6:.1f} MHz ({tsc['source']}); load average "
            f"{load_avg[0]} at the start, {load_avg[-1]} at the end; "
            f"doctor warned: {', '.join(warned) if warned else 'nothing'}.")
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > 72:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    return "\n".join(lines + [cur])


def benchmarks():
    rows, doc = [], None
    n = len(glob.glob(f"{dir}/xperf-*.json"))
    for i in range(1, n + 1):
        doc = load(f"{dir}/xperf-{i}.json")
        r = next(x for x in doc["results"] if x["crossing"] == "getppid")
        with open(f"{dir}/perf-{i}.txt") as f:
            m = re.search(r"([0-9.]+)\s+usecs/op", f.read())
        if not m:
            sys.exit(f"doc-figures: no usecs/op in {dir}/perf-{i}.txt")
        ns = r["stats_ns"]
        ci = r["median_ci"]
        half = (ci["hi"] - ci["lo"]) / 2 * 1e9 / r["unit_tsc_hz"]
        method = r["method"]
        step = method.get("resolution_cycles", 0) / r["stats"]["median"] * 100
        perf = float(m.group(1)) * 1000
        rows.append([str(i), f"{ns['median']:.1f}", f"±{half:.1f}", str(ci.get("parts", 1)),
                     str(method.get("batch", 1)), f"{step:.2f}%", f"{ns['q1']:.1f}",
                     f"{ns['q3']:.1f}", f"{ns['mean']:.1f}", f"{perf:.1f}",
                     f"{perf / ns['median']:.3f}"])
    if doc is None:
        sys.exit(f"doc-figures: no xperf-N.json in {dir}")
    print(conditions(doc, f"getppid in ns, {n} pairs of runs,"))
    print()
    print(simple_table(["run", "median", "±95%", "parts", "batch", "step", "q1", "q3", "mean",
                        "perf bench", "perf / median"], rows))


def suites():
    doc = load(f"{dir}/suite.json")
    rows = []
    for r in doc["results"]:
        med_ns = r["stats_ns"]["median"]
        ci = r.get("median_ci", {})
        med = r["stats"]["median"]
        half = f"±{(ci['hi'] - ci['lo']) / 2 / med * 100:.1f}%" if med and "hi" in ci else "-"
        per = (r.get("detail") or {}).get("bytes_per_iteration")
        if isinstance(per, (int, float)) and med_ns > 0:
            figure, unit = per / med_ns * 1e3, "MB/s"
        else:
            figure, unit = med_ns / 1e3, "µs"
        shown = f"{figure:#.3g}" if figure < 100 else f"{figure:.0f}"
        ad = r.get("method", {}).get("adaptive", {})
        rounds = len(r.get("rounds", {}).get("sizes", [])) or r.get("parts", {}).get("count", 0)
        stopped = ad.get("stopped", "-") if ad.get("mode") == "passes" else "-"
        rows.append([r["crossing"], r["variant"], shown, unit, half, str(rounds), stopped])
    print(conditions(doc, "The OS suite at its defaults, run"))
    print()
    print(simple_table(["entry", "variant", "median", "unit", "±95%", "rounds", "stopped"], rows))
    for s in doc.get("skipped", []):
        print(f"\nSkipped: ``{s['crossing']}``: {s['reason']}")


benchmarks() if page == "benchmarks" else suites()
PY
)

if ((write)); then
	python3 - "$rst" "$table" <<'PY'
import sys

path, table = sys.argv[1], sys.argv[2]
begin, end = ".. doc-figures: begin\n", ".. doc-figures: end\n"
with open(path) as f:
    text = f.read()
if text.count(begin) != 1 or text.count(end) != 1:
    sys.exit(f"doc-figures: {path}: needs one '{begin.strip()}' and one '{end.strip()}' line")
head, rest = text.split(begin)
_, tail = rest.split(end)
with open(path, "w") as f:
    f.write(f"{head}{begin}\n{table}\n\n{end}{tail}")
PY
	if [[ ${V:-0} == 1 ]]; then echo "doc-figures: wrote the table into $rst" >&2; fi
else
	printf '%s\n' "$table"
fi
