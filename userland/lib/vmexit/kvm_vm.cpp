#include "vmexit/kvm_vm.h"

#include "core/error.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace xperf {

namespace {

std::string errno_text()
{
	return std::strerror(errno);
}

// Guest physical pages the long-mode setup uses, below the payload's
// params page (vmexit_protocol.h).
constexpr uint64_t pml4_gpa = 0x1000, pdpt_gpa = 0x2000, pd_gpa = 0x3000, gdt_gpa = 0x4000;
constexpr uint64_t pte_present_writable_user = 0x7, pte_large = 0x80;

// struct kvm_cpuid2 as the kernel has it. In C++ the uapi header's
// __DECLARE_FLEX_ARRAY adds an empty struct: 12 bytes, entries at offset 12,
// and ioctl numbers that encode the wrong size (KVM answers EINVAL).
struct CpuidHeader {
	uint32_t nent;
	uint32_t padding;
};
constexpr unsigned long ioctl_get_supported_cpuid = _IOWR(KVMIO, 0x05, CpuidHeader);
constexpr unsigned long ioctl_set_cpuid2 = _IOW(KVMIO, 0x90, CpuidHeader);

// A CpuidHeader followed by n entries.
class CpuidBuffer {
public:
	explicit CpuidBuffer(std::size_t n) : buf_(sizeof(CpuidHeader) + n * sizeof(kvm_cpuid_entry2))
	{
		set_count(n);
	}
	void *data() { return buf_.data(); }
	std::size_t count() const
	{
		CpuidHeader h;
		std::memcpy(&h, buf_.data(), sizeof(h));
		return h.nent;
	}
	void set_count(std::size_t n)
	{
		CpuidHeader h{ static_cast<uint32_t>(n), 0 };
		std::memcpy(buf_.data(), &h, sizeof(h));
	}
	kvm_cpuid_entry2 *entries()
	{
		return reinterpret_cast<kvm_cpuid_entry2 *>(buf_.data() + sizeof(CpuidHeader));
	}

private:
	std::vector<unsigned char> buf_;
};

} // namespace

FdMapping::FdMapping(int fd, std::size_t len) : len_(len)
{
	void *p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		throw std::runtime_error("mmap of the vCPU's kvm_run: " + errno_text());
	addr_ = p;
}

FdMapping::FdMapping(FdMapping &&o) noexcept
	: addr_(std::exchange(o.addr_, nullptr)), len_(std::exchange(o.len_, 0))
{
}

FdMapping &FdMapping::operator=(FdMapping &&o) noexcept
{
	if (this != &o) {
		if (addr_)
			::munmap(addr_, len_);
		addr_ = std::exchange(o.addr_, nullptr);
		len_ = std::exchange(o.len_, 0);
	}
	return *this;
}

FdMapping::~FdMapping()
{
	if (addr_)
		::munmap(addr_, len_);
}

std::string kvm_device_path()
{
	const char *env = std::getenv("XPERF_KVM_DEVICE");
	return env && *env ? env : "/dev/kvm";
}

Kvm Kvm::open(const std::string &path)
{
	UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
	if (!fd) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			throw unavailable(fmt::format("{}: no KVM here ({})", path, errno_text()),
					  "load kvm_intel or kvm_amd (modprobe), or run the vmexit "
					  "crossing inside the guest harness (scripts/vm-run.sh), "
					  "whose TCG CPU offers nested KVM");
		if (errno == EACCES || errno == EPERM)
			throw unavailable(fmt::format("{}: {}", path, errno_text()),
					  "run as root or add the user to group kvm");
		throw failed(fmt::format("{}: {}", path, errno_text()));
	}
	int version = ::ioctl(fd.get(), KVM_GET_API_VERSION, 0);
	if (version < 0)
		throw unavailable(fmt::format("{} is not a KVM device (KVM_GET_API_VERSION: {})",
					      path, errno_text()),
				  "load kvm_intel or kvm_amd");
	if (version != KVM_API_VERSION)
		throw std::runtime_error(fmt::format("{} speaks KVM API {}, xperf-user {}", path,
						     version, KVM_API_VERSION));
	return Kvm(std::move(fd));
}

