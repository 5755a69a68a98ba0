# The doctor's /proc and /sys files as this guest shows them
# (scripts/capture-tree), sent to the host as capture.tar.gz.b64: a real
# tree for the doctor's tests (scripts/capture-guest-tree.sh). Needs no
# project binary.
. /xperf/lib.sh

echo "cmdline: $(cat /proc/cmdline)"
check "capture-tree copies the doctor's files" capture-tree /tmp/tree
check "the tree holds the command line" test -s /tmp/tree/proc/cmdline
tar -C /tmp/tree -czf /tmp/tree.tar.gz . && base64 /tmp/tree.tar.gz >/tmp/tree.b64
check "the tree packed" test -s /tmp/tree.b64
emit_file capture.tar.gz.b64 /tmp/tree.b64
finish
