#!/usr/bin/env bash
# scripts/capture-tree read back from the captured trees (-r): it copies
# every file the doctor reads and nothing else, so each copy equals the
# tree it came from; a folder that exists and a wrong flag are status 2.
set -euo pipefail

[[ $# -eq 0 ]] || {
	echo "usage: tests/scripts/capture-tree-test.sh   (no arguments)" >&2
	exit 2
}

here=$(cd "$(dirname "$0")/../.." && pwd)
capture=$here/scripts/capture-tree
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "capture-tree-test: FAIL: $*" >&2
	failures=$((failures + 1))
}

for tree in noisy isolated isolated-guest; do
	src=$here/tests/fixtures/doctor/$tree
	if ! "$capture" -r "$src" "$tmp/$tree" >"$tmp/$tree.out"; then
		fail "$tree: capture-tree failed: $(cat "$tmp/$tree.out")"
		continue
	fi
	diff -r "$src" "$tmp/$tree" >"$tmp/$tree.diff" || fail "$tree: the copy differs: $(head -5 "$tmp/$tree.diff")"
	grep -q "^capture-tree: $(find "$src" -type f | wc -l) files in " "$tmp/$tree.out" ||
		fail "$tree: the count is not that of the tree: $(cat "$tmp/$tree.out")"
done

set +e
"$capture" -r "$here/tests/fixtures/doctor/noisy" "$tmp/noisy" 2>"$tmp/exists.err"
rc=$?
set -e
[[ $rc -eq 2 ]] || fail "an existing folder: status $rc, not 2"
grep -q "exists: give a new folder" "$tmp/exists.err" || fail "an existing folder: no message"
set +e
"$capture" -x "$tmp/new" 2>/dev/null
rc=$?
set -e
[[ $rc -eq 2 ]] || fail "a wrong flag: status $rc, not 2"
[[ ! -e $tmp/new ]] || fail "a wrong flag still made the folder"

if ((failures)); then
	echo "capture-tree-test: $failures failed"
	exit 1
fi
echo "capture-tree-test: passed"
