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

if [ -x /bin/xperf-user ]; then
	check "xperf-user --crossing all, no module (nomod.json)" measure nomod
else
	skip "xperf-user: not in the initramfs (build it: make userland-static)"
fi

if [ "$(xperf_param module 0)" != 1 ]; then
	skip "xperf.ko: not asked for (xperf.module=1)"
elif [ ! -f /lib/modules/xperf.ko ]; then
	skip "xperf.ko: not in the initramfs (build it: make module)"
else
	check "insmod xperf.ko" insmod /lib/modules/xperf.ko
	check "/sys/kernel/debug/xperf exists" test -d /sys/kernel/debug/xperf
	if [ -x /bin/xperf-ringcheck ]; then
		check "xperf-ringcheck: syscall 500, exact ring accounting" xperf-ringcheck
	else
		skip "xperf-ringcheck: not in the initramfs (make module)"
	fi
	if [ -x /bin/xperf-user ]; then
		check "xperf-user --crossing all, module loaded (module.json)" measure module
	fi
	check "rmmod xperf" rmmod xperf
	check "/sys/kernel/debug/xperf gone after rmmod" test ! -e /sys/kernel/debug/xperf
fi
finish
