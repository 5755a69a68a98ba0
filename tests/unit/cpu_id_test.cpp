#include "core/cpu_id.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

using namespace xperf;

namespace {

// The first value of a cpuinfo field, or "" when /proc/cpuinfo lacks it.
std::string cpuinfo_field(const std::string &name)
{
	std::ifstream in("/proc/cpuinfo");
	for (std::string line; std::getline(in, line);)
		if (line.rfind(name, 0) == 0) {
			auto colon = line.find(':');
			return colon == std::string::npos ? "" : line.substr(colon + 2);
		}
	return "";
}

} // namespace

// CPUID as decoded here agrees with what the kernel decoded into cpuinfo.
TEST(CpuId, VendorIsCpuinfosVendorId)
{
	std::string vendor_id = cpuinfo_field("vendor_id");
	if (vendor_id.empty())
		GTEST_SKIP() << "no vendor_id in /proc/cpuinfo";
	EXPECT_EQ(cpu_vendor(), vendor_id);
}

TEST(CpuId, HypervisorSignatureIsThereExactlyWhenCpuinfoSaysHypervisor)
{
	std::istringstream flags(cpuinfo_field("flags"));
	bool hypervisor = false;
	for (std::string f; flags >> f;)
		hypervisor |= f == "hypervisor";
	auto sig = hypervisor_signature();
	EXPECT_EQ(sig.has_value(), hypervisor) << sig.value_or("(none)");
	if (sig) {
		EXPECT_FALSE(sig->empty());
		EXPECT_LE(sig->size(), 12u);
		EXPECT_EQ(sig->find('\0'), std::string::npos);
	}
}
