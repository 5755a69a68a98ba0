// A system call issued by the syscall instruction itself, so that the
// timed region holds the crossing and nothing of libc's wrapper.
#pragma once

namespace xperf {

static inline __attribute__((always_inline)) long raw_syscall0(long nr)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
	return ret;
}

} // namespace xperf
