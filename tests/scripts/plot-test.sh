#!/usr/bin/env bash
# scripts/xperf-plot on the real results of tests/fixtures/plot: each kind
# of figure is drawn as SVG, whose texts (read by svg-figure.py) carry the
# title, the unit and the labels the data gives (crossing and variant names,
# run labels, conditions), read here from the same JSON; a histogram's bins
# are the timer's step and its median and interval hide no bar; -o names a
# file, a folder only for several figures; bad input (a crossing the file
# does not hold among it) is exit status 2 with a message that names the
# file, and a missing matplotlib says to run install-deps.sh.
# Exit 77 (skipped) without Debian's python3-matplotlib.
set -euo pipefail

usage() {
	echo "usage: tests/scripts/plot-test.sh   (no arguments; V=1 shows each step)"
}
[[ $# -eq 0 ]] || {
	usage >&2
	exit 2
}

here=$(cd "$(dirname "$0")/../.." && pwd)
plot=$here/scripts/xperf-plot
fixtures=$here/tests/fixtures/plot
# The interpreter of xperf-plot's first line: the one Debian's package serves.
python=$(sed -n '1s/^#!//p' "$plot")
if ! "$python" -c 'import matplotlib' 2>/dev/null; then
	echo "plot-test: skipped: $python has no matplotlib (scripts/install-deps.sh installs python3-matplotlib)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step() { [[ ${V:-0} != 1 ]] || echo "plot-test: $*"; }
# Counted in a file: check_figure runs at the end of a pipeline, in a subshell.
fail() {
	echo "plot-test: FAIL: $*" | tee -a "$tmp/failures" >&2
}

# Values of a JSON file, one a line: a Python expression over the parsed
# file d, which yields strings.
labels_of() {
	"$python" -c 'import json, sys
d = json.load(open(sys.argv[1]))
for s in eval("(" + sys.argv[2] + ")"):
    print(s)' "$1" "$2"
}

svg=$here/tests/scripts/svg-figure.py

# FILE written and non-empty, and every line of stdin a whole text of the
# SVG or the start of one ("LABEL: ..." of a legend).
check_figure() {
	local file=$1 label labels
	mapfile -t labels
	[[ -s $file ]] || {
		fail "$file not written or empty"
		return 0
	}
	[[ $file == *.svg ]] || return 0
	"$python" "$svg" texts "$file" >"$tmp/texts"
	for label in "${labels[@]}"; do
		grep -qxF -- "$label" "$tmp/texts" || grep -qF -- "$label: " "$tmp/texts" ||
			fail "$(basename "$file") lacks the label '$label' from the data"
	done
	# A column is named from its data, never by compare's bare letters.
	! grep -qxE '[A-Z]' "$tmp/texts" || fail "$(basename "$file") names a column by a bare letter"
}

# A text of the SVG holding the given string.
has_text() {
	"$python" "$svg" texts "$1" >"$tmp/texts"
	grep -qF -- "$2" "$tmp/texts" || fail "$(basename "$1") has no text with '$2'"
}

# A run's name of a result, as xperf-plot's figures show it.
name_expr='(r["crossing"] if r["crossing"] == r["variant"] else r["crossing"] + "/" + r["variant"])'

step "hist: several results go to a folder, said on standard error; each titled from its result and kernel"
"$plot" hist --format svg -o "$tmp/hist/" "$fixtures/run1.json" 2>"$tmp/err" || fail "hist exited with $?"
grep -qF "in the folder $tmp/hist/" "$tmp/err" || fail "hist into a folder did not say so: $(cat "$tmp/err")"
kernel=$(labels_of "$fixtures/run1.json" '[d["meta"]["conditions"]["kernel"]["release"]]')
while IFS= read -r name; do
	labels_of "$fixtures/run1.json" \
		"[$name_expr + ', ' + str(len(r['raw_cycles'])) + ' samples'
		  for r in d['results'] if r['crossing'] + '-' + r['variant'] == '$name']" |
		check_figure "$tmp/hist/hist-$name.svg"
	has_text "$tmp/hist/hist-$name.svg" "$kernel"
	has_text "$tmp/hist/hist-$name.svg" "cycles"
done < <(labels_of "$fixtures/run1.json" '[r["crossing"] + "-" + r["variant"] for r in d["results"]]')

step "hist: bins of one timer step, the median and its interval above every bar"
step_of() { labels_of "$1" "[str(r['method']['resolution_cycles']) for r in d['results'] if r['crossing'] == '$2']"; }
for crossing in getppid syscall; do
	out=$("$python" "$svg" hist "$tmp/hist/hist-$crossing-$(labels_of "$fixtures/run1.json" \
		"[r['variant'] for r in d['results'] if r['crossing'] == '$crossing']").svg" \
		"$(step_of "$fixtures/run1.json" $crossing)") || fail "$out"
