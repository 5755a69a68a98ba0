# shellcheck shell=bash
# Shared by the guest-harness scripts (build-kernel.sh, mkinitramfs.sh,
# vm-run.sh, vm-test.sh): paths, logging and the V=1 convention.
# Sourced, never run.

XPERF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$XPERF_ROOT/build}
V=${V:-0}

# Every script prefixes its messages with its own name.
HARNESS_NAME=$(basename "$0" .sh)

info() { echo "$HARNESS_NAME: $*"; }
warn() { echo "$HARNESS_NAME: WARNING: $*" >&2; }
die() {
	echo "$HARNESS_NAME: error: $*" >&2
	exit 1
}

# run CMD...: quiet unless V=1; on failure the captured output is shown,
# so a quiet build still says why it broke.
run() {
	if [[ $V == 1 ]]; then
		echo "+ $*" >&2
		"$@"
		return
	fi
	local out rc=0
	out=$(mktemp)
	"$@" >"$out" 2>&1 || rc=$?
	if [[ $rc -ne 0 ]]; then
		echo "$HARNESS_NAME: command failed ($rc): $*" >&2
		tail -n 60 "$out" >&2
	fi
	rm -f "$out"
	return "$rc"
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			die "'$c' not found; run scripts/install-deps.sh"
	done
}

# Where the kernel sources and builds live: XPERF_KERNEL_HOME, by default
# ~/.cache/xperf, shared by every clone on this machine as ccache's cache is,
# so that a fresh clone finds the kernels an earlier clone built and make
# rebuilds only what differs (nothing, for the same tree). build/src and
# build/kernel are symbolic links to its src/ and kernel/ folders, made by
# the first kernel build of the clone; XPERF_KERNEL_HOME=none (or no HOME)
# keeps them in the tree, as does a build/src or build/kernel that exists.
link_kernel_home() {
	local home=${XPERF_KERNEL_HOME:-}
	if [[ -z $home ]]; then
		[[ -n ${XDG_CACHE_HOME:-} || -n ${HOME:-} ]] || return 0
		home=${XDG_CACHE_HOME:-$HOME/.cache}/xperf
	fi
	[[ $home != none ]] || return 0
	local d
	for d in src kernel; do
		[[ -e $BUILD_DIR/$d || -L $BUILD_DIR/$d ]] && continue
		mkdir -p "$home/$d" "$BUILD_DIR"
		ln -s "$home/$d" "$BUILD_DIR/$d"
	done
}

# Kernel build directories, one per flavour.
kernel_dir() { echo "$BUILD_DIR/kernel/$1"; }
kernel_image() { echo "$BUILD_DIR/kernel/$1/arch/x86/boot/bzImage"; }

# The compiler of the kernel and module builds: gcc through ccache where it
# is installed (scripts/install-deps.sh installs it; the cache is ccache's
# own, outside the tree), gcc alone where not or with XPERF_CCACHE=0. The
# kernel's command lines name its source tree's absolute path, so its
# objects are shared between builds in the same place: the kernel home
# (link_kernel_home) is that place for every clone. Module objects, below
# the top of the tree, are hashed relative to it (CCACHE_BASEDIR), the
# working directory left out. Sets KERNEL_CC.
kernel_cc() {
	KERNEL_CC=gcc
	# ccache needs a home for its cache: without one, compile directly.
	if [[ ${XPERF_CCACHE:-1} != 0 ]] && command -v ccache >/dev/null 2>&1 &&
		[[ -n ${HOME:-}${CCACHE_DIR:-}${XDG_CACHE_HOME:-} ]]; then
		KERNEL_CC="ccache gcc"
		export CCACHE_BASEDIR=$XPERF_ROOT CCACHE_NOHASHDIR=1
	fi
}
