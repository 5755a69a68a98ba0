// --verify on the command line: its values, and what it does without the
// means to trace. No root needed: the tracer is never loaded here.
#include "app/cli.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

using namespace xperf;

namespace {

int run(std::vector<std::string> args, std::string &out, std::string &err)
{
	std::vector<char *> argv;
	std::string name = "xperf-user";
	argv.push_back(name.data());
	for (auto &a : args)
		argv.push_back(a.data());
	std::ostringstream o, e;
	int rc = run_cli(static_cast<int>(argv.size()), argv.data(), o, e);
	out = o.str();
	err = e.str();
	return rc;
}

} // namespace

TEST(VerifyCli, UnknownVerifyModeIsBadInput)
{
	std::string out, err;
	EXPECT_EQ(run({ "--verify=maybe", "--crossing", "funccall" }, out, err), 2);
	EXPECT_NE(err.find("--verify"), std::string::npos) << err;
}

TEST(VerifyCli, HelpNamesVerifyAndStrict)
{
	std::string out, err;
	EXPECT_EQ(run({ "--help" }, out, err), 0);
	EXPECT_NE(out.find("--verify"), std::string::npos);
	EXPECT_NE(out.find("strict"), std::string::npos);
}
