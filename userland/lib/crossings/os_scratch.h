// What the OS suite's file entries share: their scratch folder, files of a
// given size in it, and the facts about it that go in every result.
#pragma once

#include "core/result.h"
#include "core/run_context.h"
#include "core/sampler.h"
#include "core/temp_file.h"
#include "core/unique_fd.h"

#include <cstddef>
#include <string>

namespace xperf {

// A failed Error naming what failed and errno's text.
[[noreturn]] void throw_errno(const std::string &what);

// The entry's scratch folder (in --dir, else $TMPDIR or /tmp) and the file
// system it lives on, which is part of what the entry measures.
class Scratch {
public:
	explicit Scratch(const RunContext &ctx, const std::string &entry);

	const std::string &path() const { return dir_.path(); }
	std::string file(const std::string &name) const { return path() + "/" + name; }
	// detail["scratch_in"] (the folder it was made in, the same for every
	// part of a run) and detail["scratch_fs"] (its file system).
	void describe(Result &r) const;
	// An entry's result: timed_result (sampler.h) with the note "timed: " +
	// timed, and this folder described.
	Result result(const RunContext &ctx, std::string crossing, std::string variant,
		      const Timing &t, const std::string &timed) const;

private:
	std::string parent_;
	TempDir dir_;
};

// Where scratch folders are made: --dir, else $TMPDIR, else /dev/shm when
// it is a tmpfs where files can be made and run, else /tmp. A disk file
// system's figures depend on what it did in the last minutes (on ext4 here,
// file creation slowed from 6 to 53 us over a few thousand creates and
// took minutes to come back: Documentation/suites.rst); a tmpfs has no
// such history.
std::string scratch_parent(const Options &opt);

// --dir as given: a folder where a scratch folder can be made, or a
// bad_input Error saying why not, found before any measuring.
void check_scratch_dir(const std::string &dir);

// Whether a file system type (file_system_type) keeps its files in memory
// only: tmpfs or ramfs.
bool memory_file_system(const std::string &type);

// Creates (or truncates) path with size bytes written in writes of block
// bytes (0: one write(2)), and returns it open read-write. The size of the
// writes is the size of the file's folios in the page cache of some file
// systems (ext4 with large folios), and so what a fault on its mapping maps.
UniqueFd make_file(const std::string &path, std::size_t size, std::size_t block = 0);

// The name of the file system dir is on ("ext4", "tmpfs", ...), or its
// statfs magic in hex when it has no name here.
std::string file_system_type(const std::string &dir);

// A file mapping, unmapped when it goes.
class FileMapping {
public:
	FileMapping(int fd, std::size_t len, int prot, int flags);
	FileMapping(const FileMapping &) = delete;
	FileMapping &operator=(const FileMapping &) = delete;
	~FileMapping();

	char *data() const { return static_cast<char *>(addr_); }
	std::size_t size() const { return len_; }

private:
	void *addr_;
	std::size_t len_;
};

} // namespace xperf
