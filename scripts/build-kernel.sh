#!/usr/bin/env bash
# Build the xperf guest kernel, patched or baseline, out of tree.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/build-kernel.sh [-h] patched|baseline|debug

Builds a bzImage from Linux 6.12 with the one config fragment
kernel/xperf.config merged on top of 'make tinyconfig':

  patched    the source with patches/series applied  -> build/kernel/patched
  baseline   the same source, unpatched              -> build/kernel/baseline
  debug      patched, and kernel/xperf-debug.config on top (lockdep, RCU
             and atomic-sleep checks, DEBUG_ENTRY, objtool's noinstr
             validation, KASAN)                       -> build/kernel/debug

Both flavours share version and configuration, so they differ only by the
series. Incremental: the source is extracted once, the patched copy is
re-made only when patches/ changes, and make rebuilds only what changed.
The sources and builds are shared by every clone on the machine
(XPERF_KERNEL_HOME, default ~/.cache/xperf; build/src and build/kernel link
there), and compiles go through ccache where it is installed.

Environment:
  KSRC=DIR        use this (clean) kernel tree instead of the Debian tarball
  KERNEL_TARBALL  default /usr/src/linux-source-6.12.tar.xz
  BUILD_DIR       default <repo>/build
  JOBS            parallel jobs, default \$(nproc)
  XPERF_KERNEL_HOME  where the sources and builds live [~/.cache/xperf];
                  none: in build/ of this clone
  XPERF_CCACHE=0  compile without ccache (used where installed, its cache
                  outside the tree: the same kernel, built faster the
                  second time, from any clone)
  V=1             show the commands and the kernel build's output
USAGE
}

# shellcheck source-path=SCRIPTDIR source=harness-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness-lib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -eq 1 && ( $1 == patched || $1 == baseline || $1 == debug ) ]] || { usage >&2; exit 2; }
flavour=$1

KERNEL_TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
JOBS=${JOBS:-$(nproc)}
FRAGMENTS=("$XPERF_ROOT/kernel/xperf.config")
[[ $flavour == debug ]] && FRAGMENTS+=("$XPERF_ROOT/kernel/xperf-debug.config")
PATCHES=$XPERF_ROOT/patches
SRC_DIR=$BUILD_DIR/src

need_cmd make gcc flex bison bc patch sha256sum flock cmp
for f in "${FRAGMENTS[@]}"; do
	[[ -f $f ]] || die "config fragment $f missing"
done

# The sources and builds, shared by the clones of this machine
# (harness-lib.sh). One kernel build at a time: the machines have two cores,
# and two clones may share a build.
link_kernel_home
mkdir -p "$BUILD_DIR/kernel"
exec 9>"$BUILD_DIR/kernel/.build.lock"
if ! flock -n 9; then
	info "another kernel build is running; waiting for it"
	flock 9
fi

