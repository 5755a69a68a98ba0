// SPDX-License-Identifier: GPL-2.0
/*
 * xperf-smpstress: start and stop measuring, over and over, on a busy SMP
 * machine, run as root in a guest with xperf.ko loaded.
 *
 * While the main thread writes "start" and "stop" to the control file T
 * times (default 1000), one worker per CPU makes system calls (500 and
 * getppid) and takes page faults on fresh pages, moving to the next CPU
 * every few crossings, and the measured thread does the same, so that the
 * entry and exit paths run on every CPU at every moment of a switch.  A
 * reader thread drains the ring meanwhile.  Afterwards:
 *
 *  - the accounting is exact: produced == read + dropped, nothing queued,
 *    and the ring gave exactly the records the counters say were read;
 *  - every record is the measured thread's, and each seq appears once;
 *  - every record's stamps are in order (entry < kernel entry < kernel
 *    exit < exit, as far as the record has them);
 *  - a record is marked migrated exactly when it left on another CPU, and
 *    with two CPUs or more some records did migrate.
 *
 * The kernel log is checked by the guest test that runs it.  Exits 0 when
 * every check holds, 1 with a message otherwise.
 *
 * usage: xperf-smpstress [-t TOGGLES] [-d DIR]   (DIR: /sys/kernel/debug/xperf)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <xperf/abi.h>

#define PAGE		4096UL
#define PAGES		16	/* fresh pages per round of a crosser */
#define MOVE_EVERY	8	/* crossings between two CPU moves */
#define MAX_RECORDS	(1UL << 20)

static const char *dir = "/sys/kernel/debug/" XPERF_DEBUGFS_DIR;
static atomic_int done;
static atomic_long measured_tid;
static int failures;
static long ncpus;

static void fail(const char *what, unsigned long long a, unsigned long long b)
{
	if (failures++ < 20)
		printf("xperf-smpstress: FAIL: %s (%llu, %llu)\n", what, a, b);
}

