// xperf-user: measure privilege crossings. All logic is in libxperf.
#include "cli.h"
#include "standard_fds.h"

#include <iostream>

int main(int argc, char **argv)
{
	xperf::hold_standard_fds();
	return xperf::run_cli(argc, argv, std::cout, std::cerr);
}