std::size_t Kvm::vcpu_mmap_size() const
{
	int n = ::ioctl(fd_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
	if (n < static_cast<int>(sizeof(kvm_run)))
		throw std::runtime_error("KVM_GET_VCPU_MMAP_SIZE: " + errno_text());
	return static_cast<std::size_t>(n);
}

std::vector<kvm_cpuid_entry2> Kvm::supported_cpuid() const
{
	// KVM says E2BIG until the buffer is large enough.
	for (std::size_t n = 64; n <= 4096; n *= 2) {
		CpuidBuffer c(n);
		if (::ioctl(fd_.get(), ioctl_get_supported_cpuid, c.data()) == 0)
			return { c.entries(), c.entries() + c.count() };
		if (errno != E2BIG)
			throw std::runtime_error("KVM_GET_SUPPORTED_CPUID: " + errno_text());
	}
	throw std::runtime_error("KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
}

Vcpu::Vcpu(UniqueFd fd, std::size_t mmap_size)
	: fd_(std::move(fd)), run_map_(fd_.get(), mmap_size)
{
}

kvm_regs Vcpu::regs() const
{
	kvm_regs r{};
	if (::ioctl(fd_.get(), KVM_GET_REGS, &r))
		throw std::runtime_error("KVM_GET_REGS: " + errno_text());
	return r;
}

void Vcpu::set_regs(const kvm_regs &r)
{
	if (::ioctl(fd_.get(), KVM_SET_REGS, &r))
		throw std::runtime_error("KVM_SET_REGS: " + errno_text());
}

kvm_sregs Vcpu::sregs() const
{
	kvm_sregs s{};
	if (::ioctl(fd_.get(), KVM_GET_SREGS, &s))
		throw std::runtime_error("KVM_GET_SREGS: " + errno_text());
	return s;
}

void Vcpu::set_sregs(const kvm_sregs &s)
{
	if (::ioctl(fd_.get(), KVM_SET_SREGS, &s))
		throw std::runtime_error("KVM refused the guest's long-mode state (KVM_SET_SREGS): " +
					 errno_text());
}

void Vcpu::set_cpuid(const std::vector<kvm_cpuid_entry2> &entries)
{
	CpuidBuffer c(entries.size());
	std::memcpy(c.entries(), entries.data(), entries.size() * sizeof(kvm_cpuid_entry2));
	if (::ioctl(fd_.get(), ioctl_set_cpuid2, c.data()))
		throw std::runtime_error("KVM_SET_CPUID2: " + errno_text());
}

int Vcpu::enter()
{
	return ::ioctl(fd_.get(), KVM_RUN, 0) ? errno : 0;
}

Vm::Vm(const Kvm &kvm, std::size_t mem_bytes)
	: mem_(mem_bytes), vcpu_mmap_size_(kvm.vcpu_mmap_size())
{
	fd_ = UniqueFd(::ioctl(kvm.fd(), KVM_CREATE_VM, 0));
	if (!fd_)
		throw std::runtime_error("KVM refused to create a VM (KVM_CREATE_VM): " +
					 errno_text());
	kvm_userspace_memory_region region{};
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = mem_bytes;
	region.userspace_addr = reinterpret_cast<uint64_t>(mem_.data());
	if (::ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region))
		throw std::runtime_error("KVM refused the guest memory (KVM_SET_USER_MEMORY_REGION): " +
					 errno_text());
}

void Vm::create_irqchip()
{
	if (!vcpus_.empty())
		throw std::logic_error("KVM_CREATE_IRQCHIP after a vCPU");
	if (::ioctl(fd_.get(), KVM_CREATE_IRQCHIP, 0))
		throw std::runtime_error("KVM refused an in-kernel interrupt controller "
					 "(KVM_CREATE_IRQCHIP): " +
					 errno_text());
}

Vcpu &Vm::add_vcpu()
{
	const auto id = static_cast<unsigned long>(vcpus_.size());
	UniqueFd fd(::ioctl(fd_.get(), KVM_CREATE_VCPU, id));
	if (!fd)
		throw std::runtime_error("KVM refused a vCPU (KVM_CREATE_VCPU): " + errno_text());
	vcpus_.push_back(std::unique_ptr<Vcpu>(new Vcpu(std::move(fd), vcpu_mmap_size_)));
	return *vcpus_.back();
}

void enter_long_mode(Vcpu &vcpu, std::span<unsigned char> memory, uint64_t rip, uint64_t rsp)
{
	auto put64 = [&](uint64_t gpa, uint64_t v) { std::memcpy(&memory[gpa], &v, sizeof(v)); };
	put64(pml4_gpa, pdpt_gpa | pte_present_writable_user);
	put64(pdpt_gpa, pd_gpa | pte_present_writable_user);
	for (uint64_t i = 0; i < 512; i++)
		put64(pd_gpa + 8 * i, i << 21 | pte_present_writable_user | pte_large);
	put64(gdt_gpa + 0x08, 0x00af9a000000ffff); // 64-bit code
	put64(gdt_gpa + 0x10, 0x00cf92000000ffff); // data
	put64(gdt_gpa + 0x18, 0x00008b0000000067); // TSS (busy): VMX wants a usable TR

	kvm_sregs s = vcpu.sregs();
	kvm_segment code{};
	code.base = 0;
	code.limit = 0xffffffff;
	code.selector = 0x08;
	code.type = 11; // execute/read, accessed
	code.present = 1;
	code.dpl = 0;
	code.s = 1;
	code.l = 1;
	code.g = 1;
	kvm_segment data = code;
	data.selector = 0x10;
	data.type = 3; // read/write, accessed
	data.l = 0;
	data.db = 1;
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.tr = {};
	s.tr.selector = 0x18;
	s.tr.limit = 0x67;
	s.tr.type = 11;
	s.tr.present = 1;
	s.gdt.base = gdt_gpa;
	s.gdt.limit = 0x1f;
	s.cr3 = pml4_gpa;
	s.cr4 = 0x20 | 0x200 | 0x400;		 // PAE, OSFXSR, OSXMMEXCPT
	s.cr0 = 0x80000000 | 0x10000 | 0x20 | 0x2 | 0x1 | 0x10; // PG, WP, NE, MP, PE, ET
	s.efer = 0x100 | 0x400;			 // LME, LMA
	vcpu.set_sregs(s);

	kvm_regs r{};
	r.rip = rip;
	r.rsp = rsp;
	r.rflags = 0x2;
	vcpu.set_regs(r);
}

} // namespace xperf
