# What `make vm-demo` shows: the page-fault and system-call crossings as a
# person reads them, with xperf.ko loaded when it is in the initramfs.
. /xperf/lib.sh

[ -x /bin/xperf-user ] || { fail "xperf-user: not in the initramfs (make initramfs)"; finish; exit; }
echo "kernel $(uname -r), command line: $(cat /proc/cmdline)"
if [ -f /lib/modules/xperf.ko ]; then
	check "insmod xperf.ko" insmod /lib/modules/xperf.ko
fi
check "xperf-user --crossing pgfault,syscall" xperf-user --crossing pgfault,syscall
# The six VM-exit round trips from this guest: xperf.ko is the guest kernel's side.
if [ -d /sys/module/xperf ]; then
	check "xperf-user --crossing vmexit --vmm guest" \
		xperf-user --crossing vmexit --vmm guest --samples 2000 --rounds 1 --warmup 200
fi
[ -d /sys/module/xperf ] && check "rmmod xperf" rmmod xperf
finish
