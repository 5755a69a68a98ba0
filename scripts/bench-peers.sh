#!/usr/bin/env bash
# xperf beside the references a kernel developer already trusts: LMBench's
# OS subset and kvm-unit-tests' x86/vmexit, each run its own way, one after
# the other on this machine, and each pair's ratio.
set -euo pipefail

# LMBench -> xperf: one line per xperf entry of the OS suite.
#   entry       the xperf-user entry (crossing); every variant of it that
#               xperf's output has gets a line of its own
#   command     how LMBench runs the benchmark (scripts/lmbench), in its
#               bin folder; FILE is an empty file, DATA a 16 MiB file and
#               DIR a folder, all in the folder the file entries use
#   figure      what to read from its output: us ("N microseconds"), ctx2
#               (lat_ctx's "2 N"), mbs ("N MB/sec"), size-us and size-mbs
#               (the second number of "SIZE N"), fs-create-0k ... (lat_fs's
#               rate for that size, as µs per file)
#   peer        where the benchmark's peer comes from: fork (LMBench forks
#               it: LMBENCH_SCHED places it) or server ("-s" starts it,
#               "-S localhost" stops it); - for none
#   placements  the placements LMBench runs in: free (as LMBench runs),
#               same-cpu (taskset -c CPU), other-cpu (the peer pinned to
#               OTHER_CPU); an xperf variant without a placement in its
#               name is set beside the first
#   expect      variants xperf should have besides its placement variants
#               (/same-cpu, /other-cpu, /free): a line "—" where one is
#               missing
peers_map='
getppid         | lat_syscall null              | us            | -      | free                    |
read            | lat_syscall read              | us            | -      | free                    |
write           | lat_syscall write             | us            | -      | free                    |
stat            | lat_syscall stat FILE         | us            | -      | free                    |
fstat           | lat_syscall fstat FILE        | us            | -      | free                    |
open-close      | lat_syscall open FILE         | us            | -      | free                    |
select-file     | lat_select -n 100 file        | us            | -      | free                    |
select-tcp      | lat_select -n 100 tcp         | us            | -      | free                    |
sig-install     | lat_sig install               | us            | -      | free                    |
sig-handler     | lat_sig catch                 | us            | -      | free                    |
prot-fault      | lat_sig prot DATA             | us            | -      | free                    | less-catch
file-fault      | lat_pagefault DATA            | us            | -      | free                    | per-page
fork-exit       | lat_proc fork                 | us            | -      | same-cpu free           |
fork-exec       | lat_proc exec                 | us            | -      | same-cpu free           | dynamic-hello
fork-sh         | lat_proc shell                | us            | -      | same-cpu free           | dynamic-hello
ctxsw-0k        | lat_ctx -s 0 2                | ctx2          | fork   | same-cpu other-cpu free |
ctxsw-16k       | lat_ctx -s 16 2               | ctx2          | fork   | same-cpu other-cpu free |
pipe            | lat_pipe                      | us            | fork   | same-cpu other-cpu free |
unix            | lat_unix                      | us            | fork   | same-cpu other-cpu free |
udp             | lat_udp localhost             | us            | server | same-cpu other-cpu free |
tcp             | lat_tcp localhost             | us            | server | same-cpu other-cpu free |
tcp-connect     | lat_connect localhost         | us            | server | other-cpu same-cpu free |
file-create-0k  | lat_fs DIR                    | fs-create-0k  | -      | free                    |
file-delete-0k  | lat_fs DIR                    | fs-delete-0k  | -      | free                    |
file-create-10k | lat_fs DIR                    | fs-create-10k | -      | free                    |
file-delete-10k | lat_fs DIR                    | fs-delete-10k | -      | free                    |
mmap            | lat_mmap 8m DATA              | size-us       | -      | free                    |
bw-pipe         | bw_pipe                       | mbs           | fork   | same-cpu other-cpu free |
bw-unix         | bw_unix                       | mbs           | fork   | same-cpu other-cpu free |
bw-tcp          | bw_tcp -m 64k -M 4m localhost | mbs           | server | same-cpu other-cpu free |
bw-file-reread  | bw_file_rd 16m io_only DATA   | size-mbs      | -      | free                    |
bw-mmap-reread  | bw_mmap_rd 16m mmap_only DATA | size-mbs      | -      | free                    |
bw-mem-read     | bw_mem 64m frd                | size-mbs      | -      | free                    | whole-64m
bw-mem-write    | bw_mem 64m fwr                | size-mbs      | -      | free                    | whole-64m
'

