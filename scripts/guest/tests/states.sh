# What each state of the kernel side costs, in one boot: xperf-user times
# funccall (the control, which no kernel change moves), getppid, system
# call 500 and the page fault in each state this kernel has, and sends
# states-STATE.json to the host (scripts/bench-kernel-states.sh compares
# them across boots):
#   idle      no consumer (xperf.ko not loaded)
#   other     xperf.ko measuring another task (a sleeping one)
#   measured  xperf.ko measuring xperf-user itself (the legs)
# With xperf.module=1 and the stamps off (xperf=off), the module must say
# why and refuse to start; xperf-user must say why it shows no legs.
. /xperf/lib.sh

args=$(xperf_param args | tr ',' ' ')
need /bin/xperf-user xperf-user "make userland" || { finish; exit; }

# measure STATE: the four crossings, sent to the host as states-STATE.json
measure() {
	rm -f "/tmp/states-$1.json"
	# shellcheck disable=SC2086 # args is a word list on purpose
	xperf-user --crossing funccall,getppid,syscall,pgfault --json \
		-o "/tmp/states-$1.json" $args || return
	emit_file "states-$1.json" "/tmp/states-$1.json"
}

[ -d /sys/module/xperf ] && rmmod xperf
check "idle: no consumer (states-idle.json)" measure idle

if [ "$(xperf_param module 0)" != 1 ]; then
	skip "states other, measured: need xperf.ko, not asked for (xperf.module=1)"
	finish
	exit
fi
need /lib/modules/xperf.ko xperf.ko "make module" || { finish; exit; }
check "insmod xperf.ko" insmod /lib/modules/xperf.ko
ctl=/sys/kernel/debug/xperf/control

if grep -q '^stamps off: ' /sys/kernel/debug/xperf/status; then
	reason=$(sed 's/^stamps off: //' /sys/kernel/debug/xperf/status)
	echo "xperf.ko status: stamps off: $reason"
	check "stamps off: the boot log says why" sh -c "dmesg | grep -qF 'entry stamps off'"
	echo "pid 1" >$ctl
	check "stamps off: start is refused" sh -c "! echo start >$ctl"
	refused_legs() {
		xperf-user --crossing syscall --json -o /tmp/nolegs.json -n 200 --rounds 1 &&
			grep -qF "entry code takes no stamps: $reason" /tmp/nolegs.json
	}
	check "stamps off: xperf-user says why there are no legs" refused_legs
else
	sleep 3600 &
	other=$!
	echo "pid $other" >$ctl && echo start >$ctl
	check "other: xperf.ko measures pid $other" grep -qx "running pid $other" $ctl
	# XPERF_MODULE_DIR: xperf-user leaves the module to the other task.
	XPERF_MODULE_DIR=/nonexistent
	export XPERF_MODULE_DIR
	check "other: another task measured (states-other.json)" measure other
	unset XPERF_MODULE_DIR
	check "other: still measuring pid $other afterwards" grep -qx "running pid $other" $ctl
	echo stop >$ctl
	kill "$other"
	check "measured: xperf-user measures itself, with legs (states-measured.json)" measure measured
	check "measured: the legs were taken" grep -q 'user_to_kernel' /tmp/states-measured.json
fi
check "rmmod xperf" rmmod xperf
finish
