// CPUID's vendor strings, decoded in one place for every part of
// xperf-user: the CPU's vendor (leaf 0) and the hypervisor's signature
// (leaf 0x40000000).
#pragma once

#include <optional>
#include <string>

namespace xperf {

// "AuthenticAMD", "GenuineIntel", "HygonGenuine", ...
std::string cpu_vendor();

// The signature of the hypervisor this process runs under ("KVMKVMKVM",
// "TCGTCGTCGTCG", ...), printable characters only and trimmed; nothing
// without the hypervisor bit (CPUID.1:ECX[31]).
std::optional<std::string> hypervisor_signature();

} // namespace xperf
