#!/usr/bin/env bash
# Build the xperf test guest's initramfs.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/mkinitramfs.sh [-h] [-o OUT]

Packs a gzip'd cpio (default build/vm/initramfs.cpio.gz) holding busybox,
the guest init and tests from scripts/guest/, scripts/capture-tree, the
exit-status helper, and
whichever of the project's binaries and module exist. A missing one
is left out with a warning; the guest tests that need it then skip.
xperf-user is the host's build (make userland), its debug information
stripped; when it is linked dynamically its shared libraries and loader
go in beside it, at the paths the host has them (the guest runs the same
userland as the host: one build serves both). xperf-hello, the dynamically
linked program of fork-exec's and fork-sh's dynamic-hello variants, goes
in from beside xperf-user to beside it, with its libraries.

Environment (defaults in brackets):
  BUSYBOX       static busybox                [/bin/busybox]
  GUEST_XPERF_USER xperf-user, dynamic or static
                                              [build/userland/userland/xperf-user]
  RINGCHECK     static kernel-side checker    [module/tests/xperf-ringcheck]
  XPERF_MODULE  the module                    [module/xperf.ko]
  BUILD_DIR     [<repo>/build]   V=1 shows the commands
USAGE
}

# shellcheck source-path=SCRIPTDIR source=harness-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness-lib.sh"

out=$BUILD_DIR/vm/initramfs.cpio.gz
while getopts ho: opt; do
	case $opt in
	h) usage; exit 0 ;;
	o) out=$OPTARG ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[[ $# -eq 0 ]] || { usage >&2; exit 2; }

BUSYBOX=${BUSYBOX:-/bin/busybox}
GUEST_XPERF_USER=${GUEST_XPERF_USER:-$BUILD_DIR/userland/userland/xperf-user}
RINGCHECK=${RINGCHECK:-$XPERF_ROOT/module/tests/xperf-ringcheck}
SMPSTRESS=${SMPSTRESS:-$XPERF_ROOT/module/tests/xperf-smpstress}
XPERF_MODULE=${XPERF_MODULE:-$XPERF_ROOT/module/xperf.ko}
GUEST=$XPERF_ROOT/scripts/guest

need_cmd gcc gzip readelf ldd objcopy

# gen_init_cpio from a kernel build: it writes device nodes (/dev/console)
# without needing root or mknod.
gen_init_cpio=
for k in patched baseline; do
	if [[ -x $(kernel_dir "$k")/usr/gen_init_cpio ]]; then
		gen_init_cpio=$(kernel_dir "$k")/usr/gen_init_cpio
		break
	fi
done
[[ -n $gen_init_cpio ]] || die "no kernel built yet (need its usr/gen_init_cpio): run 'make kernel-baseline'"

is_static() { ! readelf -l "$1" 2>/dev/null | grep -q 'interpreter'; }

[[ -x $BUSYBOX ]] || die "$BUSYBOX missing: apt-get install busybox-static"
is_static "$BUSYBOX" || die "$BUSYBOX is dynamically linked: install busybox-static"

mkdir -p "$BUILD_DIR/vm"
exit_status=$BUILD_DIR/vm/xperf-exit-status
if [[ ! -x $exit_status || $GUEST/exit-status.c -nt $exit_status ]]; then
	run gcc -static -O2 -Wall -Wextra -Werror -o "$exit_status" "$GUEST/exit-status.c"
fi

spec=$(mktemp)
manifest=$(mktemp)
stripped=$(mktemp -d)
trap 'rm -rf "$spec" "$manifest" "$out.tmp" "$stripped"' EXIT

{
	for d in /bin /dev /proc /sys /tmp /root /xperf /xperf/tests /lib /lib/modules; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /init $GUEST/init 0755 0 0"
	echo "file /xperf/lib.sh $GUEST/lib.sh 0644 0 0"
	for t in "$GUEST"/tests/*.sh; do
		echo "file /xperf/tests/$(basename "$t") $t 0644 0 0"
	done
	echo "file /bin/busybox $BUSYBOX 0755 0 0"
	echo "file /bin/capture-tree $XPERF_ROOT/scripts/capture-tree 0755 0 0"
	echo "file /bin/xperf-exit-status $exit_status 0755 0 0"
	echo "file /xperf/manifest $manifest 0644 0 0"
} >"$spec"

# add_optional GUEST_PATH HOST_PATH WHAT: into the image if it exists.
add_optional() {
	local guest_path=$1 host_path=$2 what=$3 mode=0755
	if [[ ! -f $host_path ]]; then
		warn "$what not found at ${host_path#"$XPERF_ROOT"/}: left out, its guest tests will skip"
		return
	fi
	if [[ $guest_path == *.ko ]]; then
		mode=0644
	elif ! is_static "$host_path"; then
		[[ ${4:-} == shared-ok ]] ||
			die "$what (${host_path#"$XPERF_ROOT"/}) is dynamically linked; link it statically"
		add_shared_libraries "$host_path"
	fi
	local packed=$host_path
	if [[ $guest_path != *.ko ]]; then
		packed=$stripped/$(basename "$guest_path")
		run objcopy --strip-debug "$host_path" "$packed"
	fi
	echo "file $guest_path $packed $mode 0 0" >>"$spec"
	echo "$guest_path ${host_path#"$XPERF_ROOT"/}" >>"$manifest"
}

# add_shared_libraries BINARY: its loader and libraries, each a plain file
# at the path the host's loader found it (no /lib -> usr/lib link in the
# guest), where the guest's loader looks for it.
declare -A packed_dirs=([/]=1 [/bin]=1 [/lib]=1 [/lib/modules]=1 [/xperf]=1)
declare -A packed_libs=()
add_shared_libraries() {
	local lib dir d
	while read -r lib; do
		[[ -z ${packed_libs[$lib]:-} ]] || continue
		packed_libs[$lib]=1
		dir=$(dirname "$lib") d=
		while [[ -z ${packed_dirs[$dir]:-} ]]; do
			packed_dirs[$dir]=1
			d="$dir $d"
			dir=$(dirname "$dir")
		done
		for dir in $d; do
			echo "dir $dir 0755 0 0" >>"$spec"
		done
		echo "file $lib $(readlink -f "$lib") 0755 0 0" >>"$spec"
	done < <(ldd "$1" | sed -n 's|.*=> \(/[^ ]*\) .*|\1|p; s|^[[:space:]]*\(/[^ ]*\) .*|\1|p' | sort -u)
}
add_optional /bin/xperf-user "$GUEST_XPERF_USER" "xperf-user" shared-ok
add_optional /bin/xperf-hello "$(dirname "$GUEST_XPERF_USER")/xperf-hello" \
	"xperf-hello (dynamically linked)" shared-ok
add_optional /bin/xperf-ringcheck "$RINGCHECK" "xperf-ringcheck (static)"
add_optional /bin/xperf-smpstress "$SMPSTRESS" "xperf-smpstress (static)"
add_optional /lib/modules/xperf.ko "$XPERF_MODULE" "xperf.ko"

[[ $V == 1 ]] && echo "+ $gen_init_cpio $spec | gzip -9n > $out" >&2
"$gen_init_cpio" "$spec" | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
info "${out#"$XPERF_ROOT"/}: $(wc -c <"$out") bytes; optional parts: $(cut -d' ' -f1 "$manifest" | tr '\n' ' ')"
