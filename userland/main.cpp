// xperf-user: measure privilege crossings. All logic is in libxperf.
#include "cli.h"

#include <iostream>

int main(int argc, char **argv)
{
	return xperf::run_cli(argc, argv, std::cout, std::cerr);
}
