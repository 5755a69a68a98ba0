#include "core/temp_file.h"

#include "core/error.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace xperf {

namespace {

std::string temp_name(const std::string &name)
{
	// "." + name + ".XXXXXX" within NAME_MAX.
	constexpr std::size_t room = NAME_MAX - 8;
	return "." + name.substr(0, room) + ".XXXXXX";
}

} // namespace

TempFile::TempFile(const std::string &dir, const std::string &name)
{
	std::string tmpl = (dir.empty() ? std::string(".") : dir) + "/" + temp_name(name);
	std::vector<char> own(tmpl.begin(), tmpl.end());
	own.push_back('\0');
	// Armed before the file exists, and mkostemp writes the name it picked
	// into the handler's own copy before creating it: no signal finds the
	// file unlisted, and unlinking a name not yet created is harmless.
	slot_.arm(tmpl, ScratchSlot::Kind::file);
	char *name_buf = slot_.armed() ? slot_.path() : own.data();
	int fd = ::mkostemp(name_buf, O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		slot_.disarm();
		throw failed(fmt::format("cannot create a temporary file in {}: {}", dir,
					 std::strerror(err)));
	}
	path_ = name_buf;
	fd_ = UniqueFd(fd);
}

TempFile::~TempFile()
{
	if (!renamed_)
		::unlink(path_.c_str());
}

bool TempFile::close()
{
	return ::close(fd_.release()) == 0;
}

bool TempFile::rename_to(const std::string &target)
{
	if (::rename(path_.c_str(), target.c_str()))
		return false;
	renamed_ = true;
	slot_.disarm();
	return true;
}

TempDir::TempDir(const std::string &dir, const std::string &name)
{
	std::string base = dir;
	if (base.empty()) {
		const char *tmp = std::getenv("TMPDIR");
		base = tmp && *tmp ? tmp : "/tmp";
	}
	std::string tmpl = base + "/xperf-" + name.substr(0, NAME_MAX - 14) + ".XXXXXX";
	// Armed first, as TempFile is: mkdtemp writes the name into the
	// handler's copy before it creates the folder.
	slot_.arm(tmpl, ScratchSlot::Kind::folder);
	std::vector<char> own(tmpl.begin(), tmpl.end());
	own.push_back('\0');
	char *name_buf = slot_.armed() ? slot_.path() : own.data();
	if (!::mkdtemp(name_buf)) {
		int err = errno;
		slot_.disarm();
		throw failed(fmt::format("cannot make a scratch folder in {}: {}", base,
					 std::strerror(err)),
			     dir.empty() ? "set TMPDIR to a writable folder (the OS suite's entries "
					   "also take --dir)"
					 : "give a writable folder with --dir");
	}
	path_ = name_buf;
}

TempDir::~TempDir()
{
	std::error_code ec;
	std::filesystem::remove_all(path_, ec);
}

} // namespace xperf