done
has_text "$tmp/hist/hist-getppid-getppid.svg" "a bin is one timer step of $(step_of "$fixtures/run1.json" getppid | sed 's/\.0$//') cycles"

step "hist: a bandwidth in MB/s, its median converted from cycles"
"$plot" hist -c bw-mem-read -o "$tmp/bw.svg" "$fixtures/bandwidth-1.json" || fail "hist of a bandwidth exited with $?"
out=$("$python" "$svg" hist "$tmp/bw.svg" 0) || fail "$out"
mbps=$(labels_of "$fixtures/bandwidth-1.json" \
	"['%.0f' % (r['detail']['bytes_per_iteration'] * r['unit_tsc_hz'] / r['stats']['median'] / 1e6)
	  for r in d['results'] if r['crossing'] == 'bw-mem-read']")
has_text "$tmp/bw.svg" "median $mbps MB/s"
has_text "$tmp/bw.svg" "MB/s (10^6 bytes a second)"

step "hist --cdf: the distribution function of one result, -o a PNG file"
"$plot" hist --cdf -c syscall -o "$tmp/cdf.png" "$fixtures/run1.json" 2>"$tmp/err" || fail "hist --cdf exited with $?"
[[ -f $tmp/cdf.png && $(head -c 8 "$tmp/cdf.png" | od -An -c | tr -d ' ') == '211PNG\r\n032\n' ]] ||
	fail "-o cdf.png did not write a PNG file"
[[ ! -s $tmp/err ]] || fail "one figure to a file said something: $(cat "$tmp/err")"

step "compare: one group per row, one bar per column, labelled from the columns' files and conditions"
"$plot" compare -o "$tmp/compare.svg" "$fixtures/compare.json" || fail "compare exited with $?"
{
	labels_of "$fixtures/compare.json" "[$name_expr for r in d['comparison']]"
	# The condition that tells the columns apart, in their legend.
	labels_of "$fixtures/compare.json" \
		'[s for c in d["conditions_differ"] if c["key"] == "/kpti/enabled"
		  for s in (d["columns"][0]["files"][0][:-5] + ": kpti=" + {"true": "on", "false": "off"}[c["a"]],
			    d["columns"][1]["files"][0][:-5] + ": kpti=" + {"true": "on", "false": "off"}[c["b"]])]
		 or ["(compare.json: no /kpti/enabled in conditions_differ)"]'
	echo cycles
} | check_figure "$tmp/compare.svg"
has_text "$tmp/compare.svg" "patched-pti-off against patched-pti-on"
kernel=$(labels_of "$fixtures/patched-pti-on.json" '[d["meta"]["conditions"]["kernel"]["release"]]')
has_text "$tmp/compare.svg" "$kernel"

step "compare: latencies in cycles beside bandwidths in MB/s"
"$plot" compare -o "$tmp/bw-compare.svg" "$fixtures/bandwidth-compare.json" || fail "compare of bandwidths exited with $?"
printf '%s\n' cycles MB/s bandwidth-1 bandwidth-2 getppid bw-mem-read/sum-64k | check_figure "$tmp/bw-compare.svg"

step "compare: runs of one name in two folders are told apart by their paths"
mkdir -p "$tmp/same/a" "$tmp/same/b"
cp "$fixtures/bandwidth-1.json" "$tmp/same/a/run.json"
cp "$fixtures/bandwidth-2.json" "$tmp/same/b/run.json"
"$python" -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["columns"][0]["files"], d["columns"][1]["files"] = ["a/run.json"], ["b/run.json"]
json.dump(d, open(sys.argv[2], "w"))' "$fixtures/bandwidth-compare.json" "$tmp/same/compare.json"
"$plot" compare -o "$tmp/same.svg" "$tmp/same/compare.json" || fail "compare of runs of one name exited with $?"
printf '%s\n' a/run b/run MB/s | check_figure "$tmp/same.svg"

step "gates: two runs alike in every condition are told apart by their files"
"$plot" gates -o "$tmp/gates.svg" "$fixtures/run1.json" "$fixtures/run2.json" || fail "gates exited with $?"
{
	labels_of "$fixtures/run1.json" \
		"[$name_expr for r in d['results'] if r['crossing'] in ('funccall', 'syscall', 'getppid', 'alloc')]"
	printf '%s\n' run1 run2 cycles
} | check_figure "$tmp/gates.svg"
"$python" "$svg" texts "$tmp/gates.svg" >"$tmp/texts"
! grep -q '^control' "$tmp/texts" || fail "the gate figure drew the control"

