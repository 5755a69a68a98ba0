// SPDX-License-Identifier: GPL-2.0
/*
 * xperf-ringcheck: end-to-end check of the xperf kernel series and
 * xperf.ko, run as root in a guest with the module loaded.
 *
 *  1. system call 500 answers XPERF_NOP_MAGIC;
 *  2. measuring itself, K minor faults on fresh anonymous pages (re-armed
 *     with MADV_DONTNEED, or by mapping them anew without madvise) and K
 *     calls of system call 500 give exactly K pgfault and K syscall-500
 *     records, each with t_before < entry < kernel entry < kernel exit
 *     [< exit, when paired] < t_after, and produced == read + dropped;
 *  3. more crossings than a ring holds, read by two threads at once: the
 *     ring drops and counts the excess, every record is read exactly once,
 *     produced == read + dropped;
 *  4. with the ring open, the module refuses to unload (debugfs pins it);
 *  5. malformed control commands and out-of-range vmexit ioctl()s are
 *     refused with EINVAL (ENOTTY for an unknown ioctl), and change nothing;
 *  6. with two CPUs or more, a task that migrates between its crossings:
 *     a crossing that moved CPU says so (XPERF_REC_MIGRATED), the others
 *     do not, and every record is on the CPU it was made on.
 *
 * Prints the median of each leg (TSC ticks) and exits 0 when every check
 * holds, 1 with a message otherwise.
 *
 * usage: xperf-ringcheck [-k K] [-d DIR]   (DIR: /sys/kernel/debug/xperf)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <x86intrin.h>

#include <xperf/abi.h>

#define noinline	__attribute__((__noinline__))

#define PAGE		4096UL
#define ROUND_PAGES	64	/* pages touched between two MADV_DONTNEED */

static const char *dir = "/sys/kernel/debug/" XPERF_DEBUGFS_DIR;
static int failures;

static void report(const char *fmt, va_list ap)
{
	fputs("xperf-ringcheck: FAIL: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	failures++;
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(fmt, ap);
	va_end(ap);
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(fmt, ap);
	va_end(ap);
	exit(1);
}

/* Serialized TSC reads: nothing before/after leaks past them. */
static inline __u64 tsc_begin(void)
{
	_mm_lfence();
	return __rdtsc();
}

static inline __u64 tsc_end(void)
{
	unsigned int aux;
	__u64 t = __rdtscp(&aux);

	_mm_lfence();
	return t;
}

static int open_file(const char *name, int flags)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags);
	if (fd < 0)
		die("open %s: %s (is xperf.ko loaded, debugfs mounted?)", path,
		    strerror(errno));
	return fd;
}

static int control_fd;

/* Write @cmd as it is; 0 or the errno of the refusal. */
static int try_command(const char *cmd)
{
	ssize_t n = (ssize_t)strlen(cmd);

	return write(control_fd, cmd, n) == n ? 0 : errno;
}

