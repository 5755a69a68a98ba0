#include "app/conditions.h"

#include "core/machine.h"

#include <charconv>
#include <optional>
#include <set>
#include <string_view>

namespace xperf {

namespace {

using nlohmann::json;
json or_null(const std::optional<std::string> &text)
{
	return text ? json(*text) : json(nullptr);
}

// sysfs booleans are "1"/"0" (smt/active, cpufreq/boost) or "Y"/"N".
json bool_or_null(const std::optional<std::string> &text)
{
	if (text == "1" || text == "Y")
		return true;
	if (text == "0" || text == "N")
		return false;
	return nullptr;
}

json int_or_null(const std::optional<std::string> &text)
{
	if (!text)
		return nullptr;
	long value = 0;
	const char *end = text->data() + text->size();
	auto [ptr, ec] = std::from_chars(text->data(), end, value);
	if (ec != std::errc() || ptr != end)
		return nullptr;
	return value;
}

constexpr std::string_view kCpuFlagsOfInterest[] = {
	"constant_tsc", "nonstop_tsc", "tsc_known_freq", "rdtscp", "pti",
	"pcid", "invpcid", "hypervisor", "svm", "vmx",
};

json flag_or_null(const std::optional<CpuInfo> &cpu, std::string_view name)
{
	auto flag = cpu ? cpu->flag(name) : std::nullopt;
	return flag ? json(*flag) : json(nullptr);
}

json cpu_section(const MachineSnapshot &m)
{
	const std::optional<CpuInfo> &cpu = m.cpuinfo;
	json flags = nullptr;
	if (cpu && cpu->has_flags)
		for (std::string_view name : kCpuFlagsOfInterest)
			flags[std::string(name)] = *cpu->flag(name);
	auto field = [&](std::string_view name) {
		return cpu ? cpu->field(name) : std::nullopt;
	};
	return {
		{ "vendor", or_null(field("vendor_id")) },
		{ "model_name", or_null(field("model name")) },
		{ "family", int_or_null(field("cpu family")) },
		{ "model", int_or_null(field("model")) },
		{ "stepping", int_or_null(field("stepping")) },
		{ "microcode", or_null(field("microcode")) },
		{ "logical_cpus", cpu ? json(cpu->processors) : json(nullptr) },
		{ "online", or_null(m.cpus_online) },
		{ "flags", flags },
	};
}

json cmdline_value_or_null(const std::optional<std::string> &cmdline, std::string_view name)
{
	return cmdline ? or_null(cmdline_param(*cmdline, name)) : json(nullptr);
}

json kernel_section(const MachineSnapshot &m)
{
	return {
		{ "release", or_null(m.kernel_release) },
		{ "version", or_null(m.kernel_version) },
		{ "cmdline", or_null(m.cmdline) },
	};
}

json kpti_section(const KptiState &kpti)
{
	json options = nullptr;
	if (kpti.cmdline_options)
		options = *kpti.cmdline_options;
	return { { "enabled", kpti.enabled ? json(*kpti.enabled) : json(nullptr) },
		 { "source", kpti.source ? json(*kpti.source) : json(nullptr) },
		 { "cmdline", options } };
}

json texts_object(const FileTexts &texts)
{
	json object = json::object();
	for (const auto &[name, text] : texts)
		object[name] = or_null(text);
	return object;
}

json texts_or_null(const std::optional<FileTexts> &texts)
{
	return texts ? texts_object(*texts) : json(nullptr);
}

json smt_section(const MachineSnapshot &m)
{
	return {
		{ "active", bool_or_null(m.smt_active) },
		{ "control", or_null(m.smt_control) },
	};
}

json cpufreq_section(const MachineSnapshot &m)
{
	return {
		{ "driver", or_null(m.cpu(0).scaling_driver) },
		{ "governor", or_null(m.cpu(0).scaling_governor) },
		{ "boost", bool_or_null(m.cpufreq_boost) },
		{ "no_turbo", bool_or_null(m.intel_no_turbo) },
	};
}

json isolation_section(const MachineSnapshot &m)
{
	return {
		{ "isolated", or_null(m.isolated) },
		{ "nohz_full", or_null(m.nohz_full) },
		{ "cmdline_isolcpus", cmdline_value_or_null(m.cmdline, "isolcpus") },
		{ "cmdline_nohz_full", cmdline_value_or_null(m.cmdline, "nohz_full") },
	};
}

json tsc_section(const MachineSnapshot &m)
{
	json available = nullptr;
	if (m.clocksources_available) {
		available = json::array();
		for (std::string_view name : split_words(*m.clocksources_available))
			available.emplace_back(name);
	}
	// Every flag that names the TSC, so that ones we did not think of
	// (tsc_reliable under VMware, tsc_scale) show up too.
	json flags = nullptr;
	if (m.cpuinfo && m.cpuinfo->has_flags) {
		flags = json::array();
		for (const std::string &flag : m.cpuinfo->flags)
			if (flag.find("tsc") != std::string::npos)
				flags.push_back(flag);
	}
	return {
		{ "clocksource", or_null(m.clocksource) },
		{ "available", available },
		{ "flags", flags },
	};
}

json kvm_section(const MachineSnapshot &m)
{
	json params = nullptr;
	for (const auto &[module, values] : m.kvm_params)
		params[module] = texts_object(values);
	json present = nullptr;
	if (m.modules)
		present = m.modules->contains("kvm");
	return { { "present", present }, { "params", params } };
}

json virtualization_section(const MachineSnapshot &m)
{
	return {
		{ "hypervisor", flag_or_null(m.cpuinfo, "hypervisor") },
		{ "product_name", or_null(m.dmi_product_name) },
		{ "sys_vendor", or_null(m.dmi_sys_vendor) },
	};
}

// What diff_conditions compares: everything below each of these can change a
// figure. Left out: the kpti source and the available clocksources, which do
// not by themselves, and logical_cpus/online, as a run is pinned to one CPU.
constexpr std::string_view kDiffedPointers[] = {
	"/cpu/vendor", "/cpu/model_name", "/cpu/family", "/cpu/model", "/cpu/stepping",
	"/cpu/microcode", "/cpu/flags",
	"/kernel/release", "/kernel/version", "/kernel/cmdline",
	"/kpti/enabled",
	"/vulnerabilities",
	"/smt/active",
	"/cpufreq",
	"/isolation",
	"/tsc/clocksource",
	"/kvm",
	"/virtualization",
};

const json *child(const json &parent, std::string_view name)
{
	if (!parent.is_object())
		return nullptr;
	auto it = parent.find(name);
	return it == parent.end() ? nullptr : &*it;
}

// The value at a pointer whose tokens need no unescaping, or nullptr; unlike
// json::at() it never throws on a shape it did not expect.
const json *find(const json &j, std::string_view pointer)
{
	const json *at = &j;
	while (at && !pointer.empty()) {
		pointer.remove_prefix(1);
		std::size_t slash = pointer.find('/');
		at = child(*at, pointer.substr(0, slash));
		pointer = slash == std::string_view::npos ? std::string_view{} : pointer.substr(slash);
	}
	return at;
}

std::string escape_token(std::string_view token)
{
	std::string escaped;
	for (char c : token) {
		if (c == '~')
			escaped += "~0";
		else if (c == '/')
			escaped += "~1";
		else
			escaped += c;
	}
	return escaped;
}

std::string as_text(const json &value)
{
	if (value.is_null())
		return "(absent)";
	if (value.is_string())
		return value.get<std::string>();
	return value.dump();
}

void diff_below(const json *a, const json *b, const std::string &key, std::vector<ConditionDiff> &out)
{
	static const json null = nullptr;
	const json &va = a ? *a : null, &vb = b ? *b : null;
	bool recurse = (va.is_object() && (vb.is_object() || vb.is_null())) ||
		       (vb.is_object() && va.is_null());
	if (!recurse) {
		if (va != vb)
			out.push_back({ key, as_text(va), as_text(vb) });
		return;
	}
	std::set<std::string> names;
	for (const json *side : { &va, &vb })
		if (side->is_object())
			for (const auto &item : side->items())
				names.insert(item.key());
	for (const std::string &name : names)
		diff_below(child(va, name), child(vb, name), key + "/" + escape_token(name), out);
}

} // namespace

// The cpuinfo flag pti is set exactly when KPTI runs, also when pti=on
// forces it on a CPU whose meltdown file says "Not affected"; without the
// flag, the meltdown file is the kernel's word.
KptiState kpti_state(const MachineSnapshot &m)
{
	KptiState kpti;
	const std::optional<CpuInfo> &cpu = m.cpuinfo;
	const std::optional<std::string> &cmdline = m.cmdline;
	auto meltdown = m.vulnerability("meltdown");
	auto pti_flag = cpu ? cpu->flag("pti") : std::nullopt;
	if (pti_flag == true) {
		kpti.enabled = true;
		kpti.source = "cpuinfo flag pti";
	} else if (meltdown && meltdown->starts_with("Mitigation: PTI")) {
		kpti.enabled = true;
		kpti.source = "vulnerabilities/meltdown";
	} else if (meltdown && (*meltdown == "Not affected" || meltdown->starts_with("Vulnerable"))) {
		kpti.enabled = false;
		kpti.source = "vulnerabilities/meltdown";
	} else if (pti_flag) {
		kpti.enabled = *pti_flag;
		kpti.source = "cpuinfo flag pti";
	}
	if (cmdline) {
		kpti.cmdline_options.emplace();
		for (const auto &[name, value] : cmdline_params(*cmdline))
			if (name == "pti" || name == "nopti" || name == "mitigations")
				kpti.cmdline_options->push_back(value.empty() ? name
									      : name + "=" + value);
	}
	return kpti;
}


std::optional<std::string> cmdline_param(std::string_view cmdline, std::string_view name)
{
	std::optional<std::string> value;
	for (auto &[param, param_value] : cmdline_params(cmdline))
		if (param == name)
			value = std::move(param_value);
	return value;
}

nlohmann::json conditions_json(const MachineSnapshot &m)
{
	return {
		{ "cpu", cpu_section(m) },
		{ "kernel", kernel_section(m) },
		{ "kpti", kpti_section(kpti_state(m)) },
		{ "vulnerabilities", texts_or_null(m.vulnerabilities) },
		{ "smt", smt_section(m) },
		{ "cpufreq", cpufreq_section(m) },
		{ "isolation", isolation_section(m) },
		{ "tsc", tsc_section(m) },
		{ "kvm", kvm_section(m) },
		{ "virtualization", virtualization_section(m) },
	};
}

std::vector<ConditionDiff> diff_conditions(const nlohmann::json &a, const nlohmann::json &b)
{
	std::vector<ConditionDiff> diffs;
	for (std::string_view pointer : kDiffedPointers)
		diff_below(find(a, pointer), find(b, pointer), std::string(pointer), diffs);
	return diffs;
}

} // namespace xperf