static void die(const char *what)
{
	printf("xperf-smpstress: FAIL: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int open_file(const char *name, int flags)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags);
	if (fd < 0)
		die(path);
	return fd;
}

static void command(int fd, const char *cmd)
{
	ssize_t n = (ssize_t)strlen(cmd);

	if (write(fd, cmd, n) != n)
		die(cmd);
}

static void move_to(long cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % ncpus, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* System calls and fresh-page faults, moving between CPUs, until done. */
static void *cross(void *arg)
{
	long cpu = (long)arg;
	unsigned long i;

	if (cpu < 0) {
		atomic_store(&measured_tid, syscall(SYS_gettid));
		cpu = 0;
	}
	for (i = 0; !atomic_load(&done); i++) {
		char *pages = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int p;

		if (pages == MAP_FAILED)
			die("mmap");
		for (p = 0; p < PAGES; p++) {
			pages[p * PAGE] = 1;
			syscall(XPERF_NOP_NR);
			getppid();
			if (p % MOVE_EVERY == 0)
				move_to(++cpu);
		}
		munmap(pages, PAGES * PAGE);
	}
	return NULL;
}

struct reader {
	int fd;
	struct xperf_record *recs;
	size_t n;
};

static size_t read_some(struct reader *r)
{
	ssize_t got;

	if (r->n == MAX_RECORDS)
		return 0;
	got = read(r->fd, r->recs + r->n, (MAX_RECORDS - r->n < 64 ? MAX_RECORDS - r->n : 64) *
		   sizeof(*r->recs));
	if (got < 0)
		die("read ring");
	r->n += got / sizeof(*r->recs);
	return got;
}

static void *drain(void *arg)
{
	struct reader *r = arg;

	while (!atomic_load(&done))
		if (!read_some(r))
			usleep(1000);
	return NULL;
}

static void counters(unsigned long long *p, unsigned long long *r,
		     unsigned long long *d, unsigned long long *q)
{
	char buf[16384], *line;
	int fd = open_file(XPERF_DEBUGFS_COUNTERS, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	close(fd);
	if (n <= 0)
		die("read counters");
	buf[n] = '\0';
	line = strstr(buf, "total ");
	if (!line || sscanf(line, "total produced=%llu read=%llu dropped=%llu queued=%llu",
			    p, r, d, q) != 4)
		die("counters: no total line");
}

static int cmp_seq(const void *a, const void *b)
{
	const struct xperf_record *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void check_records(struct reader *r, pid_t tid, size_t *migrated)
{
	const unsigned int both = XPERF_REC_ENTRY | XPERF_REC_KEXIT;
	size_t i;

	qsort(r->recs, r->n, sizeof(*r->recs), cmp_seq);
	*migrated = 0;
	for (i = 0; i < r->n; i++) {
		const struct xperf_record *x = &r->recs[i];
		int moved = x->cpu != x->exit_cpu;

		if (x->pid != (__u32)tid)
			fail("record of another task (pid, measured)", x->pid, tid);
		if (i && x->seq == r->recs[i - 1].seq)
			fail("seq twice", x->seq, i);
		if ((x->flags & both) == both && !(x->entry_tsc < x->kernel_entry_tsc))
			fail("entry not before kernel entry", x->entry_tsc,
			     x->kernel_entry_tsc);
		if ((x->flags & XPERF_REC_KEXIT) &&
		    !(x->kernel_entry_tsc <= x->kernel_exit_tsc) && !moved)
			fail("kernel entry after kernel exit", x->kernel_entry_tsc,
			     x->kernel_exit_tsc);
		if ((x->flags & XPERF_REC_EXIT) && !(x->kernel_exit_tsc < x->exit_tsc))
			fail("exit stamp before kernel exit", x->kernel_exit_tsc, x->exit_tsc);
		if ((x->flags & XPERF_REC_EXIT) && !(x->flags & XPERF_REC_KEXIT))
			fail("exit stamp without kernel exit", x->seq, x->flags);
		if ((x->flags & XPERF_REC_KEXIT) &&
		    !!(x->flags & XPERF_REC_MIGRATED) != moved)
			fail("migrated flag wrong (cpu, exit cpu)", x->cpu, x->exit_cpu);
		*migrated += !!(x->flags & XPERF_REC_MIGRATED);
	}
}

int main(int argc, char **argv)
{
	unsigned long long produced, read_, dropped, queued;
	long toggles = 1000, t, c;
	pthread_t *workers, measured, reader;
	struct reader r = { 0 };
	size_t migrated;
	char cmd[64];
	int opt, ctl;

	while ((opt = getopt(argc, argv, "t:d:")) != -1) {
		switch (opt) {
		case 't':
			toggles = strtol(optarg, NULL, 10);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-t TOGGLES] [-d DIR]\n", argv[0]);
			return 2;
		}
	}
	if (toggles <= 0) {
		fprintf(stderr, "%s: TOGGLES must be a positive number\n", argv[0]);
		return 2;
	}
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	r.recs = calloc(MAX_RECORDS, sizeof(*r.recs));
	workers = calloc(ncpus, sizeof(*workers));
	if (!r.recs || !workers)
		die("calloc");

	ctl = open_file(XPERF_DEBUGFS_CONTROL, O_WRONLY);
	r.fd = open_file(XPERF_DEBUGFS_RING, O_RDONLY);
	command(ctl, XPERF_CMD_STOP);
	command(ctl, XPERF_CMD_RESET);

	if (pthread_create(&measured, NULL, cross, (void *)-1L))
		die("pthread_create");
	for (c = 0; c < ncpus; c++)
		if (pthread_create(&workers[c], NULL, cross, (void *)c))
			die("pthread_create");
	while (!atomic_load(&measured_tid))
		usleep(100);
	snprintf(cmd, sizeof(cmd), "%s %ld", XPERF_CMD_PID, atomic_load(&measured_tid));
	command(ctl, cmd);
	if (pthread_create(&reader, NULL, drain, &r))
		die("pthread_create");

	/* The toggling task moves too: a switch from every CPU. */
	for (t = 0; t < toggles; t++) {
		move_to(t);
		command(ctl, XPERF_CMD_START);
		if (t % 2)
			usleep(t % 7 * 100);
		command(ctl, XPERF_CMD_STOP);
	}

	atomic_store(&done, 1);
	pthread_join(measured, NULL);
	for (c = 0; c < ncpus; c++)
		pthread_join(workers[c], NULL);
	pthread_join(reader, NULL);
	while (read_some(&r))
		;

	counters(&produced, &read_, &dropped, &queued);
	if (produced != read_ + dropped || queued)
		fail("produced != read + dropped, or queued (produced, queued)", produced, queued);
	if (read_ != r.n)
		fail("counters' read against the records the ring gave", read_, r.n);
	if (!produced)
		fail("no record at all (produced, toggles)", produced, toggles);
	check_records(&r, (pid_t)atomic_load(&measured_tid), &migrated);
	if (ncpus > 1 && !migrated)
		fail("no record migrated (records, cpus)", r.n, ncpus);

	printf("xperf-smpstress: cpus=%ld toggles=%ld produced=%llu read=%llu dropped=%llu migrated=%zu\n",
	       ncpus, toggles, produced, read_, dropped, migrated);
	if (failures) {
		printf("xperf-smpstress: %d check(s) failed\n", failures);
		return 1;
	}
	printf("xperf-smpstress: all checks passed\n");
	return 0;
}