static void command(const char *fmt, ...)
{
	char cmd[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (write(control_fd, cmd, n) != n)
		die("writing \"%s\" to the control file: %s", cmd, strerror(errno));
}

struct counters {
	unsigned long long produced, read, dropped, queued;
};

static struct counters read_counters(void)
{
	char buf[8192], *line;
	struct counters c;
	int fd = open_file(XPERF_DEBUGFS_COUNTERS, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	close(fd);
	if (n <= 0)
		die("read counters: %s", n < 0 ? strerror(errno) : "empty");
	buf[n] = '\0';
	line = strstr(buf, "total ");
	if (!line || sscanf(line, "total produced=%llu read=%llu dropped=%llu queued=%llu",
			    &c.produced, &c.read, &c.dropped, &c.queued) != 4)
		die("counters: no total line in:\n%s", buf);
	return c;
}

/* Read the ring until it is empty; returns the number of records. */
static size_t drain(int fd, struct xperf_record *out, size_t max)
{
	size_t n = 0;

	for (;;) {
		ssize_t got;

		if (n == max)
			die("more than %zu records in the ring", max);
		got = read(fd, out + n, (max - n) * sizeof(*out));
		if (got < 0)
			die("read ring: %s", strerror(errno));
		if (got == 0)
			return n;
		if (got % sizeof(*out))
			die("read ring: %zd bytes is not whole records", got);
		n += got / sizeof(*out);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_seq(const void *a, const void *b)
{
	const struct xperf_record *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static __u64 median(__u64 *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/*
 * Check the records of one crossing against the user-side stamps of the
 * i-th crossing, in order of seq, and print the legs' medians.
 */
static void check_crossings(const char *what, struct xperf_record **recs,
			    size_t k, const __u64 *before,
			    const __u64 *after, __u64 *scratch)
{
	static const char *const legs[] = {
		"user->entry", "entry code", "kernel", "exit code", "exit->user",
	};
	size_t i, paired = 0, n[5] = { 0 };
	__u64 *leg[5];

	for (i = 0; i < 5; i++)
		leg[i] = scratch + i * k;

	for (i = 0; i < k; i++) {
		const struct xperf_record *r = recs[i];
		unsigned int need = XPERF_REC_ENTRY | XPERF_REC_KEXIT;

		if ((r->flags & need) != need) {
			fail("%s %zu: flags %#x lack entry/kernel-exit stamps", what, i,
			     r->flags);
			continue;
		}
		if (!(before[i] < r->entry_tsc && r->entry_tsc < r->kernel_entry_tsc &&
		      r->kernel_entry_tsc < r->kernel_exit_tsc)) {
			fail("%s %zu: not before %llu < entry %llu < kentry %llu < kexit %llu",
			     what, i, (unsigned long long)before[i],
			     (unsigned long long)r->entry_tsc,
			     (unsigned long long)r->kernel_entry_tsc,
			     (unsigned long long)r->kernel_exit_tsc);
			continue;
		}
		if (r->flags & XPERF_REC_EXIT) {
			if (!(r->kernel_exit_tsc < r->exit_tsc && r->exit_tsc < after[i])) {
				fail("%s %zu: not kernel exit %llu < exit %llu < t_after %llu",
				     what, i, (unsigned long long)r->kernel_exit_tsc,
				     (unsigned long long)r->exit_tsc,
				     (unsigned long long)after[i]);
				continue;
			}
			paired++;
			leg[3][n[3]++] = r->exit_tsc - r->kernel_exit_tsc;
			leg[4][n[4]++] = after[i] - r->exit_tsc;
		} else if (!(r->kernel_exit_tsc < after[i])) {
			fail("%s %zu: not kernel exit %llu < t_after %llu", what, i,
			     (unsigned long long)r->kernel_exit_tsc,
			     (unsigned long long)after[i]);
			continue;
		}
		leg[0][n[0]++] = r->entry_tsc - before[i];
		leg[1][n[1]++] = r->kernel_entry_tsc - r->entry_tsc;
		leg[2][n[2]++] = r->kernel_exit_tsc - r->kernel_entry_tsc;
	}
	/* An interrupt between a return and the next entry unpairs a few. */
	if (paired < k / 2)
		fail("%s: only %zu of %zu exit stamps paired", what, paired, k);

	printf("%-8s n=%zu paired=%zu medians (TSC ticks):", what, k, paired);
	for (i = 0; i < 5; i++)
		printf(" %s=%llu", legs[i], (unsigned long long)median(leg[i], n[i]));
	putchar('\n');
}

/* Phase 2: more crossings than the ring holds, read by two threads. */
struct reader {
	int fd;
	struct xperf_record *recs;
	size_t max, n;
};

/* One record per read(), so that the two readers interleave. */
static void *reader_thread(void *arg)
{
	struct reader *rd = arg;
	ssize_t got;

	while (rd->n < rd->max &&
	       (got = read(rd->fd, rd->recs + rd->n, sizeof(*rd->recs))) > 0)
		rd->n++;
	return NULL;
}

static void check_overflow(long calls, struct xperf_record *buf, size_t max)
{
	struct reader rd[2];
	pthread_t th[2];
	struct counters c;
	__u64 *seqs;
	size_t i, total;
	long j;

	command("%s", XPERF_CMD_RESET);
	command("%s %d", XPERF_CMD_PID, getpid());
	command("%s", XPERF_CMD_START);
	for (j = 0; j < calls; j++)
		syscall(XPERF_NOP_NR);
	command("%s", XPERF_CMD_STOP);

	for (i = 0; i < 2; i++) {
		rd[i].fd = open_file(XPERF_DEBUGFS_RING, O_RDONLY);
		rd[i].recs = buf + i * (max / 2);
		rd[i].max = max / 2;
		rd[i].n = 0;
		if (pthread_create(&th[i], NULL, reader_thread, &rd[i]))
			die("pthread_create failed");
	}
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		close(rd[i].fd);
	}

	c = read_counters();
	total = rd[0].n + rd[1].n;
	if (c.produced != c.read + c.dropped || c.queued)
		fail("overflow: produced %llu != read %llu + dropped %llu (queued %llu)",
		     c.produced, c.read, c.dropped, c.queued);
	if (c.read != total)
		fail("overflow: counters say read %llu, the two readers got %zu",
		     c.read, total);
	if (!c.dropped || c.produced < (unsigned long long)calls)
		fail("overflow: %ld calls produced %llu records, dropped %llu",
		     calls, c.produced, c.dropped);

	/* Every record read once: no seq twice across the two readers. */
	seqs = calloc(total ? total : 1, sizeof(*seqs));
	if (!seqs)
		die("out of memory");
	for (i = 0; i < rd[0].n; i++)
		seqs[i] = rd[0].recs[i].seq;
	for (i = 0; i < rd[1].n; i++)
		seqs[rd[0].n + i] = rd[1].recs[i].seq;
	qsort(seqs, total, sizeof(*seqs), cmp_u64);
	for (i = 1; i < total; i++)
		if (seqs[i] == seqs[i - 1])
			fail("overflow: record seq %llu read twice",
			     (unsigned long long)seqs[i]);
	free(seqs);
	printf("overflow calls=%ld produced=%llu read=%llu (%zu + %zu) dropped=%llu\n",
	       calls, c.produced, c.read, rd[0].n, rd[1].n, c.dropped);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(%d): %s", cpu, strerror(errno));
}

static void expect_refused(const char *what, int got, int want)
{
	if (got != want)
		fail("bad input: %s: %s, expected %s", what,
		     got ? strerror(got) : "accepted", strerror(want));
}

/* Phase 5: what the module must refuse, and that refusing changes nothing. */
static void check_bad_input(void)
{
	static const char *const malformed[] = {
		"pid5junk", "pid 5junk", "pid 5 6", "pid -1", "pid 0", "pid",
		"pid ", "pid 99999999999", "pid 0x10", "start now", "stopp",
		"resetx", "bogus", "\n",
	};
	struct xperf_vmexit_run run;
	size_t i;
	int fd;

	command("%s", XPERF_CMD_STOP);
	command("%s %d", XPERF_CMD_PID, getpid());
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		expect_refused(malformed[i], try_command(malformed[i]), EINVAL);
	command("%s", XPERF_CMD_START);
	expect_refused("pid N while running", try_command("pid 1"), EBUSY);
	expect_refused("reset while running", try_command(XPERF_CMD_RESET), EBUSY);
	command("%s", XPERF_CMD_STOP);

	fd = open_file(XPERF_DEBUGFS_VMEXIT, O_RDWR);
	expect_refused("VMEXIT_ONE 0x100000001 (CPUID in the low 32 bits)",
		       ioctl(fd, XPERF_IOC_VMEXIT_ONE, 0x100000001UL) ? errno : 0, EINVAL);
	expect_refused("VMEXIT_ONE KINDS", ioctl(fd, XPERF_IOC_VMEXIT_ONE,
						 (unsigned long)XPERF_VMEXIT_KINDS) ? errno : 0,
		       EINVAL);
	expect_refused("VMEXIT_ONE -1", ioctl(fd, XPERF_IOC_VMEXIT_ONE, -1UL) ? errno : 0,
		       EINVAL);
	expect_refused("unknown ioctl", ioctl(fd, _IO('x', 99), 0UL) ? errno : 0, ENOTTY);
	memset(&run, 0, sizeof(run));
	run.exit = XPERF_VMEXIT_NONE;
	run.samples = 0;
	expect_refused("VMEXIT_RUN 0 samples", ioctl(fd, XPERF_IOC_VMEXIT_RUN, &run) ? errno : 0,
		       EINVAL);
	run.samples = XPERF_VMEXIT_MAX_SAMPLES + 1;
	expect_refused("VMEXIT_RUN MAX+1 samples",
		       ioctl(fd, XPERF_IOC_VMEXIT_RUN, &run) ? errno : 0, EINVAL);
	run.samples = 1;
	run.exit = XPERF_VMEXIT_KINDS;
	expect_refused("VMEXIT_RUN exit KINDS", ioctl(fd, XPERF_IOC_VMEXIT_RUN, &run) ? errno : 0,
		       EINVAL);
	close(fd);
	printf("bad input: %zu malformed commands and 7 bad ioctls refused\n",
	       sizeof(malformed) / sizeof(malformed[0]));
}

/* Phase 6: alternate between two CPUs, one syscall 500 on each visit. */
static void check_migration(struct xperf_record *buf, size_t max)
{
	const int visits = 200;
	size_t i, n, calls = 0, moves = 0, moved = 0;
	struct counters c;
	int fd, v;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("migration: skipped, one CPU online\n");
		return;
	}
	command("%s", XPERF_CMD_RESET);
	command("%s %d", XPERF_CMD_PID, getpid());
	command("%s", XPERF_CMD_START);
	for (v = 0; v < visits; v++) {
		pin(v % 2);
		syscall(XPERF_NOP_NR);
	}
	command("%s", XPERF_CMD_STOP);
	fd = open_file(XPERF_DEBUGFS_RING, O_RDONLY);
	n = drain(fd, buf, max);
	close(fd);
	c = read_counters();
	if (c.produced != c.read + c.dropped || c.queued || c.read != n)
		fail("migration: produced %llu, read %llu, dropped %llu, queued %llu, got %zu",
		     c.produced, c.read, c.dropped, c.queued, n);

	qsort(buf, n, sizeof(*buf), cmp_seq);
	for (i = 0; i < n; i++) {
		const struct xperf_record *r = &buf[i];
		int migrated = !!(r->flags & XPERF_REC_MIGRATED);
		int changed_cpu = r->cpu != r->exit_cpu;

		if ((r->flags & XPERF_REC_KEXIT) && migrated != changed_cpu)
			fail("migration: record %llu: cpu %u, exit cpu %u, flags %#x",
			     (unsigned long long)r->seq, r->cpu, r->exit_cpu, r->flags);
		/* Both on the exit CPU, migrated or not. */
		if ((r->flags & XPERF_REC_EXIT) && r->exit_tsc <= r->kernel_exit_tsc)
			fail("migration: record %llu: exit stamp before kernel exit",
			     (unsigned long long)r->seq);
		if (r->kind != XPERF_KIND_SYSCALL)
			continue;
		if (r->arg == XPERF_NOP_NR) {
			/* Pinned before the call: it runs where it was sent. */
			if (r->cpu != calls % 2 || migrated)
				fail("migration: call %zu on cpu %u (exit %u), sent to %zu",
				     calls, r->cpu, r->exit_cpu, calls % 2);
			calls++;
		} else if (r->arg == SYS_sched_setaffinity) {
			moves++;
			moved += migrated;
		}
	}
	if (calls != (size_t)visits)
		fail("migration: %zu syscall-%d records for %d calls", calls,
		     XPERF_NOP_NR, visits);
	/* Every setaffinity moves the task, but the first one may not. */
	if (moved < (size_t)visits - 1)
		fail("migration: only %zu of %zu sched_setaffinity calls marked migrated",
		     moved, moves);
	printf("migration calls=%zu setaffinity=%zu migrated=%zu\n", calls, moves, moved);
}

/* Give the pages at @p fresh and unpopulated again: one syscall. */
static void rearm(char *p, size_t len, int by_madvise)
{
	if (by_madvise) {
		if (madvise(p, len, MADV_DONTNEED))
			die("madvise(MADV_DONTNEED): %s", strerror(errno));
	} else if (mmap(p, len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != p) {
		die("mmap(MAP_FIXED): %s", strerror(errno));
	}
}

/* Use the stack now, so that it does not fault while measuring. */
static noinline void touch_stack(void)
{
	char pad[256 * 1024];

	memset(pad, 0, sizeof(pad));
	asm volatile("" : : "r"(pad) : "memory");	/* keep the memset */
}

/* One store, exactly: the measured fault. */
static inline void touch(char *page)
{
	asm volatile("movb $1, %0" : "=m"(*page) : : "memory");
}

int main(int argc, char **argv)
{
	size_t k = 1000, i, max, n, nf = 0, ns = 0, other_faults = 0;
	__u64 *before_f, *after_f, *before_s, *after_s, *scratch;
	struct xperf_record *recs, **faults, **calls;
	struct counters c;
	char *region;
	long ret;
	int opt, ring_fd, rearm_by_madvise;

	while ((opt = getopt(argc, argv, "k:d:")) != -1) {
		switch (opt) {
		case 'k':
			k = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-k K] [-d DIR]\n", argv[0]);
			return 2;
		}
	}
	if (!k)
		die("K must be positive");

	/* 1. The patched kernel's system call. */
	ret = syscall(XPERF_NOP_NR);
	if (ret != XPERF_NOP_MAGIC)
		die("syscall %d returned %ld (errno %d), not %#lx: kernel without the xperf series",
		    XPERF_NOP_NR, ret, ret < 0 ? errno : 0, (unsigned long)XPERF_NOP_MAGIC);
	printf("syscall %d = %#lx\n", XPERF_NOP_NR, ret);

	/* One CPU, so that all stamps come from one TSC. */
	pin(sched_getcpu());

	max = 4 * k + 8192;
	recs = calloc(max, sizeof(*recs));
	faults = calloc(k, sizeof(*faults));
	calls = calloc(k, sizeof(*calls));
	before_f = calloc(k, sizeof(__u64));
	after_f = calloc(k, sizeof(__u64));
	before_s = calloc(k, sizeof(__u64));
	after_s = calloc(k, sizeof(__u64));
	scratch = calloc(5 * k, sizeof(__u64));
	if (!recs || !faults || !calls || !before_f || !after_f || !before_s ||
	    !after_s || !scratch)
		die("out of memory");

	control_fd = open_file(XPERF_DEBUGFS_CONTROL, O_WRONLY);
	ring_fd = open_file(XPERF_DEBUGFS_RING, O_RDONLY);
	command("%s", XPERF_CMD_STOP);
	command("%s", XPERF_CMD_RESET);
	command("%s %d", XPERF_CMD_PID, getpid());

	/*
	 * No fault but the K measured ones: the stack used, everything mapped
	 * so far locked in (code pages included), then the measured region
	 * mapped, not locked, so that MADV_DONTNEED can re-arm it.
	 */
	touch_stack();
	if (mlockall(MCL_CURRENT))
		die("mlockall: %s", strerror(errno));
	region = mmap(NULL, ROUND_PAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	madvise(region, ROUND_PAGES * PAGE, MADV_NOHUGEPAGE);
	/* Kernels without CONFIG_ADVISE_SYSCALLS (tinyconfig) lack madvise. */
	rearm_by_madvise = !madvise(region, ROUND_PAGES * PAGE, MADV_DONTNEED);

	/* 2. K faults and K calls, measured. */
	command("%s", XPERF_CMD_START);
	for (i = 0; i < k; i++) {
		char *page = region + (i % ROUND_PAGES) * PAGE;

		if (i && i % ROUND_PAGES == 0)
			rearm(region, ROUND_PAGES * PAGE, rearm_by_madvise);
		before_f[i] = tsc_begin();
		touch(page);
		after_f[i] = tsc_end();
	}
	for (i = 0; i < k; i++) {
		before_s[i] = tsc_begin();
		ret = syscall(XPERF_NOP_NR);
		after_s[i] = tsc_end();
		if (ret != XPERF_NOP_MAGIC)
			die("syscall %d returned %ld on call %zu", XPERF_NOP_NR, ret, i);
	}
	command("%s", XPERF_CMD_STOP);

	n = drain(ring_fd, recs, max);
	c = read_counters();
	if (c.produced != c.read + c.dropped || c.queued)
		fail("produced %llu != read %llu + dropped %llu (queued %llu)",
		     c.produced, c.read, c.dropped, c.queued);
	if (c.read != n)
		fail("counters say read %llu, the ring gave %zu", c.read, n);

	/* The ring is merged from all CPUs: put it in order of entry. */
	for (i = 0; i < n; i++) {
		const struct xperf_record *r = &recs[i];

		if (r->pid != (__u32)getpid())
			fail("record %zu: pid %u, measuring %d", i, r->pid, getpid());
		if (r->seq >= n)
			fail("record %zu: seq %llu out of 0..%zu", i,
			     (unsigned long long)r->seq, n - 1);
	}
	if (failures)
		return 1;
	for (i = 0; i < n; i++) {
		struct xperf_record *r = &recs[i];

		if (r->kind == XPERF_KIND_PGFAULT) {
			unsigned long a = r->arg, lo = (unsigned long)region;

			if (a < lo || a >= lo + ROUND_PAGES * PAGE)
				other_faults++;
		}
	}
	qsort(recs, n, sizeof(*recs), cmp_seq);
	for (i = 0; i < n; i++) {
		struct xperf_record *r = &recs[i];

		if (r->kind == XPERF_KIND_PGFAULT && nf < k &&
		    r->arg == (unsigned long)(region + (nf % ROUND_PAGES) * PAGE))
			faults[nf++] = r;
		else if (r->kind == XPERF_KIND_SYSCALL && r->arg == XPERF_NOP_NR &&
			 ns < k)
			calls[ns++] = r;
	}
	printf("records=%zu pgfault=%zu (+%zu elsewhere) syscall500=%zu",
	       n, nf, other_faults, ns);
	printf(" produced=%llu read=%llu dropped=%llu\n", c.produced, c.read, c.dropped);
	if (nf != k || other_faults)
		fail("expected exactly %zu page faults, got %zu in the region and %zu elsewhere",
		     k, nf, other_faults);
	if (ns != k)
		fail("expected %zu syscall-%d records, got %zu", k, XPERF_NOP_NR, ns);
	if (nf == k)
		check_crossings("pgfault", faults, k, before_f, after_f, scratch);
	if (ns == k)
		check_crossings("syscall", calls, k, before_s, after_s, scratch);
	close(ring_fd);

	/* 3. Overflow and two readers. */
	check_overflow(3 * XPERF_RING_RECORDS + 100, recs, max);

	/* 4. No unload under an open reader (O_NONBLOCK: do not wait). */
	ring_fd = open_file(XPERF_DEBUGFS_RING, O_RDONLY);
	if (syscall(SYS_delete_module, "xperf", O_NONBLOCK) == 0)
		fail("xperf.ko unloaded while its ring was open");
	else if (errno != EWOULDBLOCK && errno != EBUSY)
		fail("delete_module with the ring open: %s, expected EBUSY/EWOULDBLOCK",
		     strerror(errno));
	else
		printf("unload with the ring open: refused (%s)\n", strerror(errno));
	close(ring_fd);

	/* 5. Bad input. */
	check_bad_input();

	/* 6. Migration (last: it leaves the task pinned elsewhere). */
	check_migration(recs, max);

	if (failures) {
		printf("xperf-ringcheck: %d check(s) failed\n", failures);
		return 1;
	}
	printf("xperf-ringcheck: all checks passed\n");
	return 0;
}
