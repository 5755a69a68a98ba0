// Pinning a thread, the affinity a spawned VMM inherits, and the record of
// where each thread was seen: on this process's own threads (no KVM, no
// root needed).
#include "vmexit/thread_placement.h"

#include <gtest/gtest.h>

#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

namespace {

std::set<int> my_affinity()
{
	cpu_set_t set;
	CPU_ZERO(&set);
	EXPECT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
	std::set<int> cpus;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cpus.insert(c);
	return cpus;
}

// A thread that spins (yielding) until it goes, so that it is seen running.
class Spinner {
public:
	Spinner()
		: thread_([this] {
			  tid_ = gettid();
			  while (!stop_)
				  sched_yield();
		  })
	{
		while (!tid_)
			std::this_thread::yield();
	}
	~Spinner()
	{
		stop_ = true;
		thread_.join();
	}
	pid_t tid() const { return tid_; }

private:
	std::atomic<bool> stop_ = false;
	std::atomic<pid_t> tid_ = 0;
	std::thread thread_;
};

TEST(ThreadPlacement, PinnedThreadRunsThereAndTheWatchSaysSo)
{
	int cpu = *my_affinity().rbegin();
	Spinner spinner;

	ASSERT_EQ(xperf::pin_thread(spinner.tid(), cpu), std::nullopt);

	// It moves at its next scheduling point.
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
	std::optional<xperf::ThreadPlace> place;
	do {
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
		place = xperf::thread_place(getpid(), spinner.tid());
		ASSERT_TRUE(place);
	} while (place->cpu != cpu && std::chrono::steady_clock::now() < deadline);
	EXPECT_EQ(place->cpu, cpu);
	EXPECT_EQ(place->affinity, std::to_string(cpu));

	xperf::ThreadWatch watch(getpid());
	watch.sample();
	watch.sample();
	bool found = false;
	for (const auto &t : watch.to_json()) {
		if (t["tid"] != spinner.tid())
			continue;
		found = true;
		EXPECT_EQ(t["seen_on"], nlohmann::json::array({ cpu }));
		EXPECT_EQ(t["affinity"], std::to_string(cpu));
		EXPECT_EQ(t["samples"], 2);
	}
	EXPECT_TRUE(found) << watch.to_json().dump();
}

TEST(ThreadPlacement, PinThatCannotBeSaysWhy)
{
	EXPECT_NE(xperf::pin_thread(0, CPU_SETSIZE), std::nullopt);
	// No such thread: ESRCH, in words.
	auto error = xperf::pin_thread(1 << 30, 0);
	ASSERT_NE(error, std::nullopt);
	EXPECT_NE(error->find("No such process"), std::string::npos) << *error;
}

TEST(ThreadPlacement, ScopedAffinityLastsItsScope)
{
	std::set<int> before = my_affinity();
	int cpu = *before.begin();
	{
		xperf::ScopedAffinity one({ cpu });
		EXPECT_EQ(my_affinity(), std::set<int>{ cpu });
	}
	EXPECT_EQ(my_affinity(), before);
	{
		xperf::ScopedAffinity none({});
		EXPECT_EQ(my_affinity(), before);
	}
}

TEST(ThreadPlacement, OtherCpusLeaveOutTheMeasuringOne)
{
	std::set<int> others = xperf::cpus_other_than(0);
	EXPECT_FALSE(others.contains(0));
	std::set<int> all = xperf::cpus_other_than(-1);
	EXPECT_FALSE(all.empty()) << "no online CPU read from /sys";
	EXPECT_EQ(others.size() + (all.contains(0) ? 1 : 0), all.size());
}

} // namespace
