#include "core/standard_fds.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace xperf {

void hold_standard_fds()
{
	for (int fd = 0; fd <= 2; fd++) {
		if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		// open() returns the lowest free descriptor: this one.
		int got = ::open("/dev/null", O_RDONLY);
		if (got >= 0 && got != fd)
			::close(got);
	}
}

} // namespace xperf
