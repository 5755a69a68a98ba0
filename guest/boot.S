/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entries and the privilege-change glue of the VM-exit payload.
 *
 * Two ways in: QEMU's multiboot loader jumps to entry32 in 32-bit protected
 * mode without paging, so entry32 builds an identity map and enters long
 * mode itself; the built-in VMM sets long mode up from outside (as the
 * kernel's KVM selftests do) and starts at entry64. Both end in guest_main.
 */
#include "xperf/vmexit_protocol.h"
#include "guest.h"

#define MB_MAGIC	0x1badb002
#define MB_FLAG_ADDR	0x00010000	/* load from the address fields: no ELF */
#define PTE_PUW		0x07		/* present, writable, user */
#define PTE_LARGE	0x80		/* 2 MiB page */

	.section .boot, "ax"
	.code32
	.globl multiboot_header
multiboot_header:
	.long MB_MAGIC
	.long MB_FLAG_ADDR
	.long -(MB_MAGIC + MB_FLAG_ADDR)
	.long multiboot_header		/* header_addr */
	.long __image_start		/* load_addr */
	.long __load_end		/* load_end_addr */
	.long __image_end		/* bss_end_addr */
	.long entry32			/* entry_addr */

	/* struct xperf_vm_payload_header at XPERF_VM_HEADER_OFFSET */
	.org XPERF_VM_HEADER_OFFSET
	.long XPERF_VM_HEADER_MAGIC
	.long XPERF_VM_PROTOCOL_VERSION
	.long entry64
	.long __image_end
	.long vmexit_table

/* eax: multiboot magic, ebx: multiboot information. */
	.globl entry32
entry32:
	cli
	mov	%ebx, %edi
	mov	$boot_stack_top, %esp

	/* The first GiB, identity-mapped with 2 MiB pages, user-accessible:
	 * guest user code runs from the same image. */
	mov	$boot_pdpt + PTE_PUW, %eax
	mov	%eax, boot_pml4
	mov	$boot_pd + PTE_PUW, %eax
	mov	%eax, boot_pdpt
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$PTE_PUW + PTE_LARGE, %eax
	mov	%eax, boot_pd(,%ecx,8)
	inc	%ecx
	cmp	$512, %ecx
	jb	1b

	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$0x20, %eax			/* PAE */
	mov	%eax, %cr4
	mov	$0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	or	$0x100, %eax
	wrmsr
	mov	%cr0, %eax
	or	$0x80000001, %eax		/* PG, PE */
	mov	%eax, %cr0
	lgdt	boot_gdt_desc
	ljmp	$SEL_KCODE, $1f

	.code64
1:	mov	$SEL_KDATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%edi, %edi			/* multiboot information, zero-extended */
	jmp	common64

/* Long mode, set up by the VMM. */
	.globl entry64
entry64:
	xor	%edi, %edi			/* no multiboot information */
common64:
	lea	boot_stack_top(%rip), %rsp
	call	guest_main
2:	cli
	hlt
	jmp	2b

	.section .rodata
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 64-bit code */
	.quad 0x00cf92000000ffff		/* data */
boot_gdt_end:
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.text
/*
 * enter_user(rip, rsp, arg): run rip at CPL3 on stack rsp with arg in rdi,
 * RFLAGS user_rflags: IOPL 3 so that user OUTB reaches the VMM rather than
 * a #GP in the guest, IF as the guest state asks; returns when user code
 * makes the done system call.
 */
	.globl enter_user
enter_user:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, kernel_resume_rsp(%rip)
	mov	%rdi, %rax
	mov	%rdx, %rdi
	pushq	$(SEL_UDATA | 3)
	push	%rsi
	pushq	user_rflags(%rip)
	pushq	$(SEL_UCODE | 3)
	push	%rax
	iretq

/*
 * The guest's system call: user code executes ud2 with the request in rax,
 * and this #UD handler serves it. Not SYSCALL or INT n: under PVM-style KVM
 * a non-PVM guest's SYSCALL reaches LSTAR without leaving CPL3, and INT n
 * from CPL3 raises #UD; an exception is what every hypervisor delivers.
 * Any other #UD is a fault. The C dispatcher may clobber the caller-saved
 * registers; the user side declares them clobbered.
 */
	.globl syscall_gate
syscall_gate:
	testb	$3, 8(%rsp)			/* CS: from CPL3? */
	jz	1f
	mov	(%rsp), %rcx
	cmpw	$0x0b0f, (%rcx)			/* ud2 */
	jne	1f
	addq	$2, (%rsp)
	cmp	$XPERF_SYS_DONE, %eax
	je	leave_user
	sub	$8, %rsp			/* the CPU pushed 5 words */
	mov	%rax, %rdi
	call	syscall_dispatch
	add	$8, %rsp
	iretq
1:	jmp	exception_stubs + 16 * 6

leave_user:
	mov	kernel_resume_rsp(%rip), %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret

/* Exceptions: push a dummy error code where the CPU pushes none. */
	.macro	vector n
	.balign	16
	.if (\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
	.else
	pushq	$0
	.endif
	pushq	$\n
	jmp	exception_common
	.endm

	.balign	16
	.globl	exception_stubs
exception_stubs:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	vector	\n
	.endr

/*
 * guest_fault() returns only to resume after a fault in a measurement, having
 * pointed the frame at fault_resume in the measuring context's privilege.
 */
exception_common:
	mov	%rsp, %r12
	mov	%rsp, %rdi			/* vector, error, rip, cs, rflags, rsp, ss */
	and	$-16, %rsp
	call	guest_fault
	lea	16(%r12), %rsp
	iretq

/*
 * Every vector from 32 up: an external interrupt, counted and acknowledged
 * by guest_interrupt(). The CPU pushed 5 words; with the 9 caller-saved
 * registers the stack is 16-byte aligned for the call.
 */
	.globl	interrupt_stub
interrupt_stub:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	call	guest_interrupt
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	iretq

	.globl	fault_resume
fault_resume:
	call	measurement_faulted		/* does not return */

/*
 * recover_set(jb) returns 0, and 1 again when recover_jump(jb) is called
 * later from the same privilege level: setjmp for the one use here.
 */
	.globl	recover_set
recover_set:
	mov	(%rsp), %rax
	mov	%rax, 0(%rdi)
	lea	8(%rsp), %rax
	mov	%rax, 8(%rdi)
	mov	%rbx, 16(%rdi)
	mov	%rbp, 24(%rdi)
	mov	%r12, 32(%rdi)
	mov	%r13, 40(%rdi)
	mov	%r14, 48(%rdi)
	mov	%r15, 56(%rdi)
	xor	%eax, %eax
	ret

	.globl	recover_jump
recover_jump:
	mov	8(%rdi), %rsp
	mov	16(%rdi), %rbx
	mov	24(%rdi), %rbp
	mov	32(%rdi), %r12
	mov	40(%rdi), %r13
	mov	48(%rdi), %r14
	mov	56(%rdi), %r15
	mov	$1, %eax
	jmp	*0(%rdi)

	.bss
	.balign	4096
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096
	.skip	16384
boot_stack_top:
	.skip	16384
	.globl	kernel_stack_top
kernel_stack_top:
	.balign	8
kernel_resume_rsp:	.skip 8

	.section .note.GNU-stack, "", @progbits
