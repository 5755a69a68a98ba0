// The one fatal error of xperf-user. Its kind, never the C++ class of an
// exception, decides the exit status; its message says what went wrong and
// what to do about it.
#pragma once

#include <exception>
#include <string>

namespace xperf {

enum class ErrorKind {
	bad_input,   // a flag, a number, a file: the user changes the command
	unavailable, // this machine lacks what it needs (/dev/kvm, QEMU, a module, root)
	failed,	     // it should have worked and did not: a measurement failed
	damaged,     // failed part way through writing a file, which is now neither
		     // what it was nor whole
};

// Exit status of each kind: 2 for what the user must change (the command or
// the machine), 1 for a failure, 3 for a damaged file; 0 is success.
int exit_status(ErrorKind kind);

class Error : public std::exception {
public:
	// reason: what is wrong; remedy: what to do (may be empty where the
	// reason says it already).
	Error(ErrorKind kind, std::string reason, std::string remedy = {});

	ErrorKind kind() const { return kind_; }
	const std::string &reason() const { return reason_; }
	const std::string &remedy() const { return remedy_; }
	// "reason: remedy"
	const char *what() const noexcept override { return what_.c_str(); }

	// The same error, its reason prefixed with where it happened.
	Error within(const std::string &where) const;

private:
	ErrorKind kind_;
	std::string reason_, remedy_, what_;
};

inline Error bad_input(std::string reason, std::string remedy = {})
{
	return Error(ErrorKind::bad_input, std::move(reason), std::move(remedy));
}

inline Error unavailable(std::string reason, std::string remedy = {})
{
	return Error(ErrorKind::unavailable, std::move(reason), std::move(remedy));
}

inline Error failed(std::string reason, std::string remedy = {})
{
	return Error(ErrorKind::failed, std::move(reason), std::move(remedy));
}

inline Error damaged(std::string reason, std::string remedy = {})
{
	return Error(ErrorKind::damaged, std::move(reason), std::move(remedy));
}

} // namespace xperf