# The pristine tree: KSRC as given, or the tarball extracted once. Sets
# PRISTINE, and PRISTINE_ID which changes whenever its content may have.
pristine_tree() {
	if [[ -n ${KSRC:-} ]]; then
		[[ -f $KSRC/Makefile && -d $KSRC/arch/x86 ]] ||
			die "KSRC=$KSRC is not a kernel source tree"
		[[ ! -f $KSRC/.config ]] ||
			die "KSRC=$KSRC has a .config; out-of-tree builds need a clean tree (make mrproper)"
		PRISTINE=$(cd "$KSRC" && pwd)
		PRISTINE_ID="$PRISTINE $(stat -c %Y "$PRISTINE/Makefile")"
		return
	fi
	[[ -f $KERNEL_TARBALL ]] ||
		die "no kernel source: $KERNEL_TARBALL missing (apt-get install linux-source-6.12, or give KSRC=)"
	local top id stamp
	# tar dies of SIGPIPE once head has its line; that is expected.
	top=$( (tar -tJf "$KERNEL_TARBALL" 2>/dev/null || true) | head -n 1)
	top=${top%%/*}
	id="$KERNEL_TARBALL $(stat -c '%s %Y' "$KERNEL_TARBALL")"
	stamp=$SRC_DIR/$top.extracted
	if [[ ! -d $SRC_DIR/$top || $(cat "$stamp" 2>/dev/null) != "$id" ]]; then
		info "extracting $(basename "$KERNEL_TARBALL") into ${SRC_DIR#"$XPERF_ROOT"/}/$top"
		rm -rf "${SRC_DIR:?}/$top" "$stamp"
		mkdir -p "$SRC_DIR"
		run tar -xJf "$KERNEL_TARBALL" -C "$SRC_DIR"
		echo "$id" >"$stamp"
	fi
	PRISTINE=$SRC_DIR/$top
	PRISTINE_ID=$id
}

# Files a series touches, from the "+++ b/path" lines of its patches.
touched_files() {
	local p
	for p in "$@"; do
		sed -n 's|^+++ [^/]*/\([^[:space:]]*\).*|\1|p' "$p"
	done | sort -u
}

# The patched tree: a copy of the pristine tree with patches/series applied
# in order, re-made whenever the tree or anything in the series changes.
# Sets SRC and SRC_ID.
patched_tree() {
	local pristine=$PRISTINE
	if [[ ! -f $PATCHES/series ]]; then
		warn "**************************************************************"
		warn "patches/series does not exist: the 'patched' kernel is the"
		warn "UNPATCHED source. Results from it are baseline results."
		warn "**************************************************************"
		SRC=$PRISTINE
		SRC_ID=$PRISTINE_ID
		return
	fi
	local name list=()
	while read -r name _; do
		[[ -z $name || $name == \#* ]] && continue
		[[ -f $PATCHES/$name ]] || die "patches/series names $name, which does not exist"
		list+=("$PATCHES/$name")
	done <"$PATCHES/series"

	local tree=$SRC_DIR/linux-patched stamp id
	stamp=$tree.stamp
	id=$({
		echo "$PRISTINE_ID"
		cat "$PATCHES/series"
		[[ ${#list[@]} -eq 0 ]] || sha256sum "${list[@]}"
	} | sha256sum | cut -d' ' -f1)
	SRC=$tree
	SRC_ID=$id
	[[ -d $tree && $(head -n 1 "$stamp" 2>/dev/null) == "$id" ]] && return

	info "applying patches/series (${#list[@]} patches) to a fresh copy of the source"
	local previously_touched=() old=$tree.old
	[[ -f $stamp ]] && mapfile -t previously_touched < <(tail -n +2 "$stamp")
	rm -rf "$old" "$stamp"
	[[ -d $tree ]] && mv "$tree" "$old"
	mkdir -p "$SRC_DIR"
	run cp -a "$pristine" "$tree"
	local p
	for p in "${list[@]}"; do
		run patch -d "$tree" -p1 --forward --batch --no-backup-if-mismatch -i "$p" ||
			die "patch ${p#"$XPERF_ROOT"/} does not apply"
	done
	# The copy keeps the pristine timestamps: a file that an earlier series
	# changed and this one does not would look older than its object file.
	# Every file either series touches gets a new time, so make rebuilds
	# it, unless its content is what the previous tree had: then it keeps
	# that tree's time, and what depends only on it is not rebuilt.
	local f now_touched=()
	[[ ${#list[@]} -eq 0 ]] || mapfile -t now_touched < <(touched_files "${list[@]}")
	for f in "${previously_touched[@]}" "${now_touched[@]}"; do
		[[ -e $tree/$f ]] || continue
		if [[ -f $old/$f ]] && cmp -s "$old/$f" "$tree/$f"; then
			touch -r "$old/$f" "$tree/$f"
		else
			touch "$tree/$f"
		fi
	done
	rm -rf "$old"
	{
		echo "$id"
		[[ ${#now_touched[@]} -eq 0 ]] || printf '%s\n' "${now_touched[@]}"
	} >"$stamp"
}

# Every "CONFIG_X=v" and "# CONFIG_X is not set" of the fragment must be in
# the final .config: merge_config.sh only warns when a dependency drops one.
# Symbols the tree does not define at all (those the series adds, seen from
# the baseline tree) are left out of the check and listed.
verify_config() {
	local src=$1 config=$2 line sym missing=0 known unknown=()
	known=$(mktemp)
	find "$src" -name 'Kconfig*' -exec sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/CONFIG_\2/p' {} + |
		sort -u >"$known"
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			sym=${BASH_REMATCH[1]}
			grep -qxF "$line" "$config" && continue
			if ! grep -qxF "$sym" "$known"; then
				unknown+=("$sym")
				continue
			fi
			warn "$line requested, but .config has: $(grep -E "^(# )?${sym}[= ]" "$config" || echo "nothing")"
			missing=1
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			sym=${BASH_REMATCH[1]}
			grep -qE "^$sym=" "$config" || continue
			warn "$line requested, but .config has: $(grep -E "^$sym=" "$config")"
			missing=1
		fi
	done < <(cat "${FRAGMENTS[@]}")
	rm -f "$known"
	if [[ ${#unknown[@]} -gt 0 ]]; then
		if [[ $flavour != baseline && -f $PATCHES/series ]]; then
			warn "not defined by the patched tree: ${unknown[*]}"
			missing=1
		else
			info "not in this (unpatched) tree, left out: ${unknown[*]}"
		fi
	fi
	[[ $missing -eq 0 ]] ||
		die "${FRAGMENTS[*]##*/}: options above did not survive the merge (missing dependency?)"
}

configure() {
	local src=$1 out=$2 id stamp=$2/.xperf-config.stamp
	# The tree's real path: the same from every clone sharing it.
	id=$({ echo "$(cd "$src" && pwd -P) $SRC_ID"; cat "${FRAGMENTS[@]}"; } | sha256sum | cut -d' ' -f1)
	if [[ -f $out/.config && $(cat "$stamp" 2>/dev/null) == "$id" ]]; then
		return
	fi
	info "configuring $flavour: tinyconfig + ${FRAGMENTS[*]##*/}"
	mkdir -p "$out"
	run make -C "$src" O="$out" CC="$KERNEL_CC" tinyconfig
	run "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${FRAGMENTS[@]}"
	run make -C "$src" O="$out" CC="$KERNEL_CC" olddefconfig
	verify_config "$src" "$out/.config"
	echo "$id" >"$stamp"
}

pristine_tree
if [[ $flavour != baseline ]]; then
	patched_tree
else
	SRC=$PRISTINE
	SRC_ID=$PRISTINE_ID
fi
src=$SRC
out=$(kernel_dir "$flavour")
kernel_cc
configure "$src" "$out"

info "building $flavour kernel (-j$JOBS, CC=$KERNEL_CC) in ${out#"$XPERF_ROOT"/}"
start=$SECONDS
run make -C "$src" O="$out" CC="$KERNEL_CC" -j"$JOBS" all
info "$flavour kernel ready: ${out#"$XPERF_ROOT"/}/arch/x86/boot/bzImage ($((SECONDS - start)) s, $(make -s -C "$src" O="$out" kernelrelease 2>/dev/null))"
