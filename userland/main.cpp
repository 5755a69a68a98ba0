// xperf-user: measure privilege crossings. All logic is in libxperf.
#include "app/cli.h"
#include "app/part_process.h"
#include "core/standard_fds.h"

#include <iostream>

int main(int argc, char **argv)
{
	xperf::hold_standard_fds();
	xperf::enable_part_processes(); // this is xperf-user: a run's parts execute it again
	return xperf::run_cli(argc, argv, std::cout, std::cerr);
}
