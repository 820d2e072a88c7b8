/*
 * Variant: current
 * Subject: arch/arm64/kvm/mmu.c gmem_abort() as merged (the code the RFC addresses)
 * Message-Id: <20260506105053.107404-1-alexandru.elisei@arm.com>
 * Date: 2026-05-06
 * List: linux-arm-kernel@lists.infradead.org, kvmarm@lists.linux.dev
 * Base: arm64-memfault@current
 *
 * gmem_abort() calls kvm_prepare_memory_fault_exit(vcpu, fault_ipa, PAGE_SIZE,
 * write_fault, exec_fault, false) whenever kvm_gmem_get_pfn() fails, then returns the
 * error unchanged. The exit it prepares, include/linux/kvm_host.h (kernel-facts D.2):
 */
static inline void kvm_prepare_memory_fault_exit(struct kvm_vcpu *vcpu,
						 gpa_t gpa, gpa_t size,
						 bool is_write, bool is_exec,
						 bool is_private)
{
	vcpu->run->exit_reason = KVM_EXIT_MEMORY_FAULT;
	vcpu->run->memory_fault.gpa = gpa;
	vcpu->run->memory_fault.size = size;

	/* RWX flags are not (yet) defined or communicated to userspace. */
	vcpu->run->memory_fault.flags = 0;
	if (is_private)
		vcpu->run->memory_fault.flags |= KVM_MEMORY_EXIT_FLAG_PRIVATE;
}
