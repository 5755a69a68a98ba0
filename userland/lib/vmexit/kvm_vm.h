// Owned KVM objects for the built-in VMM: the /dev/kvm handle, a VM with its
// guest memory and its vCPUs, each vCPU with its kvm_run mapping. Each
// closes or unmaps what it holds when it goes, the VM in the order KVM
// wants: vCPUs, then the VM's fd, then the guest memory it maps.
#pragma once

#include "core/unique_fd.h"

#include <linux/kvm.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace xperf {

// A shared mapping of a file descriptor (the vCPU's kvm_run), unmapped when
// it goes.
class FdMapping {
public:
	FdMapping() = default;
	FdMapping(int fd, std::size_t len);
	FdMapping(FdMapping &&o) noexcept;
	FdMapping &operator=(FdMapping &&o) noexcept;
	FdMapping(const FdMapping &) = delete;
	FdMapping &operator=(const FdMapping &) = delete;
	~FdMapping();

	void *data() const { return addr_; }

private:
	void *addr_ = nullptr;
	std::size_t len_ = 0;
};

// /dev/kvm, or what XPERF_KVM_DEVICE names: tests hide KVM from the tool by
// pointing it at a path that does not exist.
std::string kvm_device_path();

class Kvm {
public:
	// Opens the KVM device (kvm_device_path()). Throws an unavailable Error
	// saying what to do when it is missing, not permitted or not KVM, a
	// failed one when KVM speaks another API.
	static Kvm open(const std::string &path = kvm_device_path());

	int fd() const { return fd_.get(); }
	std::size_t vcpu_mmap_size() const;
	// KVM_GET_SUPPORTED_CPUID: what the guest may see.
	std::vector<kvm_cpuid_entry2> supported_cpuid() const;

private:
	explicit Kvm(UniqueFd fd) : fd_(std::move(fd)) {}
	UniqueFd fd_;
};

class Vm;

// A vCPU exists only inside its Vm (Vm::add_vcpu), which closes it first.
class Vcpu {
public:
	Vcpu(const Vcpu &) = delete;
	Vcpu &operator=(const Vcpu &) = delete;

	int fd() const { return fd_.get(); }
	kvm_run &run() const { return *static_cast<kvm_run *>(run_map_.data()); }
	kvm_regs regs() const;
	void set_regs(const kvm_regs &r);
	kvm_sregs sregs() const;
	void set_sregs(const kvm_sregs &s);
	void set_cpuid(const std::vector<kvm_cpuid_entry2> &entries);
	// One KVM_RUN; returns 0 or the errno (EINTR when a signal came).
	int enter();

private:
	friend class Vm;
	Vcpu(UniqueFd fd, std::size_t mmap_size);

	UniqueFd fd_;
	FdMapping run_map_;
};

class Vm {
public:
	// A VM with mem_bytes of zeroed guest memory at guest physical 0.
	Vm(const Kvm &kvm, std::size_t mem_bytes);
	Vm(const Vm &) = delete;
	Vm &operator=(const Vm &) = delete;

	// KVM's in-kernel 8259 PICs, I/O APIC and a local APIC per vCPU, as
	// QEMU has them; before the first add_vcpu().
	void create_irqchip();
	// A new vCPU, the VM's until the VM goes.
	Vcpu &add_vcpu();
	std::span<unsigned char> memory() const
	{
		return { static_cast<unsigned char *>(mem_.data()), mem_.size() };
	}

private:
	// Destroyed in reverse: the vCPUs, the VM's fd, then the memory that
	// KVM maps into the guest until that fd is closed.
	Mapping mem_;
	UniqueFd fd_;
	std::size_t vcpu_mmap_size_;
	std::vector<std::unique_ptr<Vcpu>> vcpus_;
};

// Long mode as the kernel's KVM selftests set it up: identity-mapped first
// GiB (2 MiB pages, user-accessible) and a flat GDT in the low pages of
// guest memory, 64-bit code segment, paging, PAE, EFER.LME|LMA; then rip.
void enter_long_mode(Vcpu &vcpu, std::span<unsigned char> memory, uint64_t rip, uint64_t rsp);

} // namespace xperf
