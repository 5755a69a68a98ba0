#!/usr/bin/env bash
# The series on a distribution config: Debian's own 6.12 configs (package
# linux-config-6.12), run through 'make olddefconfig' in the patched tree,
# keep CONFIG_XPERF=y. No kernel is built. Skips (status 77) with the
# reason when the patched tree or the configs are not there.
set -euo pipefail

usage() {
	cat <<USAGE
usage: tests/kernel/olddefconfig.sh [-h]

Environment:
  BUILD_DIR       the build tree, whose src/linux-patched 'make kernel'
                  makes [<repo>/build]
  DEBIAN_CONFIGS  Debian's kernel configs [/usr/src/linux-config-6.12]
USAGE
}
[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -eq 0 ]] || { usage >&2; exit 2; }

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
configs=${DEBIAN_CONFIGS:-/usr/src/linux-config-6.12}
tree=$build/src/linux-patched
skip() {
	echo "SKIP: $*"
	exit 77
}

[[ -f $tree/arch/x86/kernel/xperf.c ]] ||
	skip "no patched tree at $tree: 'make kernel' makes it"
shopt -s nullglob
list=("$configs"/config.amd64_*.xz)
[[ ${#list[@]} -gt 0 ]] ||
	skip "no Debian configs in $configs: apt-get install linux-config-6.12 (scripts/install-deps.sh)"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0 passed=0
for config in "${list[@]}"; do
	name=$(basename "$config" .xz)
	rm -rf "${out:?}"/*
	xz -dc "$config" >"$out/.config"
	# What makes a distribution config interesting here: these used to
	# drop CONFIG_XPERF.
	interesting=$(grep -E '^CONFIG_(AMD_MEM_ENCRYPT|XEN_PV|X86_FRED)=y' "$out/.config" | tr '\n' ' ' || true)
	if ! make -s -C "$tree" O="$out" olddefconfig >"$out.log" 2>&1; then
		echo "FAIL $name: make olddefconfig failed:"
		tail -n 20 "$out.log"
		failed=$((failed + 1))
	elif grep -qx 'CONFIG_XPERF=y' "$out/.config"; then
		echo "ok   $name: CONFIG_XPERF=y after olddefconfig (with ${interesting:-none of the former conflicts})"
		passed=$((passed + 1))
	else
		echo "FAIL $name: CONFIG_XPERF lost: $(grep -E 'CONFIG_XPERF[= ]' "$out/.config" || echo 'not in .config')"
		failed=$((failed + 1))
	fi
	rm -f "$out.log"
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
