#!/usr/bin/env bash
# make check's budget, measured: a fresh clone with a cold compiler cache,
# then another fresh clone with the cache the first one filled.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/bench-check.sh [-h] [-k] [cold|warm|both]

Clones this tree's HEAD into a new folder and runs 'make check' there with
an empty compiler cache of its own (cold: a machine that never built the
tree, its packages installed), then clones it again into another folder and
runs 'make check' with the cache the first run filled (warm: a machine that
built the same tree before, from another clone). Prints each run's time
account (scripts/check.sh) and its total against the budget: 45 minutes
cold, 15 warm (Documentation/guest-harness.rst, "What make check costs").

  cold|warm|both  which runs [both]; warm alone fills the cache first with
                  a cold run whose figures are not reported
  -k              keep the clones and logs (else removed at the end)

The cache is its own (CCACHE_DIR in the work folder): ~/.cache/ccache is
neither used nor changed. Installing the packages (scripts/install-deps.sh
on a fresh machine) is not part of the figures: time it on its own.
Takes the two checks' time, about an hour on two cores. Needs root, as
'make check' does. WORK=DIR: the work folder [a new one under /tmp].
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
export CCACHE_DIR=$work/ccache
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

case $which in
cold) run cold 45 ;;
warm)
	run fill 45 >/dev/null
	run warm 15
	;;
both)
	run cold 45
	run warm 15
	;;
esac
echo "bench-check: cache after the runs: $(ccache --show-stats 2>/dev/null | grep -iE 'cache size' | head -n 1 | tr -s ' ')"
