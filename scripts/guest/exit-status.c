// SPDX-License-Identifier: GPL-2.0
/*
 * Hand the guest's exit status to QEMU and end the VM.
 *
 * QEMU's isa-debug-exit device (iobase 0xf4) makes QEMU exit with status
 * (value << 1) | 1 when a value is written to its port, so the host sees
 * 1 for a guest status of 0 and 2N+1 for N; scripts/vm-run.sh turns it back.
 * Busybox cannot write an I/O port, hence this static helper.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

#define DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	long status;

	if (argc != 2) {
		fprintf(stderr, "usage: %s STATUS (0-127)\n", argv[0]);
		return 2;
	}
	status = strtol(argv[1], NULL, 0);
	if (status < 0 || status > 127)
		status = 127;	/* QEMU's own exit code has 8 bits */
	if (ioperm(DEBUG_EXIT_PORT, 1, 1)) {
		perror("exit-status: ioperm");
		return 1;
	}
	outb((unsigned char)status, DEBUG_EXIT_PORT);
	/* Still here: QEMU has no isa-debug-exit device at that port. */
	fprintf(stderr, "exit-status: no isa-debug-exit device at 0x%x\n",
		DEBUG_EXIT_PORT);
	return 1;
}
