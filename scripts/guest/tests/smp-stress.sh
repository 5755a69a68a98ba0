# Starting and stopping a measurement on a busy SMP guest: xperf-smpstress
# toggles it xperf.toggles= times (1000) while every CPU makes system calls
# and page faults and migrates, then checks the ring; the kernel log must
# show no report (oops, WARN, BUG, lockdep, KASAN, ...) afterwards.
. /xperf/lib.sh

if [ "$(xperf_param module 0)" != 1 ]; then
	skip "smp-stress: needs xperf.ko, not asked for (xperf.module=1)"
	finish
	exit
fi
need /lib/modules/xperf.ko xperf.ko "make module" || { finish; exit; }
need /bin/xperf-smpstress xperf-smpstress "make module" || { finish; exit; }

cpus=$(grep -c '^processor' /proc/cpuinfo)
check "an SMP guest: $cpus CPUs online (vm-run.sh VM_SMP, 2 or more)" test "$cpus" -ge 2
since=$(dmesg | wc -l)
[ -d /sys/module/xperf ] || check "insmod xperf.ko" insmod /lib/modules/xperf.ko
check "xperf-smpstress: $(xperf_param toggles 1000) start/stop on $cpus busy CPUs, exact ring" \
	xperf-smpstress -t "$(xperf_param toggles 1000)"
check "rmmod xperf" rmmod xperf
check "kernel log clean: no report of the kernel's checkers" kernel_log_clean "$since"
finish
