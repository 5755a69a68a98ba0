#!/usr/bin/env bash
# scripts/xperf-plot on the real results of tests/fixtures/plot: each figure
# is written as a non-empty PNG and SVG, and the SVG carries the labels the
# data gives (crossing and variant names, column labels, conditions), read
# here from the same JSON; bad input is exit status 2 with a message that
# names the file, and a missing matplotlib says to run install-deps.sh.
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

# NAME.png and NAME.svg in DIR, both non-empty, and every line of stdin in
# the SVG as a whole text element or a legend's "LABEL: ..." (svg.fonttype
# none keeps text as text).
check_figure() {
	local dir=$1 name=$2 label labels
	mapfile -t labels
	for ext in png svg; do
		[[ -s $dir/$name.$ext ]] || fail "$name.$ext not written or empty"
	done
	[[ -s $dir/$name.svg ]] || return 0
	for label in "${labels[@]}"; do
		# matplotlib writes &, < and > as entities, as XML wants.
		label=${label//&/&amp;}
		label=${label//</&lt;}
		label=${label//>/&gt;}
		grep -qF -- ">$label<" "$dir/$name.svg" || grep -qF -- ">$label: " "$dir/$name.svg" ||
			fail "$name.svg lacks the label '$label' from the data"
	done
}

# A run's name of a result, as xperf-plot's figures show it.
name_expr='(r["crossing"] if r["crossing"] == r["variant"] else r["crossing"] + "/" + r["variant"])'

step "hist: one figure per result, titled from its crossing, variant and kernel"
"$plot" hist -o "$tmp/hist" "$fixtures/run1.json" || fail "hist exited with $?"
while IFS= read -r name; do
	labels_of "$fixtures/run1.json" \
		"[$name_expr for r in d['results'] if r['crossing'] + '-' + r['variant'] == '$name']" |
		check_figure "$tmp/hist" "hist-$name"
	[[ $(grep -c 'cycles' "$tmp/hist/hist-$name.svg") -ge 1 ]] ||
		fail "hist-$name.svg has no cycles axis"
done < <(labels_of "$fixtures/run1.json" '[r["crossing"] + "-" + r["variant"] for r in d["results"]]')
kernel=$(labels_of "$fixtures/run1.json" '[d["meta"]["conditions"]["kernel"]["release"]]')
grep -qF "$kernel" "$tmp/hist/hist-syscall-nr500.svg" ||
	fail "the histogram's title lacks the kernel release $kernel"

step "hist --cdf: the distribution function, one figure per result"
"$plot" hist --cdf -c syscall -o "$tmp/cdf" "$fixtures/run1.json" || fail "hist --cdf exited with $?"
labels_of "$fixtures/run1.json" "[$name_expr for r in d['results'] if r['crossing'] == 'syscall']" |
	check_figure "$tmp/cdf" cdf-syscall-nr500
[[ $(find "$tmp/cdf" -name '*.svg' | wc -l) -eq 1 ]] || fail "hist -c syscall drew more than syscall"

step "compare: one group per row, one bar per column, labelled from the columns"
"$plot" compare -o "$tmp/compare" "$fixtures/compare.json" || fail "compare exited with $?"
{
	labels_of "$fixtures/compare.json" "[$name_expr for r in d['comparison']]"
	labels_of "$fixtures/compare.json" '[c["label"] for c in d["columns"]]'
	# The condition that tells the columns apart, in their legend.
	labels_of "$fixtures/compare.json" \
		'[s for c in d["conditions_differ"] if c["key"] == "/kpti/enabled"
		  for s in (d["columns"][0]["label"] + ": kpti=" + {"true": "on", "false": "off"}[c["a"]],
			    c["label"] + ": kpti=" + {"true": "on", "false": "off"}[c["b"]])]
		 or ["(compare.json: no /kpti/enabled in conditions_differ)"]'
} | check_figure "$tmp/compare" compare

step "gates: two runs alike in every condition are told apart by their files"
"$plot" gates -o "$tmp/gates" "$fixtures/run1.json" "$fixtures/run2.json" ||
	fail "gates exited with $?"
{
	labels_of "$fixtures/run1.json" \
		"[$name_expr for r in d['results'] if r['crossing'] in ('funccall', 'syscall', 'getppid', 'alloc')]"
	echo run1
	echo run2
} | check_figure "$tmp/gates" gates
! grep -qF '>control' "$tmp/gates/gates.svg" || fail "the gate figure drew the control"

step "gates: KPTI on and off, labelled by that condition; the VM exits' fast path only"
"$plot" gates --name kpti -o "$tmp/gates" "$fixtures/patched-pti-on.json" "$fixtures/patched-pti-off.json" ||
	fail "gates of KPTI on and off exited with $?"
{
	for f in patched-pti-on patched-pti-off; do
		labels_of "$fixtures/$f.json" '["kpti=" + ("on" if d["meta"]["conditions"]["kpti"]["enabled"] else "off")]'
	done
	labels_of "$fixtures/patched-pti-on.json" \
		"[$name_expr for r in d['results'] if r['crossing'] == 'vmexit' and r['detail']['exit'] != 'pio']"
} | check_figure "$tmp/gates" kpti
kernel=$(labels_of "$fixtures/patched-pti-on.json" '[d["meta"]["conditions"]["kernel"]["release"]]')
grep -qF ">$kernel, " "$tmp/gates/kpti.svg" || fail "the title of kpti.svg lacks the shared kernel $kernel"
! grep -qF 'vmexit/pio/' "$tmp/gates/kpti.svg" || fail "the gate figure drew pio, a VMM round trip"

step "bad input: exit status 2 and a message naming the file and what is wrong"
expect_bad() {
	local what=$1 want=$2 rc=0
	shift 2
	"$plot" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[[ $rc -eq 2 ]] || fail "$what: exit status $rc, not 2"
	grep -qF -- "$want" "$tmp/err" || fail "$what: the message lacks '$want': $(cat "$tmp/err")"
	[[ ! -s $tmp/out ]] || fail "$what: wrote to standard output"
}
head -c 300 "$fixtures/run1.json" >"$tmp/corrupt.json"
expect_bad "a truncated JSON" "$tmp/corrupt.json: not JSON" hist -o "$tmp/bad" "$tmp/corrupt.json"
expect_bad "a missing file" "$tmp/none.json: no such file" gates -o "$tmp/bad" "$tmp/none.json"
"$python" -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["results"][1]["stats"]["median"] = "fast"
json.dump(d, open(sys.argv[2], "w"))' "$fixtures/run1.json" "$tmp/string-median.json"
expect_bad "a median that is text" "results[1].stats.median is a string, not a number" \
	gates -o "$tmp/bad" "$tmp/string-median.json"
expect_bad "a result file given to compare" "no comparison" compare -o "$tmp/bad" "$fixtures/run1.json"
[[ ! -e $tmp/bad ]] || [[ -z $(ls -A "$tmp/bad") ]] || fail "bad input left figures behind"

step "no matplotlib: exit status 2 and what to run"
mkdir -p "$tmp/nompl/matplotlib"
echo 'raise ImportError("No module named matplotlib")' >"$tmp/nompl/matplotlib/__init__.py"
PYTHONPATH=$tmp/nompl expect_bad "matplotlib missing" "run scripts/install-deps.sh" \
	hist -o "$tmp/bad" "$fixtures/run1.json"

if [[ -s $tmp/failures ]]; then
	echo "plot-test: $(wc -l <"$tmp/failures") failures" >&2
	exit 1
fi
echo "plot-test: ok"
