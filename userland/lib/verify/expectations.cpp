#include "verify/expectations.h"

#include <sys/syscall.h>

#include <functional>
#include <string_view>

namespace xperf::verify {

namespace {

Expected syscall_nr(long nr, std::string name)
{
	return { { VERIFY_SYS_ENTER, static_cast<uint64_t>(nr), {} }, 1, std::move(name) };
}

// A user fault is seen twice: the x86 exception tracepoint and the generic
// handler; each once per iteration.
std::vector<Expected> one_fault()
{
	return { { { VERIFY_PAGE_FAULT_USER, {}, {} }, 1, "page_fault_user" },
		 { { VERIFY_MM_FAULT, {}, {} }, 1, "handle_mm_fault" } };
}

Expectation expect(std::string path, std::vector<Expected> events = {}, bool one_page = false)
{
	Expectation x;
	x.path = std::move(path);
	x.events = std::move(events);
	x.one_page = one_page;
	return x;
}

struct Entry {
	std::string_view crossing, variant; // empty variant: any
	std::function<Expectation(const Result &)> make;
};

const Entry table[] = {
	{ "syscall", "",
	  [](const Result &) {
		  return expect("syscall 500", { syscall_nr(500, "syscall 500") });
	  } },
	{ "getppid", "",
	  [](const Result &) {
		  return expect("getppid (syscall 110)", { syscall_nr(SYS_getppid, "getppid") });
	  } },
	{ "pgfault", "",
	  [](const Result &) {
		  return expect("one user page fault", one_fault(), true);
	  } },
	// Anything the kernel does inside a function call is an interrupt.
	{ "funccall", "",
	  [](const Result &) { return expect("no kernel entry"); } },
	// Above the mmap threshold malloc maps a fresh block and writes its chunk
	// header there: one mmap and one fault. (free, untimed, unmaps it.)
	{ "alloc", "malloc-262144",
	  [](const Result &) {
		  auto ev = one_fault();
		  ev.insert(ev.begin(), syscall_nr(SYS_mmap, "mmap"));
		  return expect("mmap and one page fault", ev);
	  } },
	{ "alloc", "",
	  [](const Result &) {
		  return expect("the heap, no kernel entry");
	  } },
};

} // namespace

std::optional<Expectation> expectation_for(const Result &r)
{
	for (const auto &e : table)
		if (e.crossing == r.crossing && (e.variant.empty() || e.variant == r.variant))
			return e.make(r);
	return std::nullopt;
}

} // namespace xperf::verify
