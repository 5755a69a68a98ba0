#include "core/cpu_id.h"

#include "core/sysroot.h"

#include <cpuid.h>

#include <cctype>
#include <cstring>

namespace xperf {

namespace {

// Twelve characters from three registers, in the order the leaf gives them.
std::string twelve(unsigned first, unsigned second, unsigned third)
{
	char text[13] = {};
	std::memcpy(text, &first, 4);
	std::memcpy(text + 4, &second, 4);
	std::memcpy(text + 8, &third, 4);
	std::string printable;
	for (char c : text)
		if (c && std::isprint(static_cast<unsigned char>(c)))
			printable += c;
	return std::string(trim(printable));
}

} // namespace

std::string cpu_vendor()
{
	unsigned a = 0, b = 0, c = 0, d = 0;
	__cpuid(0, a, b, c, d);
	return twelve(b, d, c);
}

std::optional<std::string> hypervisor_signature()
{
	unsigned a = 0, b = 0, c = 0, d = 0;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 31)))
		return std::nullopt;
	// Leaf 0x40000000 is outside __get_cpuid's range checks.
	__cpuid(0x40000000, a, b, c, d);
	std::string sig = twelve(b, c, d);
	if (sig.empty())
		return std::nullopt;
	return sig;
}

} // namespace xperf
