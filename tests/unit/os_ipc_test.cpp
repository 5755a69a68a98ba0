// The OS suite's communication entries and the peer process they all use:
// each entry leaves no descriptor, child or loopback socket behind and
// gives a sane figure; a peer dies with its owner, also when the owner is
// killed.
#include "app/registry.h"
#include "core/affinity.h"
#include "core/error.h"
#include "core/sysroot.h"
#include "crossings/os_child.h"
#include "crossings/placement.h"
#include "os_leaks.h"

#include <gtest/gtest.h>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

using namespace xperf;

namespace {

RunContext tiny_context()
{
	static const TscInfo tsc = tsc_info();
	RunContext ctx;
	ctx.opt.samples = 20;
	ctx.opt.warmup = 2;
	ctx.opt.rounds = 1;
	ctx.opt.part_processes = false;
	ctx.opt.span_s = 0;
	ctx.tsc = tsc;
	return ctx;
}

// Why crossing c cannot run here (what its check says), or nothing; a
// check that fails other than with "unavailable" fails the test.
std::optional<std::string> unavailable_here(const Crossing &c, const RunContext &ctx)
{
	if (!c.check)
		return std::nullopt;
	try {
		c.check(ctx);
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::unavailable) << e.what();
		return e.what();
	}
	return std::nullopt;
}

class CommunicationEntry : public testing::TestWithParam<const char *> {};

// The placements "both" gives here: other-cpu needs a second online CPU.
std::size_t placements_here(int cpu)
{
	return cpus_other_than(cpu).empty() ? 1 : 2;
}

} // namespace

TEST_P(CommunicationEntry, LeavesNothingAndMeasures)
{
	const Crossing *c = find_crossing(GetParam());
	ASSERT_NE(c, nullptr);
	EXPECT_EQ(c->group, Group::os);
	RunContext ctx = tiny_context();
	if (auto why = unavailable_here(*c, ctx))
		GTEST_SKIP() << *why;
	test::Held before = test::held();
	std::vector<Result> got = c->run(ctx);
	test::Held after = test::held();
	EXPECT_EQ(before.fds, after.fds);
	EXPECT_EQ(before.children, after.children);
	EXPECT_EQ(before.loopback, after.loopback);

	// select-tcp's connections have no peer that answers: one result.
	const bool placed = std::string(GetParam()) != "select-tcp";
	ASSERT_EQ(got.size(), placed ? placements_here(sched_getcpu()) : 1u);
	for (const Result &r : got) {
		EXPECT_EQ(r.crossing, GetParam());
		EXPECT_EQ(r.cycles.size(), ctx.opt.samples);
		// A context switch is the ring's trip less the pipe's own cost,
		// each a median: with a handful of samples on a busy machine the
		// difference can fall to zero, the trip cannot.
		if (std::string(GetParam()).rfind("ctxsw", 0) == 0)
			EXPECT_GT(r.stats.median + r.detail.value("pipe_overhead_cycles", 0.0), 0);
		else
			EXPECT_GT(r.stats.median, 0) << r.crossing;
		if (std::string(GetParam()).rfind("bw-", 0) == 0) {
			EXPECT_GT(r.detail.value("bytes_per_iteration", 0.0), 0);
		}
	}
}

// Each placement is applied to the peer from its start: read back from the
// kernel (the peer's affinity and the CPU it last ran on) while it lives.
class PlacedEntry : public testing::TestWithParam<const char *> {};

TEST_P(PlacedEntry, PeerRunsWhereItsPlacementSays)
{
	const Crossing *c = find_crossing(GetParam());
	ASSERT_NE(c, nullptr);
	RunContext ctx = tiny_context();
	if (auto why = unavailable_here(*c, ctx))
		GTEST_SKIP() << *why;
	ctx.cpu = sched_getcpu();
	ScopedAffinity pinned({ ctx.cpu });
	const std::set<int> others = cpus_other_than(ctx.cpu);
	if (others.empty())
		GTEST_SKIP() << "one online CPU: no peer can be placed on another";

	std::vector<Result> got = c->run(ctx);
	ASSERT_EQ(got.size(), 2u);
	const int other = *others.begin();
	struct Want {
		std::string suffix;
		int cpu;
	};
	const Want want[] = { { "/same-cpu", ctx.cpu }, { "/other-cpu", other } };
	for (std::size_t i = 0; i < 2; i++) {
		const Result &r = got[i];
		const auto &place = r.detail.at("placement");
		ASSERT_GT(r.variant.size(), want[i].suffix.size());
		EXPECT_EQ(r.variant.substr(r.variant.size() - want[i].suffix.size()),
			  want[i].suffix);
		EXPECT_EQ(place.at("measuring_cpu"), ctx.cpu);
		EXPECT_EQ(place.at("peer_affinity"), std::to_string(want[i].cpu)) << place.dump();
		EXPECT_EQ(place.at("peer_last_cpu"), want[i].cpu) << place.dump();
		EXPECT_EQ(r.method.at("placement"), want[i].suffix.substr(1));
	}

	// Free: the peer may go anywhere, and so may the measuring process
	// while it measures; afterwards it is where it was.
	ctx.opt.placement = "free";
	got = c->run(ctx);
	ASSERT_EQ(got.size(), 1u);
	std::set<int> all = others;
	all.insert(ctx.cpu);
	EXPECT_EQ(got.front().detail.at("placement").at("peer_affinity"), format_cpu_list(all));
	EXPECT_EQ(got.front().method.at("placement"), "free");
	cpu_set_t now;
	ASSERT_EQ(sched_getaffinity(0, sizeof(now), &now), 0);
	EXPECT_EQ(CPU_COUNT(&now), 1);
	EXPECT_TRUE(CPU_ISSET(ctx.cpu, &now));
}

