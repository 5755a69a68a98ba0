#!/usr/bin/env bash
# The documentation builds: every Documentation/*.rst reads without a
# docutils warning; scripts/doc-figures.sh turns kept runs (real results of
# tests/fixtures) into one RST table with a row per run or result, and -w
# puts it between a page's markers and nowhere else; the README stays under
# 1,000 words. Exit 77 (skipped) with the reason where Debian's
# python3-docutils is missing.
set -euo pipefail

[[ $# -eq 0 ]] || {
	echo "usage: tests/scripts/docs-test.sh   (no arguments)" >&2
	exit 2
}

here=$(cd "$(dirname "$0")/../.." && pwd)
python3 -c 'import docutils' 2>/dev/null ||
	{ echo "docs-test: SKIPPED: python3-docutils is not installed (apt-get install python3-docutils)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "docs-test: FAIL: $*" >&2
	failures=$((failures + 1))
}

# rows FILE...: the body rows of each table in the FILEs, one count per
# line; fails naming the FILE on any docutils warning.
rows() {
	python3 - "$@" <<'PY'
import sys
import docutils.core
import docutils.nodes
import docutils.utils

errors = []
for path in sys.argv[1:]:
    with open(path) as f:
        try:
            tree = docutils.core.publish_doctree(
                f.read(), source_path=path,
                settings_overrides={"halt_level": 2, "report_level": 5})
        except docutils.utils.SystemMessage as e:
            errors.append(str(e))
            continue
    for table in tree.findall(docutils.nodes.table):
        print(sum(len(body.children) for body in table.findall(docutils.nodes.tbody)))
if errors:
    sys.exit("\n".join(errors))
PY
}

rows "$here"/Documentation/*.rst >/dev/null 2>"$tmp/err" || fail "$(cat "$tmp/err")"

# A kept run of each page's bench script, made of real results.
results=$here/tests/fixtures/results/all-without-kvm.json
bench=$tmp/bench
mkdir -p "$bench"
for i in 1 2 3; do
	cp "$results" "$bench/xperf-$i.json"
	printf '# Running Basic system call benchmark...\n\n     1.2%d0000 usecs/op\n' "$i" >"$bench/perf-$i.txt"
done
printf '1.00\n2.00\n' >"$bench/loadavg"
suite=$tmp/suite
mkdir -p "$suite"
cp "$here/tests/fixtures/plot/run1.json" "$suite/suite.json"
cp "$bench/loadavg" "$suite/loadavg"
expected_suite=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["results"]))' \
	"$suite/suite.json")

check_table() { # PAGE DIR ROWS
	local out=$tmp/$1.rst
	if ! FROM=$2 "$here/scripts/doc-figures.sh" "$1" >"$out" 2>"$tmp/err"; then
		fail "doc-figures.sh $1: $(cat "$tmp/err")"
		return
	fi
	local got
	got=$(rows "$out" 2>"$tmp/err") || { fail "doc-figures.sh $1: not clean RST: $(cat "$tmp/err")"; return; }
	[[ $got == "$3" ]] || fail "doc-figures.sh $1: tables of '$got' rows, expected one of $3"
	local text
	text=$(tr '\n' ' ' <"$out")
	[[ $text == *'load average 1.00 at the start, 2.00 at the end'* ]] ||
		fail "doc-figures.sh $1: the conditions paragraph does not give the load average"
	[[ $text == *'kernel 6.18.44'* ]] ||
		fail "doc-figures.sh $1: the conditions paragraph does not name the kernel"
}
check_table benchmarks "$bench" 3
check_table suites "$suite" "$expected_suite"

# -w on a copy of the tree: the table lands between the markers, the rest of
# the page is as it was, and a page without markers is refused untouched.
copy=$tmp/tree
mkdir -p "$copy/scripts" "$copy/Documentation"
cp "$here/scripts/doc-figures.sh" "$copy/scripts/"
printf 'Page\n====\n\nBefore.\n\n.. doc-figures: begin\n\nold\n\n.. doc-figures: end\n\nAfter.\n' \
	>"$copy/Documentation/benchmarks.rst"
if FROM=$bench "$copy/scripts/doc-figures.sh" -w benchmarks >"$tmp/out" 2>"$tmp/err"; then
	page=$copy/Documentation/benchmarks.rst
	grep -qx 'old' "$page" && fail "-w left the old table in the page"
	if ! grep -qx 'Before.' "$page" || ! grep -qx 'After.' "$page"; then
		fail "-w changed the page outside its markers"
	fi
	[[ $(rows "$page") == 3 ]] || fail "-w: the page has no table of three rows"
	[[ -s $tmp/out ]] && fail "-w printed on standard output: $(cat "$tmp/out")"
else
	fail "-w benchmarks: $(cat "$tmp/err")"
fi
printf 'Page\n====\n\nNo markers.\n' >"$copy/Documentation/suites.rst"
cp "$copy/Documentation/suites.rst" "$tmp/before"
if FROM=$suite "$copy/scripts/doc-figures.sh" -w suites >/dev/null 2>&1; then
	fail "-w wrote into a page without markers"
fi
cmp -s "$tmp/before" "$copy/Documentation/suites.rst" || fail "-w changed a page it refused"

words=$(wc -w <"$here/README.md")
((words < 1000)) || fail "README.md is $words words, not under 1,000"

((failures == 0)) || exit 1
echo "docs-test: every page builds, the figures tables are clean RST, README $words words"