step "gates: one labelled run, its label and kernel in the title"
"$plot" gates -o "$tmp/baseline.svg" "$fixtures/gates-baseline.json" || fail "gates of one run exited with $?"
labels_of "$fixtures/gates-baseline.json" '[d["meta"]["label"]]' | check_figure "$tmp/baseline.svg"
has_text "$tmp/baseline.svg" \
	"$(labels_of "$fixtures/gates-baseline.json" '[d["meta"]["label"] + ", " + d["meta"]["conditions"]["kernel"]["release"]]')"

step "gates: KPTI on and off, labelled by that condition; the VM exits' fast path only"
"$plot" gates -o "$tmp/kpti.svg" "$fixtures/patched-pti-on.json" "$fixtures/patched-pti-off.json" ||
	fail "gates of KPTI on and off exited with $?"
{
	for f in patched-pti-on patched-pti-off; do
		labels_of "$fixtures/$f.json" '["kpti=" + ("on" if d["meta"]["conditions"]["kpti"]["enabled"] else "off")]'
	done
	labels_of "$fixtures/patched-pti-on.json" \
		"[$name_expr for r in d['results'] if r['crossing'] == 'vmexit' and r['detail']['exit'] != 'pio']"
} | check_figure "$tmp/kpti.svg"
has_text "$tmp/kpti.svg" "$kernel, "
! grep -qF 'vmexit/pio/' "$tmp/kpti.svg" || fail "the gate figure drew pio, a VMM round trip"

step "gates: a bandwidth in its own panel, in MB/s"
"$plot" gates -c getppid,bw-mem-read -o "$tmp/gates-bw.svg" "$fixtures/bandwidth-1.json" ||
	fail "gates of a bandwidth exited with $?"
printf '%s\n' cycles MB/s getppid bw-mem-read/sum-64k "$mbps" | check_figure "$tmp/gates-bw.svg"

step "bad input: exit status 2 and a message naming the file and what is wrong"
expect_bad() {
	local what=$1 want=$2 rc=0
	shift 2
	"$plot" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[[ $rc -eq 2 ]] || fail "$what: exit status $rc, not 2"
	grep -qF -- "$want" "$tmp/err" || fail "$what: the message lacks '$want': $(cat "$tmp/err")"
	[[ ! -s $tmp/out ]] || fail "$what: wrote to standard output"
}
mkdir "$tmp/bad"
head -c 300 "$fixtures/run1.json" >"$tmp/corrupt.json"
expect_bad "a truncated JSON" "$tmp/corrupt.json: not JSON" hist -o "$tmp/bad/x.png" "$tmp/corrupt.json"
expect_bad "a missing file" "$tmp/none.json: no such file" gates -o "$tmp/bad/x.png" "$tmp/none.json"
"$python" -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["results"][1]["stats"]["median"] = "fast"
json.dump(d, open(sys.argv[2], "w"))' "$fixtures/run1.json" "$tmp/string-median.json"
expect_bad "a median that is text" "results[1].stats.median is a string, not a number" \
	gates -o "$tmp/bad/x.png" "$tmp/string-median.json"
expect_bad "a result file given to compare" "no comparison" compare -o "$tmp/bad/x.png" "$fixtures/run1.json"
expect_bad "hist of a crossing the file does not hold" "$fixtures/run1.json: no result of pgfault: it holds" \
	hist -c pgfault -o "$tmp/bad/x.png" "$fixtures/run1.json"
expect_bad "gates of a crossing no file holds" "no result of pgfault in" \
	gates -c getppid,pgfault -o "$tmp/bad/x.png" "$fixtures/run1.json"
expect_bad "several figures to one file" "names one file, but 7 figures" \
	hist -o "$tmp/bad/hist.png" "$fixtures/run1.json"
expect_bad "a figure in an unknown format" "end the file's name in one of them" \
	gates -o "$tmp/bad/gates.txt" "$fixtures/run1.json"
expect_bad "a figure in a folder not there" "no folder" \
	gates -o "$tmp/bad/none/gates.png" "$fixtures/run1.json"
expect_bad "one figure to a folder" "is a folder: -o names the figure's file" \
	compare -o "$tmp/bad/" "$fixtures/compare.json"
expect_bad "one figure to a name without a format" "end the file's name in one of them" \
	gates -o "$tmp/bad/gates" "$fixtures/run1.json"
[[ -z $(ls -A "$tmp/bad") ]] || fail "bad input left something behind: $(ls -A "$tmp/bad")"

step "no matplotlib: exit status 2 and what to run"
mkdir -p "$tmp/nompl/matplotlib"
echo 'raise ImportError("No module named matplotlib")' >"$tmp/nompl/matplotlib/__init__.py"
PYTHONPATH=$tmp/nompl expect_bad "matplotlib missing" "run scripts/install-deps.sh" \
	hist -o "$tmp/bad/x.png" "$fixtures/run1.json"

if [[ -s $tmp/failures ]]; then
	echo "plot-test: $(wc -l <"$tmp/failures") failures" >&2
	exit 1
fi
echo "plot-test: ok"
