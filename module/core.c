// SPDX-License-Identifier: GPL-2.0
/*
 * xperf.ko: the consumer of the kernel's xperf hooks (CONFIG_XPERF).
 *
 * It turns the crossings of the measured task into fixed-size records
 * (struct xperf_record, include/xperf/abi.h) in a ring per CPU, and
 * exposes them under /sys/kernel/debug/xperf/:
 *
 *   ring      read() consumes whole records, from all CPUs' rings; 0 when
 *             all are empty
 *   control   write "pid N", "start", "stop", "reset"; read the state
 *   counters  produced, read, dropped and queued, per CPU and in total
 *   status    whether the kernel's entry code takes stamps here, and if not
 *             why not
 *   vmexit    ioctl()s timing VM exits from inside a guest (vmexit.c)
 *
 * A record is complete only once the task's next entry shows whether the
 * entry code's exit stamp belongs to it, so the crossing in progress is
 * held in xperf_open until then (or until "stop").  A full ring drops the
 * new record and counts it: produced = read + dropped + queued, always.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/threads.h>
#include <linux/uaccess.h>
#include <linux/xperf.h>
#include <uapi/linux/xperf.h>

/*
 * The project's ABI header, after the kernel's: it defines XPERF_NOP_MAGIC
 * with the same text, and a redefinition that differs is an error here.
 */
#include <xperf/abi.h>

#include "xperf.h"

#define XPERF_READ_BATCH	64	/* records per read() call at most */

struct xperf_ring {
	raw_spinlock_t lock;	/* taken with interrupts off by the hooks */
	u32 head;		/* next record to write */
	u32 tail;		/* next record to read */
	u64 produced;		/* records made on this CPU */
	u64 read;		/* handed to a reader */
	u64 dropped;		/* not stored: the ring was full */
	struct xperf_record *records;
};

static DEFINE_PER_CPU(struct xperf_ring, xperf_rings);

/* The measured task's crossing in progress. */
enum xperf_open_state {
	XPERF_IDLE,		/* nothing open */
	XPERF_IN_KERNEL,	/* entered, not yet left */
	XPERF_LEFT,		/* left; its exit stamp shows at the next entry */
};

static struct {
	raw_spinlock_t lock;	/* the hooks vs. "stop" from another task */
	enum xperf_open_state state;
	u64 expect_exit_seq;	/* the exit stamp that belongs to rec */
	u64 next_seq;
	struct xperf_record rec;
} xperf_open = {
	.lock = __RAW_SPIN_LOCK_UNLOCKED(xperf_open.lock),
};

static DEFINE_MUTEX(xperf_control_mutex);	/* the two fields below */
static pid_t xperf_pid;
static bool xperf_running;

static struct dentry *xperf_dir;

/* Store @rec in this CPU's ring, or count it dropped. */
static void xperf_push(const struct xperf_record *rec)
{
	struct xperf_ring *ring = this_cpu_ptr(&xperf_rings);
	unsigned long flags;

	/* From the hooks, or from "stop": this CPU's ring cannot change CPU. */
	lockdep_assert_irqs_disabled();
	raw_spin_lock_irqsave(&ring->lock, flags);
	ring->produced++;
	if (ring->head - ring->tail == XPERF_RING_RECORDS) {
		ring->dropped++;
	} else {
		ring->records[ring->head % XPERF_RING_RECORDS] = *rec;
		ring->head++;
	}
	raw_spin_unlock_irqrestore(&ring->lock, flags);
}

/* Push the open crossing, if any.  Called with xperf_open.lock held. */
static void xperf_close_open(void)
{
	if (xperf_open.state != XPERF_IDLE)
		xperf_push(&xperf_open.rec);
	xperf_open.state = XPERF_IDLE;
}

static void xperf_on_enter(const struct xperf_entry *entry)
{
	struct xperf_record *rec = &xperf_open.rec;

	raw_spin_lock(&xperf_open.lock);
	/* The exit stamp is this crossing's if no other return came between. */
	if (xperf_open.state == XPERF_LEFT && entry->cpu == rec->exit_cpu &&
	    entry->last_exit_seq == xperf_open.expect_exit_seq) {
		rec->exit_tsc = entry->last_exit_tsc;
		rec->flags |= XPERF_REC_EXIT;
	}
	xperf_close_open();

	memset(rec, 0, sizeof(*rec));
	rec->kind = entry->crossing;
	rec->flags = entry->entry_tsc ? XPERF_REC_ENTRY : 0;
	rec->cpu = entry->cpu;
	rec->pid = current->pid;
	rec->error_code = entry->error_code;
	rec->seq = xperf_open.next_seq++;
	rec->entry_tsc = entry->entry_tsc;
	rec->kernel_entry_tsc = entry->kernel_tsc;
	rec->arg = entry->arg;
	xperf_open.state = XPERF_IN_KERNEL;
	raw_spin_unlock(&xperf_open.lock);
}

