# The six VM-exit round trips from inside this Linux guest (xperf-user
# --vmm guest): xperf-user is the guest user program, xperf.ko's vmexit
# file the guest-kernel side, QEMU (TCG here, KVM where it boots Linux) the
# VMM. Results travel to the host as vmexit-guest.json; xperf.args= adds
# options.
. /xperf/lib.sh

args=$(xperf_param args | tr ',' ' ')
json=/tmp/vmexit-guest.json

need /bin/xperf-user xperf-user "make userland" || { finish; exit; }
if [ "$(xperf_param module 0)" != 1 ]; then
	skip "vmexit --vmm guest: needs xperf.ko, not asked for (xperf.module=1)"
	finish
	exit
fi
need /lib/modules/xperf.ko xperf.ko "make module" || { finish; exit; }

# Without the module: a clear refusal, status 2, no output file.
refused() {
	rm -f /tmp/refused.json
	out=$(xperf-user --crossing vmexit --vmm guest --json -o /tmp/refused.json 2>&1)
	rc=$?
	echo "$out"
	[ "$rc" -eq 2 ] && echo "$out" | grep -q "insmod xperf.ko" && [ ! -e /tmp/refused.json ]
}
[ -d /sys/module/xperf ] && rmmod xperf
check "--vmm guest without xperf.ko: status 2, says to insmod it, writes nothing" refused

loaded=0
if [ ! -d /sys/module/xperf ]; then
	check "insmod xperf.ko" insmod /lib/modules/xperf.ko && loaded=1
fi

measure() {
	rm -f "$json"
	# The harness's options first: this test's own, later, win.
	# shellcheck disable=SC2086 # args is a word list on purpose
	xperf-user --json -o "$json" $args --crossing vmexit --vmm guest --from all --exit all \
		--rounds 1 --warmup 200 || return
	emit_file vmexit-guest.json "$json"
}
check "xperf-user --crossing vmexit --vmm guest (vmexit-guest.json)" measure

# has VARIANT: the JSON holds a result for it
has() { grep -Eq "\"variant\": ?\"$1\"" "$json"; }
for v in cpuid/user pio/user cpuid/user-via-kernel rdmsr/user-via-kernel pio/user-via-kernel \
	cpuid/kernel rdmsr/kernel pio/kernel; do
	check "measured $v" has "$v"
done
# VMCALL only where KVM runs this guest; elsewhere it must say why not.
if grep -q '"hypervisor_signature": *"KVMKVMKVM"' "$json"; then
	for v in vmcall/user vmcall/user-via-kernel vmcall/kernel; do
		check "measured $v" has "$v"
	done
else
	check "vmcall: not measured, and the report says why" \
		grep -q "vmcall/user not measured: the hypervisor is" "$json"
fi
check "the guest's rows are labelled --vmm guest" grep -Eq '"name": ?"guest"' "$json"

# --verify from inside: this kernel sees no entry for rows 1 and 2 and one
# ioctl() into xperf.ko per iteration for rows 3 and 4.
verified() {
	rm -f /tmp/vmexit-guest-verify.json
	# shellcheck disable=SC2086 # args is a word list on purpose
	xperf-user --verify=strict --json -o /tmp/vmexit-guest-verify.json $args --crossing vmexit \
		--vmm guest --from user,user-via-kernel --rounds 1 --warmup 50 --samples 500
	rc=$?
	[ -s /tmp/vmexit-guest-verify.json ] &&
		emit_file vmexit-guest-verify.json /tmp/vmexit-guest-verify.json
	return $rc
}
if [ -s /sys/kernel/btf/vmlinux ]; then
	check "--verify=strict: rows 1-4 took this kernel's expected part (vmexit-guest-verify.json)" \
		verified
else
	skip "--verify: this guest kernel has no BTF"
fi

# The table as a person reads it.
# shellcheck disable=SC2086
xperf-user $args --crossing vmexit --vmm guest --rounds 1 --warmup 200 --samples 500

[ "$loaded" = 1 ] && check "rmmod xperf" rmmod xperf
finish
