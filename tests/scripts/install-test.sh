#!/usr/bin/env bash
# make install DESTDIR=TMP PREFIX=/usr from the build tree: every file in its
# place; xperf-user stripped, with its debug information apart and named by
# its debug link, and running -V from there; xperf-hello beside it, where
# the dynamic-hello variants find it; its fixes naming xperf-isolate; each
# subcommand with its man page, and each man page rendered by man without a
# warning; the bash completion sourced without a word and completing a
# subcommand, an option, and the values of the options that take a choice,
# from the installed program.
# Exit 77 (skipped), after every other check, where man (man-db) is missing.
set -euo pipefail

usage() {
	echo "usage: BUILD_DIR=DIR tests/scripts/install-test.sh   (DIR: the CMake build tree;"
	echo "       no arguments; V=1 shows each step)"
}
[[ $# -eq 0 && -n ${BUILD_DIR:-} ]] || {
	usage >&2
	exit 2
}

here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
bin=$root/usr/bin
man1=$root/usr/share/man/man1
completion=$root/usr/share/bash-completion/completions/xperf-user
failures=0

step() { [[ ${V:-0} != 1 ]] || echo "install-test: $*"; }
fail() {
	echo "install-test: FAIL: $*" >&2
	failures=$((failures + 1))
}
has_section() { readelf -S -W "$1" 2>/dev/null | grep " $2 " >/dev/null; }

step "make install DESTDIR=$root PREFIX=/usr"
if ! make -C "$here" install USERLAND_BUILD="$BUILD_DIR" DESTDIR="$root" PREFIX=/usr \
	>"$tmp/make.out" 2>&1; then
	cat "$tmp/make.out" >&2
	echo "install-test: FAIL: make install failed" >&2
	exit 1
fi

step "the programs, the debug information, the completion"
for f in xperf-user xperf-hello xperf-plot xperf-isolate; do
	[[ -f $bin/$f && -x $bin/$f ]] || fail "usr/bin/$f is not installed, or not executable"
done
debug=$root/usr/lib/debug/usr/bin/xperf-user.debug
[[ -f $debug ]] || fail "usr/lib/debug/usr/bin/xperf-user.debug is not installed"
[[ -f $completion ]] || fail "${completion#"$root"/} is not installed"
for f in "$root/usr/bin/isolate" "$root/usr/bin/xperf-user.new"; do
	[[ ! -e $f ]] || fail "${f#"$root"/} is installed: nothing of that name belongs there"
done

step "xperf-user stripped, its debug information apart"
if [[ -f $bin/xperf-user ]]; then
	! has_section "$bin/xperf-user" .debug_info || fail "usr/bin/xperf-user has .debug_info"
	! has_section "$bin/xperf-user" .symtab || fail "usr/bin/xperf-user has a .symtab"
	link=$(readelf -W --string-dump=.gnu_debuglink "$bin/xperf-user" 2>/dev/null |
		sed -n 's/^ *\[ *0\] *//p')
	[[ $link == xperf-user.debug ]] ||
		fail "usr/bin/xperf-user's .gnu_debuglink names '$link', not xperf-user.debug"
fi
[[ ! -f $debug ]] || has_section "$debug" .debug_info ||
	fail "xperf-user.debug has no .debug_info"
has_section "$BUILD_DIR/userland/xperf-user" .debug_info ||
	fail "the build tree's xperf-user lost its .debug_info: the install stripped it in place"

step "xperf-user -V and --version from the DESTDIR"
version=$("$bin/xperf-user" -V) || fail "xperf-user -V: exit status $?"
[[ $version =~ ^xperf\ [0-9]+\.[0-9]+ ]] || fail "xperf-user -V printed '$version'"
[[ $("$bin/xperf-user" --version) == "$version" ]] || fail "--version is not -V"
for p in xperf-isolate xperf-plot; do
	out=$("$bin/$p" --help) || fail "$p --help: exit status $?"
	[[ $out == usage:* ]] || fail "$p --help prints no usage"
done

step "the installed xperf-user runs the xperf-hello beside it"
if "$bin/xperf-user" --crossing fork-exec -n 2 --warmup 0 --rounds 1 --one-process --batch 1 \
	--json --no-raw -o "$tmp/fork-exec.json" 2>"$tmp/fork-exec.err"; then
	grep -q '"dynamic-hello"' "$tmp/fork-exec.json" ||
		fail "fork-exec run installed has no dynamic-hello result"
else
	fail "fork-exec run installed: $(cat "$tmp/fork-exec.err")"
fi

step "the installed xperf-user names the fixes by their installed names"
noisy=$here/tests/fixtures/doctor/noisy
if out=$("$bin/xperf-user" doctor --root "$noisy" --cpu 1 --json 2>&1); then
	grep -q '"xperf-isolate --cpu 1' <<<"$out" || fail "doctor installed names no xperf-isolate: $out"
	! grep -q 'scripts/' <<<"$out" || fail "doctor installed names a path of the source tree"
else
	fail "doctor --root installed: $out"
fi

step "a man page per program and subcommand"
subcommands=$("$bin/xperf-user" --help | sed -n '/^Subcommands:/,$s/^  \([a-z][a-z0-9-]*\).*/\1/p')
[[ -n $subcommands ]] || fail "xperf-user --help lists no subcommand"
pages=(xperf-user xperf-plot xperf-isolate)
for s in $subcommands; do
	pages+=("xperf-user-$s")
done
for p in "${pages[@]}"; do
	[[ -f $man1/$p.1 ]] || fail "usr/share/man/man1/$p.1 is not installed"
done

step "the completion, sourced and asked"
# Prints what _xperf_user completes for the words given, the last one being
# completed.
complete_words() {
	PATH=$bin:$PATH bash --norc --noprofile -c '
		source "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_xperf_user
		printf "%s\n" "${COMPREPLY[@]}"' completion "$completion" "$@"
}
if [[ -f $completion ]]; then
	out=$(PATH=$bin:$PATH bash --norc --noprofile -c \
		'source "$1" && complete -p xperf-user' completion "$completion" 2>&1) ||
		fail "bash cannot source the completion: $out"
	[[ $out == "complete -F _xperf_user xperf-user" ]] ||
		fail "sourcing the completion said or registered '$out'"
	expect() {
		local want=$1 got
		shift
		got=$(complete_words "$@" 2>&1) || fail "completing '$*': exit status $?: $got"
		grep -qx -- "$want" <<<"$got" || fail "completing '$*' gave '$got', without '$want'"
	}
	expect suite xperf-user su
	expect doctor xperf-user --json do
	expect --version xperf-user --vers
	expect --root xperf-user doctor --r
	expect --label xperf-user suite os --la
	expect --rounds xperf-user suite os --rou
	expect getppid xperf-user -c getp
	expect syscall,pgfault xperf-user --crossing syscall,pgf
	expect os xperf-user suite o
	expect strict xperf-user --verify = st
	expect cpuid xperf-user --crossing vmexit --exit cp
	expect pio xperf-user --exit = p
	expect user,user-via-kernel xperf-user --from user,user-v
	expect other-cpu xperf-user suite os --placement oth
	expect kvm-unit-tests xperf-user --guest-state kvm
	expect default,x2apic xperf-user --guest-state default,x2
	expect qemu xperf-user --vmm q
	expect gates xperf-user compare a.json b.json --suite ga
	expect os,syscall xperf-user suite os,sy
	expect compare xperf-user com
	# A value that is not a list's completes alone, and --verify's only after =.
	expect_none() {
		local got
		got=$(complete_words "$@" 2>&1) || fail "completing '$*': exit status $?: $got"
		[[ -z $got ]] || fail "completing '$*' gave '$got', not nothing"
	}
	expect_none xperf-user --vmm qemu,
	expect_none xperf-user --verify st
fi

if ! command -v man >/dev/null; then
	[[ $failures -eq 0 ]] || exit 1
	echo "install-test: skipped: man is missing (Debian's man-db): the man pages are not rendered"
	exit 77
fi
step "each man page rendered by man, without a warning"
for page in "$man1"/*.1; do
	name=$(basename "$page" .1)
	if ! LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >"$tmp/page" 2>"$tmp/warnings"; then
		fail "man -l $name.1 failed: $(cat "$tmp/warnings")"
	elif [[ -s $tmp/warnings ]]; then
		fail "man -l $name.1 warns: $(cat "$tmp/warnings")"
	fi
	grep -q "^NAME" "$tmp/page" && grep -Eq "^ +$name +- " "$tmp/page" ||
		fail "man -l $name.1 renders no NAME section naming $name"
	[[ $(awk '{ if (length($0) > w) w = length($0) } END { print w }' "$tmp/page") -le 80 ]] ||
		fail "man -l $name.1 has lines wider than MANWIDTH=80"
done

[[ $failures -eq 0 ]] || exit 1
step "passed"
