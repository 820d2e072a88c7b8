/*
 * Variant: gated
 * Subject: Re: [RFC PATCH] KVM: arm64: Align KVM_EXIT_MEMORY_FAULT error codes with documentation (Alexandru Elisei)
 * Message-Id: <aftEkgnDdL2AY_6H@raptor>
 * Date: 2026-05-06
 * List: linux-arm-kernel@lists.infradead.org, kvmarm@lists.linux.dev
 * Base: arm64-memfault@current
 *
 * Alexandru Elisei's counter-proposal: kvm_prepare_memory_fault_exit() takes the error
 * and does nothing unless it is -EFAULT or -EHWPOISON (gmem_abort() passes its ret).
 * Written from the proposal as stated (kernel-facts D.7); its code was not found.
 */
static inline void kvm_prepare_memory_fault_exit(struct kvm_vcpu *vcpu,
						 gpa_t gpa, gpa_t size,
						 bool is_write, bool is_exec,
						 bool is_private, int err)
{
	if (err != -EFAULT && err != -EHWPOISON)
		return;

	vcpu->run->exit_reason = KVM_EXIT_MEMORY_FAULT;
	vcpu->run->memory_fault.gpa = gpa;
	vcpu->run->memory_fault.size = size;

	/* RWX flags are not (yet) defined or communicated to userspace. */
	vcpu->run->memory_fault.flags = 0;
	if (is_private)
		vcpu->run->memory_fault.flags |= KVM_MEMORY_EXIT_FLAG_PRIVATE;
}
