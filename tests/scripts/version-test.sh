#!/usr/bin/env bash
# cmake/version.cmake, as each build runs it: the project version outside a
# git tree, git describe's string inside one (the project version and -g in
# front of a bare commit id, a tag's v dropped, -dirty for an edit), a new
# string after a new commit, and the header left untouched (so nothing is
# compiled again) when the string is the same.
set -euo pipefail

[[ $# -eq 0 ]] || {
	echo "usage: tests/scripts/version-test.sh   (no arguments)" >&2
	exit 2
}

here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "version-test: FAIL: $*" >&2
	failures=$((failures + 1))
}

src=$tmp/src
header=$tmp/xperf_version.h
mkdir -p "$src"
# What the build's header says for src as it stands.
version() {
	cmake -DSRC="$src" -DOUT="$header" -DPROJECT_VERSION=9.8.7 -P "$here/cmake/version.cmake"
	sed -n 's/^#define XPERF_VERSION "\(.*\)"$/\1/p' "$header"
}
expect() {
	local what=$1 want=$2 got
	got=$(version)
	[[ $got =~ ^$want$ ]] || fail "$what: '$got', not /$want/"
}
git_in() { git -C "$src" -c user.name=t -c user.email=t@localhost "$@" >/dev/null; }

echo one >"$src/file"
expect "not a git tree" '9\.8\.7'
git_in init -q
git_in add file
git_in commit -q -m one
first=$(git -C "$src" rev-parse --short HEAD)
expect "a commit, no tag" "9\.8\.7-g$first"

touch -d @1000000000 "$header"
version >/dev/null
[[ $(stat -c %Y "$header") == 1000000000 ]] || fail "the same string rewrote the header"

echo two >"$src/file"
expect "an edit" "9\.8\.7-g$first-dirty"
git_in commit -q -a -m two
expect "a new commit" "9\.8\.7-g$(git -C "$src" rev-parse --short HEAD)"
[[ $(version) != "9.8.7-g$first" ]] || fail "a new commit left the version as it was"

git_in tag v1.2.3
expect "a tag" '1\.2\.3'
echo three >"$src/file"
git_in commit -q -a -m three
expect "a commit after a tag" "1\.2\.3-1-g$(git -C "$src" rev-parse --short HEAD)"

[[ $failures -eq 0 ]] || exit 1
