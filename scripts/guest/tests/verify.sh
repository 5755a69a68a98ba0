# --verify inside the guest kernel: the eBPF programs attach there (tracefs
# mounted by xperf-user itself, fentry where this kernel allows it), and the
# guest's own KVM (nested, under TCG) fires kvm_exit with exit reasons. The
# results travel to the host as verify.json; xperf.args= adds options.
. /xperf/lib.sh

args=$(xperf_param args | tr ',' ' ')

need /bin/xperf-user xperf-user "make userland" || { finish; exit; }

# verified NAME CROSSING [OPTIONS...]: --verify=strict, JSON sent as NAME.json
verified() {
	name=$1
	shift
	rm -f "/tmp/$name.json"
	# shellcheck disable=SC2086 # args is a word list on purpose
	# The harness's options first: this test's own, later, win.
	xperf-user --verify=strict --json -o "/tmp/$name.json" $args --crossing "$@"
	rc=$?
	[ -s "/tmp/$name.json" ] && emit_file "$name.json" "/tmp/$name.json"
	return $rc
}

check "--verify=strict: syscall, getppid, pgfault (verify-host.json)" \
	verified verify-host syscall,getppid,pgfault --samples=500 --rounds=1
if [ -c /dev/kvm ]; then
	check "--verify=strict: built-in VMM, every exit from everywhere (verify-vmexit.json)" \
		verified verify-vmexit vmexit --vmm=builtin --from=all --exit=all \
		--samples=200 --rounds=1 --warmup=20
else
	skip "vmexit: no /dev/kvm in the guest (the guest kernel's KVM needs SVM or VMX)"
fi
finish
