#!/usr/bin/env bash
# Install everything xperf needs to build, test and run its guest demo on
# Debian 12. Idempotent; run as root.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/install-deps.sh [-h]

Installs the Debian packages xperf builds and runs with: the C++ toolchain
and libraries (CLI11, nlohmann-json, {fmt}, GoogleTest), the kernel build
tools, linux-source-6.12 and Debian's kernel configs, QEMU, busybox-static,
clang (with its libFuzzer), libbpf and bpftool, matplotlib for
scripts/xperf-plot, docutils for the man pages, and ccache, through which
every build compiles (its cache is ccache's own, ~/.cache/ccache, outside
the tree).
Needs root and access to Debian's package mirrors. V=1 shows apt's output.
USAGE
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -eq 0 ]] || { usage >&2; exit 2; }

packages=(
	# userland
	build-essential cmake pkg-config
	# the compiler cache of every build (its cache: ~/.cache/ccache)
	ccache
	libcli11-dev nlohmann-json3-dev libfmt-dev libgtest-dev googletest
	linux-perf python3
	# scripts/bench-peers.sh: ss finds LMBench's servers by their ports
	iproute2
	# scripts/xperf-plot
	python3-matplotlib
	# the man pages: rst2man (Documentation/man)
	python3-docutils
	# the fuzz target of the result reader: clang's libFuzzer and sanitizers
	clang libclang-rt-14-dev
	# kernel, module and guest harness
	linux-source-6.12 linux-config-6.12 bc bison flex patch libssl-dev libelf-dev dwarves
	cpio xz-utils kmod busybox-static qemu-system-x86
	# eBPF
	clang llvm libbpf-dev bpftool zlib1g-dev
)

quiet=(-qq)
[[ ${V:-0} == 1 ]] && quiet=()

export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
	if [[ $(id -u) -ne 0 ]]; then
		echo "install-deps: missing ${missing[*]}; run as root: sudo $0" >&2
		exit 2
	fi
	echo "install-deps: installing ${missing[*]}"
	apt-get "${quiet[@]}" update
	apt-get "${quiet[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: all dependencies present"
