// -o FILE written in place (a file with other hard links): never truncated
// before the new text is known to fit; a file that could not be put back
// is said to be damaged, with its own exit status. The file size limit
// (RLIMIT_FSIZE) stands in for a full disk: fallocate(2) and write(2) meet
// it as they meet ENOSPC. A FIFO without a reader: said, then waited for.
#include "app/output_file.h"
#include "core/error.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path &p)
{
	std::ifstream in(p);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

// What commit did in a process whose files may not grow beyond limit bytes.
struct Outcome {
	int status = -1; // exit status of the Error's kind, 0 when it wrote
	std::string message;
};

class InPlace : public ::testing::Test {
protected:
	void SetUp() override
	{
		dir = fs::temp_directory_path() /
		      ("xperf-output-" + std::to_string(::getpid()) + "-" +
		       ::testing::UnitTest::GetInstance()->current_test_info()->name());
		fs::create_directories(dir);
	}
	void TearDown() override { fs::remove_all(dir); }

	// A file of old_size bytes with a second hard link: written in place.
	fs::path linked_file(std::size_t old_size)
	{
		fs::path file = dir / "r.json";
		std::ofstream(file) << std::string(old_size, 'o');
		fs::create_hard_link(file, dir / "link.json");
		return file;
	}

	Outcome commit_limited(const fs::path &file, const std::string &text, rlim_t limit)
	{
		int fds[2];
		EXPECT_EQ(::pipe(fds), 0);
		pid_t pid = ::fork();
		if (pid == 0) {
			::close(fds[0]);
			::signal(SIGXFSZ, SIG_IGN); // the write fails with EFBIG instead
			struct rlimit rl = { limit, limit };
			::setrlimit(RLIMIT_FSIZE, &rl);
			std::string said = "0\n";
			try {
				xperf::OutputFile out(file.string());
				EXPECT_FALSE(out.replaces());
				out.commit(text);
			} catch (const xperf::Error &e) {
				said = std::to_string(xperf::exit_status(e.kind())) + "\n" + e.what();
			}
			ssize_t n = ::write(fds[1], said.data(), said.size());
			::_exit(n == static_cast<ssize_t>(said.size()) ? 0 : 1);
		}
		::close(fds[1]);
		std::string said;
		char buf[1024];
		for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) > 0;)
			said.append(buf, static_cast<std::size_t>(n));
		::close(fds[0]);
		int status = 0;
		::waitpid(pid, &status, 0);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
		Outcome o;
		auto nl = said.find('\n');
		if (nl == std::string::npos)
			return o;
		o.status = std::stoi(said.substr(0, nl));
		o.message = said.substr(nl + 1);
		return o;
	}

	fs::path dir;
};

// Writes what it is told to a descriptor at once: one thread says, another
// reads what was said.
class FdBuf : public std::streambuf {
public:
	explicit FdBuf(int fd) : fd_(fd) {}

protected:
	int_type overflow(int_type c) override
	{
		char ch = traits_type::to_char_type(c);
		return ::write(fd_, &ch, 1) == 1 ? c : traits_type::eof();
	}
	std::streamsize xsputn(const char *s, std::streamsize n) override
	{
		return ::write(fd_, s, static_cast<std::size_t>(n));
	}

private:
	int fd_;
};

// What arrives on fd until it holds words or seconds have passed.
std::string read_until(int fd, const std::string &words, int seconds)
{
	std::string got;
	auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
	while (got.find(words) == std::string::npos && std::chrono::steady_clock::now() < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (::poll(&p, 1, 100) != 1)
			continue;
		char buf[512];
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		got.append(buf, static_cast<std::size_t>(n));
	}
	return got;
}

} // namespace

// The case of the issue: a new text larger than the room left. The file
// keeps every byte it had, and the message says so.
TEST_F(InPlace, NoRoomForTheNewTextLeavesTheFileAsItWas)
{
	fs::path file = linked_file(9000);
	Outcome o = commit_limited(file, std::string(20000, 'n'), 16384);
	EXPECT_EQ(o.status, 1) << o.message;
	EXPECT_NE(o.message.find("no room for the 20000 bytes"), std::string::npos) << o.message;
	EXPECT_NE(o.message.find("was left as it was"), std::string::npos) << o.message;
	std::string now = slurp(file);
	EXPECT_TRUE(now == std::string(9000, 'o'))
		<< now.size() << " bytes, starting " << now.substr(0, 16);
	EXPECT_EQ(fs::hard_link_count(file), 2u);
}

// Room was there (the new text is shorter than the old), yet the write
// stopped part way and so did the putting back: the file is damaged, and
// status 3 and the message say it.
TEST_F(InPlace, AFileThatCouldNotBePutBackIsSaidToBeDamaged)
{
	fs::path file = linked_file(20000);
	Outcome o = commit_limited(file, std::string(9000, 'n'), 8192);
	EXPECT_EQ(o.status, 3) << o.message;
	EXPECT_NE(o.message.find("is damaged"), std::string::npos) << o.message;
}

// Room enough: the new text, whole, through every link, the file shorter
// than it was when the text is.
TEST_F(InPlace, WithRoomTheNewTextReplacesTheOld)
{
	fs::path file = linked_file(20000);
	Outcome o = commit_limited(file, "new\n", RLIM_INFINITY);
	EXPECT_EQ(o.status, 0) << o.message;
	EXPECT_EQ(slurp(file), "new\n");
	EXPECT_EQ(slurp(dir / "link.json"), "new\n");
}

// Nobody reads the FIFO yet: the wait is said before it begins, and the
// text arrives whole once a reader comes. With a reader there, nothing is
// said.
TEST_F(InPlace, AFifoWithoutAReaderSaysThatItWaitsForOne)
{
	fs::path fifo = dir / "fifo";
	ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
	int said[2];
	ASSERT_EQ(::pipe(said), 0);
	FdBuf buf(said[1]);
	std::ostream say(&buf);
	for (bool reader_first : { false, true }) {
		int early = reader_first ? ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK) : -1;
		xperf::OutputFile out(fifo.string(), &say);
		std::thread writer([&] { out.commit("the output\n"); });
		std::string words = "waiting for a reader of the FIFO " + fifo.string();
		std::string heard = read_until(said[0], words, reader_first ? 1 : 10);
		int reader = reader_first ? early : ::open(fifo.c_str(), O_RDONLY);
		::fcntl(reader, F_SETFL, 0);
		std::string got;
		char text[64];
		for (ssize_t n; (n = ::read(reader, text, sizeof(text))) > 0;)
			got.append(text, static_cast<std::size_t>(n));
		writer.join();
		::close(reader);
		if (reader_first)
			EXPECT_EQ(heard, "");
		else
			EXPECT_NE(heard.find(words), std::string::npos) << heard;
		EXPECT_EQ(got, "the output\n");
	}
	::close(said[0]);
	::close(said[1]);
}
