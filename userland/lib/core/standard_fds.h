// Standard input, output and error, even when the caller closed them.
#pragma once

namespace xperf {

// Puts /dev/null, opened read-only, on each of descriptors 0, 1 and 2 that
// is closed. Otherwise the next file xperf opens (a temporary, /dev/kvm, a
// file in /proc) would take the number and receive what was meant for
// standard output; this way writing there fails (EBADF), as it would have.
void hold_standard_fds();

} // namespace xperf