static void xperf_on_leave(const struct xperf_exit *exit)
{
	struct xperf_record *rec = &xperf_open.rec;

	raw_spin_lock(&xperf_open.lock);
	/* Returns after interrupts and other exceptions leave nothing open. */
	if (xperf_open.state == XPERF_IN_KERNEL) {
		rec->kernel_exit_tsc = exit->kernel_tsc;
		rec->exit_cpu = exit->cpu;
		rec->flags |= XPERF_REC_KEXIT;
		if (exit->cpu != rec->cpu)
			rec->flags |= XPERF_REC_MIGRATED;
		xperf_open.expect_exit_seq = exit->exit_seq + 1;
		xperf_open.state = XPERF_LEFT;
	}
	raw_spin_unlock(&xperf_open.lock);
}

static const struct xperf_consumer xperf_consumer = {
	.enter = xperf_on_enter,
	.leave = xperf_on_leave,
};

/* Move up to @max records of one non-empty ring to @out; how many. */
static size_t xperf_take(struct xperf_record *out, size_t max,
			 struct xperf_ring **from)
{
	unsigned long flags;
	size_t n = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct xperf_ring *ring = per_cpu_ptr(&xperf_rings, cpu);

		raw_spin_lock_irqsave(&ring->lock, flags);
		while (n < max && ring->tail != ring->head) {
			out[n++] = ring->records[ring->tail % XPERF_RING_RECORDS];
			ring->tail++;
		}
		ring->read += n;
		raw_spin_unlock_irqrestore(&ring->lock, flags);
		if (n) {
			*from = ring;
			break;
		}
	}
	return n;
}

static ssize_t xperf_ring_read(struct file *file, char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct xperf_record *batch;
	struct xperf_ring *from;
	unsigned long flags;
	size_t max, n;

	max = min_t(size_t, count / sizeof(*batch), XPERF_READ_BATCH);
	if (!max)
		return -EINVAL;
	batch = kmalloc_array(max, sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return -ENOMEM;

	n = xperf_take(batch, max, &from);
	if (n && copy_to_user(buf, batch, n * sizeof(*batch))) {
		/* Taken but never delivered: they count as dropped. */
		raw_spin_lock_irqsave(&from->lock, flags);
		from->read -= n;
		from->dropped += n;
		raw_spin_unlock_irqrestore(&from->lock, flags);
		kfree(batch);
		return -EFAULT;
	}
	kfree(batch);
	return n * sizeof(*batch);
}

static const struct file_operations xperf_ring_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.read = xperf_ring_read,
};

static int xperf_counters_show(struct seq_file *m, void *unused)
{
	u64 produced = 0, read = 0, dropped = 0, queued = 0;
	unsigned long flags;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct xperf_ring *ring = per_cpu_ptr(&xperf_rings, cpu);
		u64 p, r, d, q;

		raw_spin_lock_irqsave(&ring->lock, flags);
		p = ring->produced;
		r = ring->read;
		d = ring->dropped;
		q = ring->head - ring->tail;
		raw_spin_unlock_irqrestore(&ring->lock, flags);

		seq_printf(m, "cpu%d produced=%llu read=%llu dropped=%llu queued=%llu\n",
			   cpu, p, r, d, q);
		produced += p;
		read += r;
		dropped += d;
		queued += q;
	}
	seq_printf(m, "total produced=%llu read=%llu dropped=%llu queued=%llu\n",
		   produced, read, dropped, queued);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xperf_counters);

static void xperf_reset(void)
{
	unsigned long flags;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct xperf_ring *ring = per_cpu_ptr(&xperf_rings, cpu);

		raw_spin_lock_irqsave(&ring->lock, flags);
		ring->head = 0;
		ring->tail = 0;
		ring->produced = 0;
		ring->read = 0;
		ring->dropped = 0;
		raw_spin_unlock_irqrestore(&ring->lock, flags);
	}
	raw_spin_lock_irqsave(&xperf_open.lock, flags);
	xperf_open.next_seq = 0;
	raw_spin_unlock_irqrestore(&xperf_open.lock, flags);
}

/* Stop measuring; the crossing in progress becomes a record. */
static void xperf_stop(void)
{
	unsigned long flags;

	/* Returns once no hook is running for the measured task. */
	WARN_ON_ONCE(xperf_set_task(0));
	raw_spin_lock_irqsave(&xperf_open.lock, flags);
	xperf_close_open();
	raw_spin_unlock_irqrestore(&xperf_open.lock, flags);
	xperf_running = false;
}

/* "pid N": N a decimal PID > 0 and nothing else. */
static int xperf_command_pid(const char *arg)
{
	int pid, ret;

	ret = kstrtoint(arg, 10, &pid);
	if (ret)
		return -EINVAL;
	if (pid <= 0 || pid > PID_MAX_LIMIT)
		return -EINVAL;
	if (xperf_running)
		return -EBUSY;
	xperf_pid = pid;
	return 0;
}

