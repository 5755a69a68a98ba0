# The guest itself: file systems, BTF, KVM and the KPTI state that the
# command line asked for. Needs no project binary.
. /xperf/lib.sh

echo "kernel: $(uname -r) ($(cat /proc/version))"
echo "cmdline: $(cat /proc/cmdline)"

check "procfs mounted" test -r /proc/cmdline
check "debugfs mounted" test -d /sys/kernel/debug/tracing
check "kernel BTF present (/sys/kernel/btf/vmlinux)" test -s /sys/kernel/btf/vmlinux
check "KVM available in the guest (/dev/kvm)" test -c /dev/kvm

pti_active() { grep -qw pti /proc/cpuinfo; }
case " $(cat /proc/cmdline) " in
*" pti=on "*) check "pti=on: KPTI active" pti_active ;;
*" pti=off "*) check "pti=off: KPTI inactive" sh -c '! grep -qw pti /proc/cpuinfo' ;;
*) skip "KPTI state: no pti= on the command line" ;;
esac
finish