usage() {
	cat <<USAGE
usage: scripts/bench-peers.sh [XPERF_USER]

Runs each peer that is named, its own way, and xperf-user's matching
entries, one after the other on this machine, then prints one table per
peer: each pair, the ratio xperf / peer and whether it is within 0.75 to
1.33. Neither peer is in Debian: build them by hand from their public
repositories (Documentation/benchmarks.rst) and say where:

  LMBENCH=DIR  LMBench's bin folder (bin/x86_64-linux-gnu of its checkout,
               after make -C src): its OS subset, the table at the top of
               this script, beside 'xperf-user suite os', the
               communication benchmarks free, on one CPU and with the peer
               on another; ENOUGH (default 5000 µs: LMBench's timing
               interval, which lat_pipe and lat_udp raise to 1 s and
               lat_tcp, bw_pipe and bw_unix to 2 s) and TRIES (LMBench's -N,
               the intervals it takes the median of: default 5, its own
               11) set how long each runs
  KUT=DIR      a kvm-unit-tests checkout built for x86_64 (./configure &&
               make): x86/vmexit.flat's cpuid and inl_from_qemu under QEMU
               with KVM as its x86/run runs them (KUT_RUNS boots, default
               3), beside xperf-user --crossing vmexit --vmm qemu --from
               kernel --exit cpuid, then pio; skipped without /dev/kvm

A peer not named is skipped with the reason. DIR (default: xperf's own
scratch choice, \$TMPDIR, else /dev/shm when it is a tmpfs, else /tmp) is
where both make their files, so that both measure the same file system.
CPU (default: the last one) is where xperf and the pinned LMBench runs
measure; OTHER_CPU (default: the first other online CPU) takes the peer of
the other-cpu runs. XPERF_ARGS adds xperf-user options; KEEP=DIR keeps
every output. V=1 shows the commands.

Exit status: 0 the tables were printed; 1 a run failed (its line says
so); 2 bad input: a usage error, LMBENCH or KUT not a build of the peer,
DIR not a writable folder, xperf-user not built, or a /tmp/hello that is
not LMBench's (lat_proc runs /tmp/hello).
USAGE
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -le 1 ]] || { usage >&2; exit 2; }

here=$(cd "$(dirname "$0")/.." && pwd)
xperf=${1:-$here/build/userland/userland/xperf-user}
cpu=${CPU:-$(($(nproc) - 1))}
read -r -a extra <<<"${XPERF_ARGS:-}"
export ENOUGH=${ENOUGH:-5000}
tries=${TRIES:-5}
kut_runs=${KUT_RUNS:-3}

say() { echo "bench-peers: $*" >&2; }
bad_input() { say "$*"; exit 2; }

run() {
	[[ ${V:-0} == 1 ]] && echo "+ $*" >&2
	"$@"
}

# Each peer named must be a build of it; a wrong path is an error, not a skip.
lmbench_bins=(lat_syscall lat_select lat_sig lat_pagefault lat_proc lat_ctx lat_pipe lat_unix
	lat_udp lat_tcp lat_connect lat_fs lat_mmap bw_pipe bw_unix bw_tcp bw_file_rd
	bw_mmap_rd bw_mem hello)
