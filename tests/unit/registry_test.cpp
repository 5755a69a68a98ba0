#include "registry.h"

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
	for (const char *required : { "funccall", "syscall", "getppid", "pgfault", "alloc" })
		EXPECT_TRUE(names.count(required)) << required;
}

TEST(Registry, SelectAllCommaListAndDuplicates)
{
	EXPECT_EQ(select_crossings("all").size(), crossings().size());
	auto two = select_crossings("pgfault,syscall,pgfault");
	ASSERT_EQ(two.size(), 2u);
	EXPECT_EQ(two[0]->name, "pgfault");
	EXPECT_EQ(two[1]->name, "syscall");
}

TEST(Registry, UnknownCrossingNamesItAndTheKnownOnes)
{
	try {
		select_crossings("syscall,nosuch");
		FAIL() << "no error";
	} catch (const std::invalid_argument &e) {
		std::string m = e.what();
		EXPECT_NE(m.find("nosuch"), std::string::npos);
		EXPECT_NE(m.find("pgfault"), std::string::npos);
	}
	EXPECT_THROW(select_crossings(""), std::invalid_argument);
	EXPECT_THROW(select_crossings("syscall,"), std::invalid_argument);
}
