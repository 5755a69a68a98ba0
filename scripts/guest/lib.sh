# Helpers for the guest tests under /xperf/tests; sourced by /init and by
# every test. Output is TAP-like: "ok - ...", "not ok - ...", "skip - ...",
# closed by "N passed, N failed, N skipped".

XPERF_PASSED=0
XPERF_FAILED=0
XPERF_SKIPPED=0

# xperf_param KEY [DEFAULT]: value of xperf.KEY= on the kernel command line.
xperf_param() {
	local word
	for word in $(cat /proc/cmdline); do
		case $word in
		"xperf.$1="*) echo "${word#*=}"; return 0 ;;
		esac
	done
	echo "${2:-}"
}

pass() { echo "ok - $*"; XPERF_PASSED=$((XPERF_PASSED + 1)); }
fail() { echo "not ok - $*"; XPERF_FAILED=$((XPERF_FAILED + 1)); }
skip() { echo "skip - $*"; XPERF_SKIPPED=$((XPERF_SKIPPED + 1)); }

# check DESCRIPTION COMMAND...: one test step; its output is shown as is.
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what (status $?)"; fi
}

# emit_file NAME FILE: copy FILE to the host through the console; vm-run.sh
# saves what is between the markers as NAME. Kernel messages are held back
# from the console meanwhile so they cannot land inside the file.
emit_file() {
	local printk
	printk=$(cut -f1 /proc/sys/kernel/printk)
	echo 1 >/proc/sys/kernel/printk
	echo "XPERF-FILE-BEGIN $1"
	cat "$2"
	echo
	echo "XPERF-FILE-END $1"
	echo "$printk" >/proc/sys/kernel/printk
}

# need FILE WHAT HOW: FILE must be in the initramfs, since the boot asked
# for what needs it; missing, it is a failure (never a skip) that says HOW
# to build it. Status 1 when missing.
need() {
	[ -e "$1" ] && return 0
	fail "$2: not in the initramfs, but this boot needs it ($3)"
	return 1
}

# Kernel reports that fail a test whatever else it shows.
KERNEL_TROUBLE='WARNING:|BUG:|Oops|KASAN|UBSAN|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|sleeping function called|Call Trace:|general protection fault|double fault|stack guard page'

# kernel_log_clean SINCE: the kernel log after its first SINCE lines holds
# no report; prints any it finds.
kernel_log_clean() {
	! dmesg | tail -n +"$(($1 + 1))" | grep -E "$KERNEL_TROUBLE"
}

# finish: the closing count line; exit status 1 if anything failed.
finish() {
	echo "$XPERF_PASSED passed, $XPERF_FAILED failed, $XPERF_SKIPPED skipped"
	[ "$XPERF_FAILED" -eq 0 ]
}
