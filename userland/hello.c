/*
 * xperf-hello: the program that fork-exec's and fork-sh's dynamic-hello
 * variants run, as LMBench's lat_proc runs its hello: dynamically linked,
 * it writes one line to its standard output (which the measuring child has
 * closed) and exits with 0.
 */
#include <unistd.h>

int main(void)
{
	static const char line[] = "Hello world\n";
	ssize_t written = write(1, line, sizeof(line) - 1);

	(void)written;
	return 0;
}
