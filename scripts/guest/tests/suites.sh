# The suites in a guest, for the kernel reports (scripts/kernels-report.sh):
# xperf-user runs each suite named by xperf.suites= (default
# os,gates,syscall) and sends suite-NAME.json to the host. The run is
# labelled by xperf.label= (the report's name of this kernel).
# xperf.args= adds options (comma-separated), as for the other tests.
. /xperf/lib.sh

args=$(xperf_param args | tr ',' ' ')
label=$(xperf_param label)
need /bin/xperf-user xperf-user "make userland" || { finish; exit; }
if [ "$(xperf_param module 0)" = 1 ]; then
	need /lib/modules/xperf.ko xperf.ko "make module" || { finish; exit; }
	check "insmod xperf.ko" insmod /lib/modules/xperf.ko
fi

# run SUITE: the suite's result, sent to the host as suite-SUITE.json. The
# OS suite's per-iteration samples stay in the guest: the console is slow
# and compare needs only each part's figure.
run() {
	raw=
	[ "$1" = os ] && raw=--no-raw
	rm -f "/tmp/suite-$1.json"
	# shellcheck disable=SC2086 # args is a word list on purpose
	xperf-user suite "$1" ${label:+--label "$label"} --json $raw \
		-o "/tmp/suite-$1.json" $args || return
	emit_file "suite-$1.json" "/tmp/suite-$1.json"
}

for suite in $(xperf_param suites os,gates,syscall | tr ',' ' '); do
	check "suite $suite (suite-$suite.json)" run "$suite"
done
finish
