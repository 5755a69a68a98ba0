/* SPDX-License-Identifier: GPL-2.0 */
/* What boot.S and payload.c share inside the guest. */
#ifndef XPERF_GUEST_H
#define XPERF_GUEST_H

#define VECTOR_UD	6	/* the guest's system call: ud2 from CPL3 */

/* The system call that returns from user mode to enter_user's caller. */
#define XPERF_SYS_DONE	0xff
/* Phase mark for the VMM: (mark << 16) | XPERF_SYS_MARK. User code cannot
 * always write the port itself: PVM ignores IOPL and raises #GP. */
#define XPERF_SYS_MARK	0xfe

#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UDATA	0x18
#define SEL_UCODE	0x20
#define SEL_TSS		0x28

#endif
