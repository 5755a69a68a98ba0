#include "app/registry.h"
#include "core/error.h"

#include <gtest/gtest.h>

#include <set>

using namespace xperf;

TEST(Registry, EveryCrossingHasANameDescriptionAndFunction)
{
	std::set<std::string_view> names;
	for (const auto &c : crossings()) {
		EXPECT_FALSE(c.name.empty());
		EXPECT_FALSE(c.description.empty()) << c.name;
		EXPECT_NE(c.run, nullptr) << c.name;
		EXPECT_TRUE(names.insert(c.name).second) << "duplicate " << c.name;
	}
	for (const char *required : { "control", "funccall", "syscall", "getppid", "pgfault", "alloc" })
		EXPECT_TRUE(names.count(required)) << required;
}

// --verify asks a crossing's row what its iterations must show: every
// entry says, those "all" measures with a path to check, the OS suite's
// entries that they have none on purpose.
TEST(Registry, EveryCrossingHasAnExpectationOrSaysItHasNoneOnPurpose)
{
	for (const auto &c : crossings()) {
		ASSERT_NE(c.expect, nullptr) << c.name << " says nothing of what --verify expects";
		bool none = c.expect == verify::expect_nothing_known;
		EXPECT_EQ(none, c.group == Group::os) << c.name;
		Result r;
		r.crossing = std::string(c.name);
		r.variant = "v";
		verify::Expectation x = expectation_for(r);
		EXPECT_EQ(x.path, c.expect(r).path) << c.name << ": the row's expectation";
		EXPECT_EQ(x.unverifiable, c.expect(r).unverifiable) << c.name;
		if (none) {
			EXPECT_EQ(x.unverifiable, "nothing is known to expect of " + r.crossing + " v");
		} else if (c.name != "vmexit") { // a vmexit result must describe its run
			EXPECT_EQ(x.unverifiable, "") << c.name;
		}
	}
}

// compare checks the machine by the one entry whose row says it is the
// control, and only syscall's results add to a column's label.
TEST(Registry, OneControlAndSyscallLabelsThePatch)
{
	std::size_t controls = 0;
	for (const auto &c : crossings())
		controls += c.role == Role::control;
	EXPECT_EQ(controls, 1u);
	EXPECT_EQ(control_crossing().role, Role::control);
	EXPECT_EQ(control_crossing().name, "control");
	const Crossing &syscall = *find_crossing("syscall");
	ASSERT_NE(syscall.label, nullptr);
	Result r;
	r.detail = { { "kernel_path", "enosys" } };
	EXPECT_EQ(syscall.label(r), "unpatched");
	r.detail = { { "kernel_path", "xperf-nop" } };
	EXPECT_EQ(syscall.label(r), "patched");
	r.detail = nlohmann::json::object();
	EXPECT_EQ(syscall.label(r), "");
}

// What "all" measures: the registry's crossings, not the OS suite's entries.
std::size_t crossing_count()
{
	std::size_t n = 0;
	for (const auto &c : crossings())
		n += c.group == Group::crossing;
	return n;
}

TEST(Registry, SelectAllCommaListAndDuplicates)
{
	auto all = select_crossings("all");
	ASSERT_EQ(all.size(), crossing_count());
	for (const auto &s : all)
		EXPECT_FALSE(s.named) << s.crossing->name << ": all names nothing";
	auto two = select_crossings("pgfault,syscall,pgfault");
	ASSERT_EQ(two.size(), 2u);
	EXPECT_EQ(two[0].crossing->name, "pgfault");
	EXPECT_EQ(two[1].crossing->name, "syscall");
	EXPECT_TRUE(two[0].named && two[1].named);
}

TEST(Registry, AllMixesWithNamesAndANameStaysNamed)
{
	for (const char *spec : { "all,getppid", "getppid,all" }) {
		auto s = select_crossings(spec);
		ASSERT_EQ(s.size(), crossing_count()) << spec;
		std::size_t named = 0;
		for (const auto &one : s) {
			named += one.named;
			EXPECT_EQ(one.named, one.crossing->name == "getppid") << spec;
		}
		EXPECT_EQ(named, 1u) << spec;
	}
	EXPECT_EQ(select_crossings("getppid,all")[0].crossing->name, "getppid");
}

TEST(Registry, UnknownCrossingIsBadInputNamingItAndTheKnownOnes)
{
	try {
		select_crossings("syscall,nosuch");
		FAIL() << "no error";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::bad_input);
		std::string m = e.what();
		EXPECT_NE(m.find("nosuch"), std::string::npos);
		EXPECT_NE(m.find("pgfault"), std::string::npos);
	}
	EXPECT_THROW(select_crossings(""), Error);
	EXPECT_THROW(select_crossings("syscall,"), Error);
}
