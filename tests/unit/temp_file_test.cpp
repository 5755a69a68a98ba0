// The temporary beside an output file goes whatever ends the process:
// its destructor, or SIGINT, SIGTERM, SIGHUP while it is being written.
#include "core/error.h"
#include "core/temp_file.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using xperf::TempFile;

namespace {

class Temp : public ::testing::Test {
protected:
	void SetUp() override
	{
		dir = fs::temp_directory_path() /
		      ("xperf-temp-" + std::to_string(::getpid()) + "-" +
		       ::testing::UnitTest::GetInstance()->current_test_info()->name());
		fs::create_directories(dir);
	}
	void TearDown() override { fs::remove_all(dir); }
	std::size_t files() const
	{
		return static_cast<std::size_t>(
			std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
	}
	// Runs body in a child and returns its wait status.
	template <class Body> int in_child(Body body)
	{
		pid_t pid = ::fork();
		if (pid == 0) {
			body();
			::_exit(0);
		}
		int status = 0;
		::waitpid(pid, &status, 0);
		return status;
	}
	fs::path dir;
};

} // namespace

TEST_F(Temp, IsBesideTheTargetAndGoesWithItsOwner)
{
	{
		TempFile t(dir.string(), "out.json");
		EXPECT_EQ(fs::path(t.path()).parent_path(), dir);
		EXPECT_EQ(fs::path(t.path()).filename().string().rfind(".out.json.", 0), 0u);
		EXPECT_EQ(files(), 1u);
	}
	EXPECT_EQ(files(), 0u);
}

TEST_F(Temp, ANameOfNameMaxStillFits)
{
	TempFile t(dir.string(), std::string(NAME_MAX, 'n'));
	EXPECT_LE(fs::path(t.path()).filename().string().size(), std::size_t{ NAME_MAX });
	EXPECT_TRUE(t.rename_to((dir / std::string(NAME_MAX, 'n')).string()));
	EXPECT_EQ(files(), 1u);
}

TEST_F(Temp, EachSignalRemovesItAndStillEndsTheProcess)
{
	for (int sig : { SIGINT, SIGTERM, SIGHUP }) {
		int status = in_child([&] {
			TempFile t(dir.string(), "out.json");
			::raise(sig);
			::_exit(99); // not reached: the signal ends the child
		});
		ASSERT_TRUE(WIFSIGNALED(status)) << strsignal(sig) << ": status " << status;
		EXPECT_EQ(WTERMSIG(status), sig);
		EXPECT_EQ(files(), 0u) << strsignal(sig) << " left the temporary behind";
	}
}

// nohup ignores SIGHUP: so does xperf then.
TEST_F(Temp, AnIgnoredSignalStaysIgnored)
{
	int status = in_child([&] {
		::signal(SIGHUP, SIG_IGN);
		TempFile t(dir.string(), "out.json");
		::raise(SIGHUP);
		if (!fs::exists(t.path()))
			::_exit(3);
	});
	ASSERT_TRUE(WIFEXITED(status)) << status;
	EXPECT_EQ(WEXITSTATUS(status), 0);
	EXPECT_EQ(files(), 0u);
}

TEST_F(Temp, ARenamedTemporaryIsTheTargetAndStays)
{
	std::string target = (dir / "out.json").string();
	int status = in_child([&] {
		TempFile t(dir.string(), "out.json");
		if (!t.rename_to(target))
			::_exit(3);
		::raise(SIGTERM);
	});
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_TRUE(fs::exists(target)) << "the signal removed the finished file";
}

// A scratch folder that cannot be made names the remedy that applies: the
// folder given with --dir, or TMPDIR where none was given.
TEST(TempDir, AFolderThatCannotBeMadeNamesWhereToGiveAnother)
{
	try {
		xperf::TempDir given("/nonexistent-xperf-dir", "test");
		ADD_FAILURE() << "made a folder in a folder that does not exist";
	} catch (const xperf::Error &e) {
		EXPECT_NE(e.remedy().find("--dir"), std::string::npos) << e.what();
	}
	const char *old = std::getenv("TMPDIR");
	std::string saved = old ? old : "";
	::setenv("TMPDIR", "/nonexistent-xperf-tmp", 1);
	try {
		xperf::TempDir defaulted("", "test");
		ADD_FAILURE() << "made a folder in a TMPDIR that does not exist";
	} catch (const xperf::Error &e) {
		EXPECT_NE(e.remedy().find("TMPDIR"), std::string::npos) << e.what();
	}
	if (old)
		::setenv("TMPDIR", saved.c_str(), 1);
	else
		::unsetenv("TMPDIR");
}
