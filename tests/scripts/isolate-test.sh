#!/usr/bin/env bash
# scripts/isolate against copies of the captured noisy tree: --dry-run
# changes nothing and names every write; an apply changes what it says;
# --restore puts back every file byte for byte, also after an apply killed
# after each of its writes in turn; a failed write is recorded and skipped.
set -euo pipefail

usage() {
	echo "usage: tests/scripts/isolate-test.sh   (no arguments; V=1 shows each step)"
}
[[ $# -eq 0 ]] || {
	usage >&2
	exit 2
}

here=$(cd "$(dirname "$0")/../.." && pwd)
isolate=$here/scripts/isolate
fixture=$here/tests/fixtures/doctor/noisy
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

step() { [[ ${V:-0} != 1 ]] || echo "isolate-test: $*"; }
fail() {
	echo "isolate-test: FAIL: $*" >&2
	failures=$((failures + 1))
}

# A fake systemctl that keeps irqbalance's state in a file and logs calls.
mkdir -p "$tmp/bin"
cat >"$tmp/bin/systemctl" <<'FAKE'
#!/usr/bin/env bash
set -euo pipefail
echo "$*" >>"$FAKE_SYSTEMD/calls"
case $1 in
is-active) [[ $(cat "$FAKE_SYSTEMD/irqbalance") == active ]] ;;
stop) echo inactive >"$FAKE_SYSTEMD/irqbalance" ;;
start) echo active >"$FAKE_SYSTEMD/irqbalance" ;;
esac
FAKE
chmod +x "$tmp/bin/systemctl"

# The noisy capture, with what that guest lacks: cpufreq with boost, and an
# irqbalance that systemd runs.
make_tree() {
	local root=$1
	rm -rf "$root"
	cp -r "$fixture" "$root"
	mkdir -p "$root/sys/devices/system/cpu/cpu1/cpufreq" "$root/sys/devices/system/cpu/cpufreq" \
		"$root/proc/4242" "$root/systemd"
	echo schedutil >"$root/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor"
	echo "performance schedutil" >"$root/sys/devices/system/cpu/cpu1/cpufreq/scaling_available_governors"
	echo 1 >"$root/sys/devices/system/cpu/cpufreq/boost"
	echo irqbalance >"$root/proc/4242/comm"
	echo active >"$root/systemd/irqbalance"
}

# Every file of the tree with its contents, the fake systemd's state
# included, the state file and the call log left out. A choice such as
# "always [madvise] never" is its selected word: sysfs takes the word and
# shows the choice, a copy of it keeps the word.
# shellcheck disable=SC2016 # the awk program is awk's, not the shell's
snapshot() {
	(cd "$1" && find . -type f ! -path ./systemd/calls ! -path ./run/\* | sort |
		xargs awk '{
			if (match($0, /\[[^]]*\]/))
				$0 = substr($0, RSTART + 1, RLENGTH - 2)
			print FILENAME ": " $0
		}')
}

isolate() {
	local root=$1
	shift
	XPERF_SYSROOT=$root SYSTEMCTL=$tmp/bin/systemctl FAKE_SYSTEMD=$root/systemd \
		"$isolate" "$@"
}