lmbench=${LMBENCH:-}
if [[ -n $lmbench ]]; then
	[[ -d $lmbench ]] || bad_input "LMBENCH=$lmbench: no such folder"
	missing=()
	for b in "${lmbench_bins[@]}"; do
		[[ -x $lmbench/$b ]] || missing+=("$b")
	done
	if [[ ${#missing[@]} -gt 0 ]]; then
		hint="build it (make -C src, Documentation/benchmarks.rst) and name its bin/OS folder"
		found=("$lmbench"/bin/*/lat_syscall)
		[[ -x ${found[0]} ]] && hint="did you mean LMBENCH=${found[0]%/lat_syscall}?"
		bad_input "LMBENCH=$lmbench is not LMBench's bin folder: no ${missing[*]}; $hint"
	fi
	lmbench=$(cd "$lmbench" && pwd)
	# lat_proc exec and shell run /tmp/hello (lat_proc.c's PROG)
	[[ ! -e /tmp/hello ]] || cmp -s /tmp/hello "$lmbench/hello" ||
		bad_input "/tmp/hello is not LMBench's hello ($lmbench/hello), which lat_proc runs there; move it away"
fi
kut=${KUT:-}
if [[ -n $kut ]]; then
	[[ -d $kut ]] || bad_input "KUT=$kut: no such folder"
	for f in x86/run config.mak x86/vmexit.flat; do
		[[ -e $kut/$f ]] ||
			bad_input "KUT=$kut is not a built kvm-unit-tests checkout: no $f (./configure && make there)"
	done
	kut=$(cd "$kut" && pwd)
fi
[[ -x $xperf ]] || bad_input "$xperf not built; run make"
if [[ -z $lmbench && -z $kut ]]; then
	say "LMBench skipped: LMBENCH not given (LMBench's bin folder)"
	say "kvm-unit-tests skipped: KUT not given (a built kvm-unit-tests checkout)"
	say "nothing to compare; usage: scripts/bench-peers.sh -h"
	exit 0
fi

# The scratch folder: xperf-user's own default where DIR is not given.
if [[ -n ${DIR:-} ]]; then
	dir=$DIR
elif [[ -n ${TMPDIR:-} ]]; then
	dir=$TMPDIR
elif [[ $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs ]]; then
	dir=/dev/shm
else
	dir=/tmp
fi
[[ -d $dir && -w $dir ]] || bad_input "DIR=$dir is not a writable folder"
dir=$(cd "$dir" && pwd)

other_cpu=${OTHER_CPU:-}
if [[ -z $other_cpu ]]; then
	for c in $(seq 0 $(($(nproc) - 1))); do
		[[ $c != "$cpu" ]] && { other_cpu=$c; break; }
	done
fi

if [[ -n ${KEEP:-} ]]; then
	tmp=$KEEP
	mkdir -p "$tmp"
else
	tmp=$(mktemp -d)
fi
work=""
hello_made=0
servers=()
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	local s
	for s in "${servers[@]}"; do
		stop_server "$s"
	done
	[[ $hello_made == 1 ]] && rm -f /tmp/hello
	[[ -n $work ]] && rm -rf "$work"
	[[ -z ${KEEP:-} ]] && rm -rf "$tmp"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

failed=0
: >"$tmp/notes"
note() { echo "$*" >>"$tmp/notes"; }

# The kernel's counts of connections its listen queues refused and of SYNs
# sent again: a refused connect waits a second (the SYN's first timeout),
# which a benchmark's mean then carries.
tcp_counters() {
	awk '/^TcpExt:/ {
		if (!names) { for (i = 2; i <= NF; i++) name[i] = $i; names = 1; next }
		for (i = 2; i <= NF; i++)
			if (name[i] == "ListenOverflows" || name[i] == "TCPSynRetrans")
				printf "%s %s\n", name[i], $i
	}' /proc/net/netstat 2>/dev/null || true
}

# LMBench's servers listen on fixed ports (bench.h: TCP_XACT, TCP_DATA,
# TCP_CONNECT, UDP_XACT; lib_udp.c turns UDP_XACT, -31238, into 34298), and
# "-s" forks the server and returns: the process listening on the port is
# the one to wait for and to stop.
declare -A server_port=([lat_tcp]="-t 31234" [bw_tcp]="-t 31236" [lat_connect]="-t 31237"
	[lat_udp]="-u 34298")

listener() {
	local -a how
	read -r -a how <<<"${server_port[$1]}"
	ss -Hlnp "${how[0]}" "sport = :${how[1]}" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2
}

# Start NAME's server under the placement's pin; its pid and binary are
# appended to servers.
start_server() {
	local name=$1 why=$2 pid i
	shift 2
	pid=$(listener "$name")
	if [[ -n $pid ]]; then
		echo "port ${server_port[$name]#-? } is taken by pid $pid ($(ps -o args= -p "$pid"))" >"$why"
		return 1
	fi
	run "$@" "$lmbench/$name" -s 2>>"$why"
	for ((i = 0; i < 50; i++)); do
		pid=$(listener "$name")
		[[ -n $pid ]] && break
		sleep 0.1
	done
	if [[ -z $pid ]]; then
		echo "its server did not listen within 5 s" >>"$why"
		timeout 10 "$lmbench/$name" -S localhost >/dev/null 2>&1 || true
		return 1
	fi
	servers+=("$pid $name")
}

# Stop a server as LMBench does ("-S localhost"), then wait for it to
# exit, so that the next one can bind the port; SIGTERM after 5 s.
stop_server() {
	local pid name i
	read -r pid name <<<"$1"
	timeout 10 "$lmbench/$name" -S localhost >/dev/null 2>&1 || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill "$pid" 2>/dev/null || true
}

# One LMBench benchmark in one placement; its output (stderr, where LMBench
# prints its figures) to $out, the TCP counters before and after to $out.tcp,
# why it could not run to $out.why.
lmbench_one() {
	local out=$1 peer=$2 placement=$3 cmdline=$4
	local -a cmd pin=() server_pin=() env=()
	read -r -a cmd <<<"$cmdline"
	for i in "${!cmd[@]}"; do
		case ${cmd[$i]} in
		FILE) cmd[i]=$work/file ;;
		DATA) cmd[i]=$work/data ;;
		DIR) cmd[i]=$work ;;
		esac
	done
	case $placement in
	same-cpu)
		pin=(taskset -c "$cpu")
		server_pin=(taskset -c "$cpu")
		;;
	other-cpu)
		pin=(taskset -c "$cpu")
		server_pin=(taskset -c "$other_cpu")
		# lib_sched.c: the benchmark process on the first CPU, its peer on the second
		env=(env "LMBENCH_SCHED=CUSTOM_UNIQUE $cpu $other_cpu")
		;;
	esac
	local status=0
	if [[ $peer == server ]]; then
		start_server "${cmd[0]}" "$out.why" "${server_pin[@]}" || return 1
	fi
	tcp_counters >"$out.tcp"
	(cd "$work" && run timeout 600 "${env[@]}" "${pin[@]}" "$lmbench/${cmd[0]}" -N "$tries" \
		"${cmd[@]:1}") >"$out" 2>&1 || status=$?
	tcp_counters | sed 's/^/after /' >>"$out.tcp"
	if [[ $peer == server ]]; then
		stop_server "${servers[-1]}"
		unset 'servers[-1]'
	fi
	[[ $status == 0 ]] || echo "exit status $status: $(tail -n 1 "$out")" >"$out.why"
	return "$status"
}

run_lmbench() {
	work=$(mktemp -d "$dir/bench-peers.XXXXXX")
	: >"$work/file"
	head -c $((16 << 20)) /dev/urandom >"$work/data"
	if [[ ! -e /tmp/hello ]]; then
		cp "$lmbench/hello" /tmp/hello
		hello_made=1
	fi
	mkdir -p "$tmp/lmbench"
	: >"$tmp/lmbench/index"
	local -A done_runs=()
	local n=0 entry cmdline figure peer placements placement key out
	while IFS='|' read -r entry cmdline figure peer placements _; do
		entry=$(echo "$entry" | xargs)
		[[ -z $entry ]] && continue
		cmdline=$(echo "$cmdline" | xargs)
		figure=$(echo "$figure" | xargs)
		peer=$(echo "$peer" | xargs)
		for placement in $placements; do
			key="$placement $cmdline"
			if [[ $placement == other-cpu && -z $other_cpu ]]; then
				printf '%s\t%s\t%s\t%s\t%s\n' "$entry" "$placement" "$cmdline" "$figure" \
					"-: one CPU online" >>"$tmp/lmbench/index"
				continue
			fi
			if [[ -z ${done_runs[$key]:-} ]]; then
				n=$((n + 1))
				out=$tmp/lmbench/$n.out
				if lmbench_one "$out" "$peer" "$placement" "$cmdline"; then
					done_runs[$key]=$out
				else
					done_runs[$key]="-: $(head -n 1 "$out.why")"
				fi
			fi
			printf '%s\t%s\t%s\t%s\t%s\n' "$entry" "$placement" "$cmdline" "$figure" \
				"${done_runs[$key]}" >>"$tmp/lmbench/index"
		done
	done <<<"$peers_map"
	rm -rf "$work"
	work=""
}

run_xperf_os() {
	run "$xperf" suite os --cpu "$cpu" --dir "$dir" --json --no-raw -o "$tmp/xperf-os.json" \
		"${extra[@]}" >"$tmp/xperf-os.txt" || { note "xperf-user suite os failed"; failed=1; }
	# The free placement, as LMBench runs: where xperf-user has it.
	if "$xperf" --help 2>&1 | grep -q -- '--placement'; then
		local comm
		comm=$(echo "$peers_map" | awk -F'|' '$5 ~ /free/ && $5 ~ /other-cpu/ { gsub(/ /, "", $1); printf "%s%s", s, $1; s="," }')
		run "$xperf" -c "$comm" --placement free --dir "$dir" --ci-width 0.05 --time-limit 150 \
			--json --no-raw -o "$tmp/xperf-free.json" "${extra[@]}" >"$tmp/xperf-free.txt" ||
			{ note "xperf-user --placement free failed"; failed=1; }
	else
		note "xperf-user has no --placement: its /free variants show —"
	fi
}

run_kut() {
	mkdir -p "$tmp/kut"
	local i
	for ((i = 1; i <= kut_runs; i++)); do
		(cd "$kut" && run env ACCEL=kvm TIMEOUT=300 ./x86/run x86/vmexit.flat -smp 1 \
			-append "cpuid inl_from_qemu") >"$tmp/kut/$i.out" 2>&1 ||
			{ note "kvm-unit-tests boot $i failed: status $? ($tmp/kut/$i.out)"; failed=1; }
	done
	for exit in cpuid pio; do
		run "$xperf" --crossing vmexit --vmm qemu --exit "$exit" --from kernel --cpu "$cpu" \
			--json --no-raw -o "$tmp/kut/xperf-$exit.json" "${extra[@]}" >/dev/null ||
			{ note "xperf-user --crossing vmexit --vmm qemu --exit $exit failed"; failed=1; }
	done
}

cut -d' ' -f1-3 /proc/loadavg >"$tmp/load"
if [[ -n $lmbench ]]; then
	say "LMBench (ENOUGH=$ENOUGH, -N $tries) in $dir, then xperf-user suite os: a few minutes"
	run_lmbench
	run_xperf_os
else
	note "LMBench skipped: LMBENCH not given (LMBench's bin folder)"
fi
if [[ -z $kut ]]; then
	note "kvm-unit-tests skipped: KUT not given (a built kvm-unit-tests checkout)"
elif [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
	note "kvm-unit-tests skipped: no usable /dev/kvm here (x86/vmexit needs KVM for figures that mean anything)"
	kut=""
else
	say "kvm-unit-tests x86/vmexit, $kut_runs boots, then xperf-user --crossing vmexit --vmm qemu"
	run_kut
fi

cut -d' ' -f1-3 /proc/loadavg >>"$tmp/load"
python3 - "$tmp" "$cpu" "${other_cpu:--}" "$dir" "$(stat -f -c %T "$dir")" \
	"$ENOUGH" "$tries" "${lmbench:+1}" "${kut:+1}" "$peers_map" <<'PY' || failed=1
import json, math, os, re, statistics, sys

(tmp, cpu, other_cpu, scratch, scratch_fs, enough, tries, with_lmbench, with_kut,
 peers_map) = sys.argv[1:]
LOW, HIGH = 0.75, 1.33
PLACEMENTS = ("same-cpu", "other-cpu", "free")
failed = False


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def placement_of(variant):
    last = variant.rsplit("/", 1)[-1]
    return last if last in PLACEMENTS else None


def xperf_figure(r):
    """Median and the half-width of its 95 % interval in percent; µs, or
    MB/s for a bandwidth entry (bytes per iteration in its detail)."""
    med = r["stats"]["median"]
    ci = r.get("median_ci", {})
    half = (ci["hi"] - ci["lo"]) / 2 / med * 100 if med and "hi" in ci else float("nan")
    ns = r["stats_ns"]["median"]
    nbytes = r.get("detail", {}).get("bytes_per_iteration")
    if nbytes:
        return nbytes / ns * 1e3, half, "MB/s"
    return ns / 1e3, half, "µs"


def lmbench_figure(text, figure):
    """LMBench's figure from its output, in µs or MB/s."""
    if figure == "us":
        m = re.findall(r": ([0-9.]+) microseconds", text)
        return float(m[-1]) if m else None
    if figure == "ctx2":
        m = re.findall(r"^2 ([0-9.]+)$", text, re.M)
        return float(m[-1]) if m else None
    if figure == "mbs":
        m = re.findall(r"([0-9.]+) MB/sec", text)
        return float(m[-1]) if m else None
    if figure in ("size-us", "size-mbs"):
        m = re.findall(r"^[0-9.]+ ([0-9.]+)$", text, re.M)
        return float(m[-1]) if m else None
    m = re.fullmatch(r"fs-(create|delete)-(\w+)", figure)
    if m:
        row = re.search(rf"^{m.group(2)}\t\d+\t(\d+)\t(\d+)$", text, re.M)
        if not row:
            return None
        rate = float(row.group(1 if m.group(1) == "create" else 2))
        return 1e6 / rate if rate > 0 else None
    raise SystemExit(f"bench-peers: unknown figure kind {figure}")


def fmt(value, unit):
    if value is None:
        return "—"
    if unit == "MB/s":
        return f"{value:.0f} MB/s"
    return f"{value:.0f} µs" if value >= 100 else f"{value:#.3g} µs"


def verdict(ratio):
    if ratio is None:
        return "—"
    return "yes" if LOW <= ratio <= HIGH else "no"


def table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    right = {3, 5, 6, 7}
    for line in [header] + rows:
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w)
                 for i, (c, w) in enumerate(zip(line, widths))]
        print("  ".join(cells).rstrip())


def conditions(doc):
    c = doc["meta"]["conditions"]
    kpti = c.get("kpti", {}).get("enabled")
    return (f"{c['cpu']['model_name']}, {c['cpu']['logical_cpus']} CPUs, kernel "
            f"{c['kernel']['release']}, KPTI {'on' if kpti else 'off' if kpti is False else '?'}"
            f"{', under a hypervisor' if c.get('virtualization', {}).get('hypervisor') else ''}")


def tcp_deltas(path):
    """What the kernel's TCP counters moved by during one LMBench run."""
    before, after = {}, {}
    try:
        with open(path) as f:
            for line in f:
                words = line.split()
                if len(words) == 3 and words[0] == "after":
                    after[words[1]] = int(words[2])
                elif len(words) == 2:
                    before[words[0]] = int(words[1])
    except OSError:
        return ""
    moved = {k: after[k] - before[k] for k in before if k in after and after[k] > before[k]}
    words = {"ListenOverflows": "listen queue overflows", "TCPSynRetrans": "SYNs sent again"}
    return ", ".join(f"{words[k]} {moved[k]}" for k in words if k in moved)


def lmbench_table():
    global failed
    index = []
    with open(f"{tmp}/lmbench/index") as f:
        for line in f:
            entry, placement, command, figure, out = line.rstrip("\n").split("\t")
            index.append((entry, placement, command, figure, out))
    docs = [d for d in (load(f"{tmp}/xperf-os.json"), load(f"{tmp}/xperf-free.json")) if d]
    results = [r for d in docs for r in d["results"]]
    expect = {}
    for line in peers_map.strip().splitlines():
        fields = [x.strip() for x in line.split("|")]
        expect[fields[0]] = (fields[4].split(), fields[5].split())

    lmb = {}  # (entry, placement) -> (command, value or what stood in its way)
    tcp_notes, failures = [], []
    for entry, placement, command, figure, out in index:
        if out.startswith("-: "):
            if out.startswith("-: one CPU"):
                lmb[(entry, placement)] = (command, "one CPU", figure)
                continue
            failed = True
            failures.append(f"{command} ({placement}): {out[3:]}")
            lmb[(entry, placement)] = (command, "failed", figure)
            continue
        with open(out, errors="replace") as f:
            text = f.read()
        value = lmbench_figure(text, figure)
        refused = tcp_deltas(out + ".tcp")
        if refused:
            tcp_notes.append(f"{command} ({placement}): {refused} during its run")
        if value is None:
            failed = True
            last = text.strip().splitlines()[-1:] or ["nothing"]
            failures.append(f"{command} ({placement}): no figure in its output, which ends: "
                            f"{last[0]}")
            value = "failed"
        lmb[(entry, placement)] = (command, value, figure)

    if docs:
        print(f"LMBench beside xperf-user on {conditions(docs[0])}")
    print(f"LMBench ENOUGH={enough} -N {tries}; pinned runs on CPU {cpu}, other-cpu peer on CPU "
          f"{other_cpu}; files in {scratch_fs} ({scratch})")
    header = ["entry", "LMBench run", "placement", "LMBench", "xperf variant", "xperf",
              "±95%", "xperf/LMBench", "in 0.75-1.33"]
    rows, within, pairs = [], 0, 0
    for entry, (placements, wanted) in expect.items():
        home = placements[0]
        lines = []  # (placement, variant shown, result or None)
        mine = [r for r in results if r["crossing"] == entry]
        for r in mine:
            lines.append((placement_of(r["variant"]) or home, r["variant"], r))
        for w in wanted:
            if not any(w in r["variant"].split("/") for r in mine):
                lines.append((home, f"{w} (absent)", None))
        shown = {p for p, _, _ in lines}
        for p in placements:
            if p not in shown:
                lines.append((p, f"*/{p} (absent)" if len(placements) > 1 else "(absent)", None))
        lines.sort(key=lambda x: placements.index(x[0]) if x[0] in placements else len(placements))
        for p, variant, r in lines:
            command, value, figure = lmb.get((entry, p), ("", "not run", ""))
            unit = "MB/s" if figure.endswith("mbs") else "µs"
            xv = half = None
            if r is not None:
                xv, half, unit = xperf_figure(r)
            lv = value if isinstance(value, float) else None
            ratio = xv / lv if xv is not None and lv else None
            if ratio is not None:
                pairs += 1
                within += LOW <= ratio <= HIGH
            rows.append([entry, command, p, fmt(lv, unit) if lv is not None else value,
                         variant, fmt(xv, unit),
                         f"±{half:.1f}%" if half is not None and math.isfinite(half) else "",
                         f"{ratio:.2f}" if ratio is not None else "—", verdict(ratio)])
    table(header, rows)
    for d in docs:
        for s in d.get("skipped", []):
            print(f"xperf skipped {s['crossing']}: {s['reason']}")
    print(f"{within} of {pairs} pairs within 0.75-1.33")
    for n in dict.fromkeys(failures):
        print(f"LMBench {n}")
    for n in dict.fromkeys(tcp_notes):
        print(f"LMBench {n}: a connection its server's listen queue refused waits a second "
              "for its SYN to be sent again, in the figure's mean")


def kut_table():
    global failed
    boots = {"cpuid": [], "inl_from_qemu": []}
    for name in sorted(os.listdir(f"{tmp}/kut")):
        if not name.endswith(".out"):
            continue
        with open(f"{tmp}/kut/{name}", errors="replace") as f:
            text = f.read()
        for test in boots:
            m = re.search(rf"^{test} (\d+)$", text, re.M)
            if m:
                boots[test].append(int(m.group(1)))
    docs = {e: load(f"{tmp}/kut/xperf-{e}.json") for e in ("cpuid", "pio")}
    first = next((d for d in docs.values() if d), None)
    if first:
        qemu = first["results"][0]["method"].get("vmm", {}).get("version", "?")
        print(f"kvm-unit-tests x86/vmexit beside xperf-user --vmm qemu --from kernel, QEMU {qemu}, "
              f"on {conditions(first)}")
    print("TSC cycles per exit; kvm-unit-tests: the median of its boots (min-max), "
          "each a loop of 2^30 cycles timed with rdtsc")
    header = ["exit", "kvm-unit-tests test", "boots", "its cycles", "xperf variant",
              "xperf cycles", "±95%", "xperf/kvm-unit-tests", "in 0.75-1.33",
              "xperf loop", "loop/kvm-unit-tests"]
    rows = []
    for test, exit in (("cpuid", "cpuid"), ("inl_from_qemu", "pio")):
        figures = boots[test]
        kv = statistics.median(figures) if figures else None
        if kv is None:
            failed = True
        r = None
        if docs[exit]:
            r = next((x for x in docs[exit]["results"]
                      if x["crossing"] == "vmexit" and x["variant"] == f"{exit}/kernel"), None)
        xv = half = loop = None
        if r:
            xv = r["stats"]["median"]
            loop = (r.get("detail", {}).get("loop") or {}).get("cycles_per_round_trip")
            ci = r.get("median_ci", {})
            half = (ci["hi"] - ci["lo"]) / 2 / xv * 100 if xv and "hi" in ci else None
        ratio = xv / kv if xv is not None and kv else None
        rows.append([exit, test, f"{len(figures)}",
                     f"{kv:.0f} ({min(figures)}-{max(figures)})" if figures else "failed",
                     f"{exit}/kernel", f"{xv:.0f}" if xv is not None else "—",
                     f"±{half:.1f}%" if half is not None else "",
                     f"{ratio:.2f}" if ratio is not None else "—", verdict(ratio),
                     f"{loop:.0f}" if loop is not None else "—",
                     f"{loop / kv:.2f}" if loop is not None and kv else "—"])
    table(header, rows)
    print("xperf loop: the same exit back to back, timed as kvm-unit-tests times its loop "
          "(detail.loop)")
    if os.path.isdir("/sys/module/kvm_pvm"):
        print("this KVM is PVM-style (kvm_pvm loaded): it runs both loops' instructions in its "
              "instruction emulator, and kvm-unit-tests' loop has more of them "
              "(Documentation/vmexit.rst; --vmm builtin counts them: "
              "detail.kvm_emulated_instructions)")


with open(f"{tmp}/load") as f:
    loadavg = f.read().split("\n")
print(f"load average (1, 5, 15 min) at the start {loadavg[0]}, at the end {loadavg[1]}")
if with_lmbench:
    lmbench_table()
if with_kut:
    if with_lmbench:
        print()
    kut_table()
with open(f"{tmp}/notes") as f:
    for line in f:
        print(line.rstrip())
sys.exit(1 if failed else 0)
PY
exit "$failed"
