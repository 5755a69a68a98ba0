#include "core/error.h"

namespace xperf {

int exit_status(ErrorKind kind)
{
	switch (kind) {
	case ErrorKind::bad_input:
	case ErrorKind::unavailable:
		return 2;
	case ErrorKind::damaged:
		return 3;
	case ErrorKind::failed:
		break;
	}
	return 1;
}

Error::Error(ErrorKind kind, std::string reason, std::string remedy)
	: kind_(kind), reason_(std::move(reason)), remedy_(std::move(remedy)),
	  what_(remedy_.empty() ? reason_ : reason_ + ": " + remedy_)
{
}

Error Error::within(const std::string &where) const
{
	return Error(kind_, where + ": " + reason_, remedy_);
}

} // namespace xperf
