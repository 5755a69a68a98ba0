# The payload's guest states (xperf-user --crossing vmexit --guest-state all,
# Documentation/vmexit.rst) under this guest's own KVM, the built-in VMM
# (nested SVM under TCG's -cpu max): each state in a payload guest of its
# own, every exit from everywhere, the registers the payload read back in
# detail.guest_state (xperf-user refuses a run whose registers contradict
# its state) and every variant also timed back to back (detail.loop).
# Results travel to the host as vmexit-state.json; xperf.args= adds options.
. /xperf/lib.sh

args=$(xperf_param args | tr ',' ' ')
json=/tmp/vmexit-state.json

need /bin/xperf-user xperf-user "make userland" || { finish; exit; }
# The boot asked for this test: a guest without KVM is a failure here.
if [ ! -c /dev/kvm ]; then
	fail "no /dev/kvm in this guest: the guest kernel's KVM needs SVM or VMX (QEMU -cpu max)"
	finish
	exit
fi

measure() {
	rm -f "$json"
	# The harness's options first: this test's own, later, win.
	# shellcheck disable=SC2086 # args is a word list on purpose
	xperf-user --json -o "$json" $args --crossing vmexit --vmm builtin --guest-state all \
		--exit all --from all --rounds 1 --warmup 20 -n 100 || return
	emit_file vmexit-state.json "$json"
}
check "xperf-user --crossing vmexit --guest-state all (vmexit-state.json)" measure

# has PATTERN: the JSON holds it (extended regular expression)
has() { grep -Eq "$1" "$json"; }
# variant NAME: the JSON holds a result for it
variant() { grep -Fq "\"variant\": \"$1\"" "$json"; }
for state in "" +apic +x2apic +sti +nx +kvm-unit-tests; do
	for v in cpuid/kernel pio/kernel cpuid/user pio/user-via-kernel; do
		check "measured $v$state" variant "$v$state"
	done
done
# What the payload read back: the xAPIC on (SVR 0x1ff), the BSP's APIC base
# in x2APIC mode (EN, EXTD), interrupts on.
check "read back: SVR 0x1ff" has '"apic_svr": "0x1ff"'
check "read back: IA32_APIC_BASE in x2APIC mode" has '"ia32_apic_base": "0xfee00d00"'
check "read back: RFLAGS.IF" has '"rflags": "0x2[0-9a-f]{2}"'
check "interrupts counted" has '"interrupts_taken": [0-9]+'
check "every variant also timed back to back" has '"cycles_per_round_trip": [0-9]'
# XSAVE: measured with XCR0 read back, or refused with the registers that
# show why (under TCG XCR0 reads back as KVM's reset value, x87 only).
xsave() {
	{ variant cpuid/kernel+xsave && has '"xcr0": "0x[0-9a-f]+"'; } ||
		has 'guest state xsave not measured: xsave: set, but its registers did not read back so \(.*CR4 0x4[0-9a-f]{4}, .*XCR0 0x'
}
check "xsave: measured, or refused with the registers read back" xsave

# The table as a person reads it.
# shellcheck disable=SC2086
xperf-user $args --crossing vmexit --vmm builtin --guest-state default,kvm-unit-tests \
	--exit cpuid --from kernel --rounds 1 --warmup 20 -n 100
finish
