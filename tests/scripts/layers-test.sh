#!/usr/bin/env bash
# scripts/check-layers: the tree's own userland/lib passes, and each kind of
# broken rule in a made-up tree is found and named (an upward include, two
# measurements using each other, an include without its layer, a file in no
# layer, an include of no file).
set -euo pipefail

[[ $# -eq 0 ]] || {
	echo "usage: tests/scripts/layers-test.sh   (no arguments)" >&2
	exit 2
}

here=$(cd "$(dirname "$0")/../.." && pwd)
check=$here/scripts/check-layers
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "layers-test: FAIL: $*" >&2
	failures=$((failures + 1))
}

if ! out=$("$check" "$here/userland/lib"); then
	fail "the tree's own layers: $out"
fi

# A good little tree, then one broken rule at a time on a copy of it.
good=$tmp/good
mkdir -p "$good"/{core,crossings,vmexit,verify,app}
echo '#include "xperf/abi.h"' >"$good/core/tsc.h"
echo '#include "core/tsc.h"' >"$good/crossings/pgfault.cpp"
echo '#include "core/tsc.h"' >"$good/vmexit/exit_names.h"
printf '#include "vmexit/exit_names.h"\n#include "verify.skel.h"\n' >"$good/verify/tracer.cpp"
printf '#include "crossings/pgfault.cpp"\n#include "verify/tracer.cpp"\n' >"$good/app/cli.cpp"
"$check" "$good" >/dev/null || fail "a tree that keeps every rule was refused"

# broken NAME FILE TEXT EXPECTED: FILE (from the tree's root) gets TEXT;
# check-layers must exit 1 and say EXPECTED.
broken() {
	local name=$1 file=$2 text=$3 expected=$4 t=$tmp/$1 status=0
	cp -r "$good" "$t"
	mkdir -p "$(dirname "$t/$file")"
	echo "$text" >>"$t/$file"
	out=$("$check" "$t") || status=$?
	if [[ $status -ne 1 ]]; then
		fail "$name: exit status $status, not 1"
	elif [[ $out != *"$expected"* ]]; then
		fail "$name: no \"$expected\" in: $out"
	fi
}
broken upward core/tsc.h '#include "app/cli.cpp"' 'core/ includes app/cli.cpp'
broken sideways vmexit/exit_names.h '#include "crossings/pgfault.cpp"' \
	'vmexit/ includes crossings/pgfault.cpp'
broken bare crossings/pgfault.cpp '#include "tsc.h"' '"tsc.h" names no layer'
broken loose stray.cpp '// nothing' 'stray.cpp: in no layer'
broken missing app/cli.cpp '#include "core/gone.h"' '"core/gone.h" is no file'

if [[ $failures -ne 0 ]]; then
	echo "layers-test: $failures failed" >&2
	exit 1
fi
echo "layers-test: every check passed"
