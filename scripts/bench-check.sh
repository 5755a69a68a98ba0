#!/usr/bin/env bash
# make check's budget, measured: a fresh clone with a cold compiler cache,
# then another fresh clone with the cache the first one filled.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/bench-check.sh [-h] [-k] [cold|warm|both]

Runs 'make check' in fresh clones of this tree's HEAD and prints each run's
time account (scripts/check.sh) and its total against the budget: 45
minutes from nothing, 15 on a machine that built the same tree before
(Documentation/guest-harness.rst, "What make check costs").

  cold   one clone, with an empty compiler cache and kernel home of its
         own (CCACHE_DIR, XPERF_KERNEL_HOME in the work folder): a machine
         that never built the tree, its packages installed
  warm   one clone, with this machine's own caches as they are
         (~/.cache/ccache, ~/.cache/xperf): run it after a make check, as
         CI's next run would be; on a machine that never built the tree it
         is a cold run that fills them
  both   cold, then a second clone with the caches the first one filled
         [default]
  -k     keep the clones and logs (else removed at the end)

Installing the packages (scripts/install-deps.sh on a fresh machine) is not
part of the figures: time it on its own. cold and both take about an hour
on two cores, warm about 10 minutes. Needs root, as 'make check' does.
WORK=DIR: the work folder [a new one under /tmp].
USAGE
}

keep=0
while getopts hk opt; do
	case $opt in
	h) usage; exit 0 ;;
	k) keep=1 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
which=${1:-both}
[[ $# -le 1 && ( $which == cold || $which == warm || $which == both ) ]] || { usage >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$(mktemp -d /tmp/xperf-bench-check.XXXXXX)}
mkdir -p "$work"
[[ $keep == 1 ]] || trap 'rm -rf "$work"' EXIT
rev=$(git -C "$root" rev-parse --short HEAD)

# run NAME BUDGET_MIN: one fresh clone, one make check; prints its account.
declare -A total=()
run() {
	local name=$1 budget=$2 start=$SECONDS rc=0 clone=$work/$1
	rm -rf "$clone"
	git clone -q "$root" "$clone"
	echo "bench-check: $name: make check in a fresh clone of $rev"
	(cd "$clone" && CI=true make check) >"$work/$name.log" 2>&1 </dev/null || rc=$?
	total[$name]=$((SECONDS - start))
	sed -n '/^check: where the time went/,/^  total/p' "$work/$name.log"
	tail -n 3 "$work/$name.log"
	printf 'bench-check: %s: %d s (%d min %d s), budget %d min: %s; make check status %d\n' \
		"$name" "${total[$name]}" $((total[$name] / 60)) $((total[$name] % 60)) "$budget" \
		"$( ((total[$name] <= budget * 60)) && echo within || echo OVER)" "$rc"
	[[ $keep == 0 ]] || echo "bench-check: log $work/$name.log"
	echo
}

private_caches() {
	export CCACHE_DIR=$work/ccache XPERF_KERNEL_HOME=$work/kernel-home
}

case $which in
cold)
	private_caches
	run cold 45
	;;
warm) run warm 15 ;;
both)
	private_caches
	run cold 45
	run warm 15
	;;
esac
