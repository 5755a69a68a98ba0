// Preparing the process for measuring: one CPU, locked memory.
#pragma once

#include <string>

namespace xperf {

// The CPUs this process may run on, as a list like "0-1".
std::string allowed_cpus();

// Pins the calling thread to cpu (-1: the CPU it runs on now). Returns the
// CPU pinned to; throws a bad_input Error when cpu does not exist or is
// not allowed.
int pin_to_cpu(int cpu);

// Locks present and future memory where the limit allows, so that no
// sample is taken across a page fault of the tool's own. Returns what was
// done, for the report.
std::string lock_memory();

// While it lives, new mappings are not locked even where lock_memory()
// locks future memory; what is locked stays locked. For an entry that
// times mmap and munmap themselves (the OS suite's mmap), which locking
// would make slower than they are without xperf.
class NewMappingsUnlocked {
public:
	NewMappingsUnlocked();
	NewMappingsUnlocked(const NewMappingsUnlocked &) = delete;
	NewMappingsUnlocked &operator=(const NewMappingsUnlocked &) = delete;
	~NewMappingsUnlocked();
	// Whether future memory was locked, and so is now paused.
	bool paused() const { return paused_; }

private:
	bool paused_ = false;
};

} // namespace xperf