static int xperf_command_start(void)
{
	int ret;

	if (!xperf_pid)
		return -EINVAL;
	if (xperf_running)
		return 0;
	ret = xperf_set_task(xperf_pid);
	if (!ret)
		xperf_running = true;
	return ret;
}

static int xperf_command(const char *cmd)
{
	size_t pid_len = strlen(XPERF_CMD_PID);

	if (!strncmp(cmd, XPERF_CMD_PID, pid_len) && cmd[pid_len] == ' ') {
		return xperf_command_pid(cmd + pid_len + 1);
	} else if (!strcmp(cmd, XPERF_CMD_START)) {
		return xperf_command_start();
	} else if (!strcmp(cmd, XPERF_CMD_STOP)) {
		if (xperf_running)
			xperf_stop();
	} else if (!strcmp(cmd, XPERF_CMD_RESET)) {
		if (xperf_running)
			return -EBUSY;
		xperf_reset();
	} else {
		return -EINVAL;
	}
	return 0;
}

static ssize_t xperf_control_write(struct file *file, const char __user *buf,
				   size_t count, loff_t *ppos)
{
	char cmd[32];
	int ret;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, buf, count))
		return -EFAULT;
	cmd[count] = '\0';

	mutex_lock(&xperf_control_mutex);
	ret = xperf_command(strim(cmd));
	mutex_unlock(&xperf_control_mutex);
	return ret ? ret : count;
}

static int xperf_control_show(struct seq_file *m, void *unused)
{
	mutex_lock(&xperf_control_mutex);
	seq_printf(m, "%s pid %d\n", xperf_running ? "running" : "stopped",
		   xperf_pid);
	mutex_unlock(&xperf_control_mutex);
	return 0;
}

static int xperf_control_open(struct inode *inode, struct file *file)
{
	return single_open(file, xperf_control_show, NULL);
}

static const struct file_operations xperf_control_fops = {
	.owner = THIS_MODULE,
	.open = xperf_control_open,
	.read = seq_read,
	.write = xperf_control_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int xperf_status_show(struct seq_file *m, void *unused)
{
	const char *off = xperf_stamps_off_reason();

	if (off)
		seq_printf(m, XPERF_STATUS_OFF "%s\n", off);
	else
		seq_puts(m, XPERF_STATUS_ON "\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xperf_status);

static void xperf_free_rings(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		kvfree(per_cpu_ptr(&xperf_rings, cpu)->records);
}

static int __init xperf_init(void)
{
	int cpu, ret;

	BUILD_BUG_ON(sizeof(struct xperf_record) != XPERF_RECORD_SIZE);
	BUILD_BUG_ON(XPERF_KIND_SYSCALL != XPERF_CROSSING_SYSCALL);
	BUILD_BUG_ON(XPERF_KIND_PGFAULT != XPERF_CROSSING_PGFAULT);
	BUILD_BUG_ON(!is_power_of_2(XPERF_RING_RECORDS));

	for_each_possible_cpu(cpu) {
		struct xperf_ring *ring = per_cpu_ptr(&xperf_rings, cpu);

		raw_spin_lock_init(&ring->lock);
		ring->records = kvcalloc_node(XPERF_RING_RECORDS,
					      sizeof(*ring->records),
					      GFP_KERNEL, cpu_to_node(cpu));
		if (!ring->records) {
			xperf_free_rings();
			return -ENOMEM;
		}
	}

	ret = xperf_register_consumer(&xperf_consumer);
	if (ret) {
		pr_err("another consumer is registered\n");
		xperf_free_rings();
		return ret;
	}

	xperf_dir = debugfs_create_dir(XPERF_DEBUGFS_DIR, NULL);
	debugfs_create_file(XPERF_DEBUGFS_RING, 0400, xperf_dir, NULL,
			    &xperf_ring_fops);
	debugfs_create_file(XPERF_DEBUGFS_CONTROL, 0600, xperf_dir, NULL,
			    &xperf_control_fops);
	debugfs_create_file(XPERF_DEBUGFS_COUNTERS, 0400, xperf_dir, NULL,
			    &xperf_counters_fops);
	debugfs_create_file(XPERF_DEBUGFS_STATUS, 0444, xperf_dir, NULL,
			    &xperf_status_fops);
	xperf_vmexit_init(xperf_dir);
	if (xperf_stamps_off_reason())
		pr_info("entry stamps off (%s): crossings cannot be measured, vmexit works\n",
			xperf_stamps_off_reason());
	pr_info("ready: %d records per CPU ring\n", XPERF_RING_RECORDS);
	return 0;
}

static void __exit xperf_exit(void)
{
	/* Stops measuring and waits for any hook still running. */
	xperf_unregister_consumer(&xperf_consumer);
	/* Waits for file operations in flight; open files pin the module. */
	debugfs_remove_recursive(xperf_dir);
	xperf_free_rings();
}

module_init(xperf_init);
module_exit(xperf_exit);

MODULE_DESCRIPTION("xperf: per-CPU rings of user/kernel crossing timestamps, VM exits from a guest");
MODULE_LICENSE("GPL");
