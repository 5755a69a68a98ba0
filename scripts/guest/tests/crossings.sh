# Every crossing, without and (xperf.module=1) with xperf.ko: the results
# travel to the host as NAME.json (vm-run.sh -o), the module is loaded,
# checked by xperf-ringcheck and unloaded. xperf.args= adds xperf-user
# options, comma-separated (xperf.args=--samples=2000,--rounds=2).
. /xperf/lib.sh

args=$(xperf_param args | tr ',' ' ')

# measure NAME: xperf-user --crossing all --json, sent to the host as NAME.json
measure() {
	rm -f "/tmp/$1.json"
	# shellcheck disable=SC2086 # args is a word list on purpose
	xperf-user --crossing all --json -o "/tmp/$1.json" $args || return
	test -s "/tmp/$1.json" || { echo "xperf-user wrote no JSON"; return 1; }
	emit_file "$1.json" "/tmp/$1.json"
}

have_user=0
need /bin/xperf-user xperf-user "make userland" && have_user=1
[ $have_user = 1 ] && check "xperf-user --crossing all, no module (nomod.json)" measure nomod

if [ "$(xperf_param module 0)" != 1 ]; then
	skip "xperf.ko: not asked for (xperf.module=1)"
elif need /lib/modules/xperf.ko xperf.ko "make module"; then
	check "insmod xperf.ko" insmod /lib/modules/xperf.ko
	check "/sys/kernel/debug/xperf exists" test -d /sys/kernel/debug/xperf
	check "the entry code takes stamps here (status: stamps on)" \
		grep -qx "stamps on" /sys/kernel/debug/xperf/status
	need /bin/xperf-ringcheck xperf-ringcheck "make module" &&
		check "xperf-ringcheck: syscall 500, exact ring accounting, bad input refused" \
			xperf-ringcheck
	[ $have_user = 1 ] && check "xperf-user --crossing all, module loaded (module.json)" measure module
	check "rmmod xperf" rmmod xperf
	check "/sys/kernel/debug/xperf gone after rmmod" test ! -e /sys/kernel/debug/xperf
fi
finish