INSTANTIATE_TEST_SUITE_P(Os, PlacedEntry,
			 testing::Values("ctxsw-0k", "pipe", "unix", "udp", "tcp", "tcp-connect",
					 "bw-pipe", "bw-unix", "bw-tcp"),
			 [](const auto &p) {
				 std::string n = p.param;
				 for (char &ch : n)
					 if (ch == '-')
						 ch = '_';
				 return n;
			 });

INSTANTIATE_TEST_SUITE_P(Os, CommunicationEntry,
			 testing::Values("select-tcp", "ctxsw-0k", "ctxsw-16k", "pipe", "unix", "udp",
					 "tcp", "tcp-connect", "bw-pipe", "bw-unix", "bw-tcp"),
			 [](const auto &p) {
				 std::string n = p.param;
				 for (char &ch : n)
					 if (ch == '-')
						 ch = '_';
				 return n;
			 });

TEST(OsChild, IsKilledAndReapedWhenItsOwnerGoes)
{
	test::Held before = test::held();
	pid_t pid;
	{
		OsChild child([] { ::pause(); });
		pid = child.pid();
		EXPECT_EQ(::kill(pid, 0), 0);
	}
	EXPECT_EQ(test::held().children, before.children);
	EXPECT_EQ(::kill(pid, 0), -1); // reaped: no such process
}

TEST(OsChild, ExitStatusSaysWhetherTheBodyThrew)
{
	OsChild fine([] {});
	int status = fine.wait();
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0);
	OsChild broken([] { throw failed("on purpose"); });
	status = broken.wait();
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 1);
}

// The owner killed (no destructor runs): the child gets SIGKILL from the
// kernel. A helper process adopts the orphan (a subreaper) to see how it
// ended.
TEST(OsChild, DiesWhenItsOwnerIsKilled)
{
	pid_t helper = ::fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		::alarm(10); // an orphan that lives on fails the test, not hangs it
		::prctl(PR_SET_CHILD_SUBREAPER, 1);
		int pids[2];
		if (::pipe(pids))
			::_exit(10);
		pid_t owner = ::fork();
		if (owner == 0) {
			// The body says it runs (PR_SET_PDEATHSIG is set by then).
			OsChild child([&] {
				pid_t self = ::getpid();
				(void)!::write(pids[1], &self, sizeof(self));
				::pause();
			});
			::pause();
		}
		pid_t orphan = 0;
		if (::read(pids[0], &orphan, sizeof(orphan)) != sizeof(orphan))
			::_exit(11);
		::kill(owner, SIGKILL);
		::waitpid(owner, nullptr, 0);
		int status = 0;
		if (::waitpid(orphan, &status, 0) != orphan)
			::_exit(12);
		::_exit(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : 13);
	}
	int status = 0;
	ASSERT_EQ(::waitpid(helper, &status, 0), helper);
	ASSERT_TRUE(WIFEXITED(status)) << "the orphan outlived its owner by 10 s";
	EXPECT_EQ(WEXITSTATUS(status), 0) << "10-12: the helper failed, 13: the orphan lived on";
}

namespace {

// TCP sockets of this network namespace in TIME_WAIT (state 06 of
// /proc/net/tcp).
std::size_t time_wait_sockets()
{
	std::ifstream in("/proc/net/tcp");
	std::string line;
	std::getline(in, line); // the heading
	std::size_t n = 0;
	while (std::getline(in, line)) {
		std::istringstream fields(line);
		std::string slot, local, remote, state;
		if (fields >> slot >> local >> remote >> state && state == "06")
			n++;
	}
	return n;
}

} // namespace

// A FIN close would leave each iteration's port in TIME_WAIT for a minute,
// and connect's search for a free port slows as they pile up: the entry
// resets its connections, and leaves no TIME_WAIT of its own behind. (The
// bound leaves room for what other tests do meanwhile.)
TEST(TcpConnect, LeavesNoPortInTimeWait)
{
	const Crossing *c = find_crossing("tcp-connect");
	ASSERT_NE(c, nullptr);
	RunContext ctx = tiny_context();
	if (auto why = unavailable_here(*c, ctx))
		GTEST_SKIP() << *why;
	ctx.opt.samples = 2000;
	std::size_t before = time_wait_sockets();
	Result r = c->run(ctx).front();
	std::size_t after = time_wait_sockets();
	EXPECT_LT(after, before + 1000) << before << " TIME_WAIT sockets before, " << after
					<< " after";
	EXPECT_EQ(r.variant, "connect-reset/same-cpu");
	EXPECT_NE(r.detail.value("client_close", "").find("reset"), std::string::npos);
}

// Left to autotune, a TCP connection's receive buffer grows with its
// history, differently in every round's connection, and the rounds of
// bw-tcp disagree: the entry sets it before connect (LMBench's 1 MiB; the
// kernel doubles it and caps it at net.core.rmem_max), and after its
// blocks it has not moved.
TEST(BwTcp, ItsReceiveBufferStaysAsSet)
{
	const Crossing *c = find_crossing("bw-tcp");
	ASSERT_NE(c, nullptr);
	RunContext ctx = tiny_context();
	if (auto why = unavailable_here(*c, ctx))
		GTEST_SKIP() << *why;
	Result r = c->run(ctx).front();
	long requested = r.detail.value("receive_buffer_requested_bytes", 0L);
	long cap = r.detail.value("rmem_max_bytes", 0L);
	ASSERT_GT(requested, 0);
	ASSERT_GT(cap, 0);
	EXPECT_EQ(r.detail.value("receive_buffer_bytes", 0L), 2 * std::min(requested, cap))
		<< r.detail.dump();
	EXPECT_EQ(r.variant, "4m-block-rcvbuf-1m/same-cpu");
}
