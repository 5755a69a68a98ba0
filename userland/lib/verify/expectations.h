// What each kind of crossing's iterations must show the kernel doing. The
// registry's row of each crossing points at its own (app/registry.h), so
// that a crossing's expectation is part of its entry.
#pragma once

#include "core/result.h"
#include "verify/correlate.h"

namespace xperf::verify {

// What r's iterations must show, from its variant and typed description;
// unverifiable says why when nothing can be expected of it.
using ExpectationOf = Expectation (*)(const Result &r);

Expectation expect_syscall_500(const Result &r);
Expectation expect_getppid(const Result &r);
Expectation expect_one_user_fault(const Result &r);
// control and funccall: user-mode work.
Expectation expect_no_kernel_entry(const Result &r);
// alloc: the heap, or a fresh mapping for the block above the mmap
// threshold.
Expectation expect_malloc(const Result &r);
// vmexit: from the exit, the start and the VMM the result describes.
Expectation expect_vm_exit(const Result &r);
// None, on purpose: unverifiable says nothing is known to expect of r.
Expectation expect_nothing_known(const Result &r);

} // namespace xperf::verify