root=$tmp/tree
make_tree "$root"
before=$(snapshot "$root")
nirqs=$(grep -l '^0-1$' "$root"/proc/irq/*/smp_affinity_list | wc -l)
[[ $nirqs -gt 0 ]] || fail "the fixture has no IRQ routed to CPU 1"
# governor, boost, THP, irqbalance, default_smp_affinity, and each IRQ
changes=$((5 + nirqs))

step "dry run"
out=$(isolate "$root" --cpu 1 --dry-run)
[[ $(snapshot "$root") == "$before" ]] || fail "--dry-run changed the tree"
[[ ! -e $root/run/xperf-isolate.state ]] || fail "--dry-run wrote a state file"
[[ $(grep -c '^isolate: would ' <<<"$out") -eq $changes ]] ||
	fail "--dry-run named $(grep -c '^isolate: would ' <<<"$out") changes, not $changes: $out"
grep -q "would write performance to /sys/devices/system/cpu/cpu1/cpufreq/scaling_governor (now schedutil)" <<<"$out" ||
	fail "--dry-run does not name the governor write: $out"
grep -q "needs a reboot: add to the kernel command line: isolcpus=1 nohz_full=1 rcu_nocbs=1" <<<"$out" ||
	fail "the kernel command line to use is not printed: $out"
grep -q "the whole kernel command line to boot with: mitigations=auto,no_guest_host,no_guest_guest console=ttyS0 .* rdinit=/init isolcpus=1 nohz_full=1 rcu_nocbs=1$" <<<"$out" ||
	fail "the whole kernel command line is not printed: $out"
grep -q "pti=off mitigations=off" <<<"$out" || fail "the boot without KPTI is not named: $out"

step "a command line that already isolates (ranges, isolcpus flags)"
cl_root=$tmp/cmdline-tree
make_tree "$cl_root"
echo "BOOT_IMAGE=/vmlinuz ro isolcpus=managed_irq,domain,1-3 nohz_full=0,2 rcu_nocbs=1" >"$cl_root/proc/cmdline"
out=$(isolate "$cl_root" --cpu 1 --dry-run)
grep -q "add to the kernel command line: nohz_full=0,2,1$" <<<"$out" ||
	fail "isolcpus=managed_irq,domain,1-3 and rcu_nocbs=1 cover CPU 1; nohz_full=0,2 does not: $out"
grep -q "the whole kernel command line to boot with: ro isolcpus=managed_irq,domain,1-3 rcu_nocbs=1 nohz_full=0,2,1$" <<<"$out" ||
	fail "the whole line keeps what is there and replaces nohz_full (BOOT_IMAGE dropped): $out"

step "apply"
isolate "$root" --cpu 1 >/dev/null
[[ $(cat "$root/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor") == performance ]] ||
	fail "governor not set"
[[ $(cat "$root/sys/devices/system/cpu/cpufreq/boost") == 0 ]] || fail "boost not off"
[[ $(cat "$root/sys/kernel/mm/transparent_hugepage/enabled") == never ]] || fail "THP not never"
[[ $(cat "$root/systemd/irqbalance") == inactive ]] || fail "irqbalance not stopped"
if grep -q 1 "$root"/proc/irq/*/smp_affinity_list; then
	fail "an IRQ may still go to CPU 1"
fi
[[ $(cat "$root/proc/irq/default_smp_affinity") == 1 ]] ||
	fail "default_smp_affinity is $(cat "$root/proc/irq/default_smp_affinity"), not 1"
[[ -s $root/run/xperf-isolate.state ]] || fail "no state file"
if isolate "$root" --cpu 1 >/dev/null 2>&1; then
	fail "a second apply over an unrestored state file was accepted"
fi

step "restore"
isolate "$root" --restore >/dev/null
[[ $(snapshot "$root") == "$before" ]] || fail "--restore left a difference:
$(diff <(echo "$before") <(snapshot "$root"))"
[[ ! -e $root/run/xperf-isolate.state ]] || fail "--restore kept the state file"
grep -qx "start irqbalance" "$root/systemd/calls" || fail "irqbalance not started again"

step "interrupted after each write"
for ((k = 1; k <= changes; k++)); do
	make_tree "$root"
	rc=0
	XPERF_ISOLATE_STOP_AFTER=$k isolate "$root" --cpu 1 >/dev/null 2>&1 || rc=$?
	[[ $rc -eq 137 ]] || fail "apply stopped after write $k ended with $rc, not SIGKILL"
	[[ $(snapshot "$root") != "$before" ]] || fail "apply stopped after write $k changed nothing"
	isolate "$root" --restore >/dev/null
	[[ $(snapshot "$root") == "$before" ]] ||
		fail "restore after an apply stopped after write $k left a difference"
done

step "a write that fails"
make_tree "$root"
rc=0
out=$(XPERF_ISOLATE_FAIL=sys/kernel/mm/transparent_hugepage/enabled \
	isolate "$root" --cpu 1 2>&1) || rc=$?
[[ $rc -eq 1 ]] || fail "a failed write gave status $rc, not 1"
grep -q "cannot write never to /sys/kernel/mm/transparent_hugepage/enabled: skipped" <<<"$out" ||
	fail "the failed write is not reported: $out"
[[ $(cat "$root/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor") == performance ]] ||
	fail "the writes after a failed one were not made"
grep -q "^failed	sys/kernel/mm/transparent_hugepage/enabled$" "$root/run/xperf-isolate.state" ||
	fail "the failed write is not in the state file"
isolate "$root" --restore >/dev/null
[[ $(snapshot "$root") == "$before" ]] || fail "restore after a failed write left a difference"

if [[ $failures -gt 0 ]]; then
	echo "isolate-test: $failures failure(s)" >&2
	exit 1
fi
echo "isolate-test: ok ($changes changes, each interruption restored)"
