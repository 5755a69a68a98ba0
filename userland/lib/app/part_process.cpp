#include "app/part_process.h"
#include "core/text_list.h"

#include "app/result_reader.h"
#include "core/error.h"
#include "core/child_process.h"
#include "core/unique_fd.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

namespace xperf {

namespace {

bool enabled = false;

} // namespace

void enable_part_processes()
{
	enabled = true;
}

bool part_processes_enabled()
{
	return enabled;
}

std::vector<std::string> part_arguments(const std::vector<const Crossing *> &to_run,
					const RunContext &pass)
{
	const Options &o = pass.opt;
	std::string names;
	for (const Crossing *c : to_run)
		append_item(names, ",", c->name);
	std::vector<std::string> args = {
		"xperf-user",	"--part",
		"--part-tsc-hz", fmt::format("{:.17g}", pass.tsc.hz),
		"--part-tsc-source", pass.tsc.source,
		"--crossing",	names,
		"--rounds",	"1",
		"--span",	"0",
		"--one-process", "--cpu",
		std::to_string(pass.cpu), "--exit",
		o.vm_exit,	"--from",
		o.vm_from,	"--vmm",
		o.vmm,		"--placement",
		o.placement,	"--guest-state",
		o.vm_state,	"--json",
	};
	// Not given, an entry's own precision applies in the part too.
	if (o.samples_given)
		args.insert(args.end(), { "-n", std::to_string(o.samples) });
	if (o.warmup_given)
		args.insert(args.end(), { "--warmup", std::to_string(o.warmup) });
	if (!o.scratch_dir.empty())
		args.insert(args.end(), { "--dir", o.scratch_dir });
	if (o.batch)
		args.insert(args.end(), { "--batch", std::to_string(o.batch) });
	// What the pilot saw, exactly: the part's choose_batch() chooses alike.
	if (const auto &p = o.pilot_batch)
		args.insert(args.end(),
			    { "--part-batch-pilot", fmt::format("{:.17g}", p->step_cycles),
			      fmt::format("{:.17g}", p->pilot_cycles),
			      fmt::format("{:.17g}", p->target_share) });
	if (o.inject_adds)
		args.insert(args.end(), { "--inject-adds", std::to_string(o.inject_adds) });
	return args;
}

std::vector<Result> run_part_process(const std::vector<const Crossing *> &to_run,
				     const RunContext &pass)
{
	std::vector<std::string> args = part_arguments(to_run, pass);
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		throw failed(fmt::format("pipe for a part of the run: {}", std::strerror(errno)));
	UniqueFd read_end(fds[0]), write_end(fds[1]);
	std::vector<char *> argv;
	for (auto &a : args)
		argv.push_back(a.data());
	argv.push_back(nullptr);
	// A part outlives no run: ended with it (SIGTERM), it removes what it
	// made (its TERM handler) and its own children end with it. Ended so
	// by SIGINT, SIGTERM or SIGHUP of this process too, and waited for, so
	// that nothing of it is left after.
	ChildProcess child = ChildProcess::start("a part of the run", SIGTERM, [&] {
		// Only async-signal-safe calls from here to exec.
		// Its standard output is the pipe; standard error stays ours.
		if (dup2(write_end.get(), STDOUT_FILENO) < 0)
			return 127;
		execv("/proc/self/exe", argv.data());
		static const char said[] = "xperf-user: cannot execute /proc/self/exe for a part of "
					   "the run (is /proc mounted?)\n";
		ssize_t ignored = write(STDERR_FILENO, said, sizeof(said) - 1);
		(void)ignored;
		return 127;
	});
	write_end.reset();
	std::string text;
	char buf[65536];
	while (true) {
		ssize_t n = read(read_end.get(), buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		text.append(buf, static_cast<std::size_t>(n));
	}
	ChildStatus status = child.wait();
	if (status.signal())
		throw failed("a part of the run (xperf-user in a process of its own) " +
			     status.text());
	if (!status.success())
		throw failed(fmt::format("a part of the run (xperf-user in a process of its own) "
					 "{}: see its message above",
					 status.text()),
			     "run with --one-process to see it in this process");
	std::vector<Result> results = read_result_text(text).report.results;
	for (auto &r : results)
		r.method["part_processes"] = "exec";
	return results;
}

} // namespace xperf
