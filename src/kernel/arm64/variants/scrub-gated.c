/*
 * Variant: scrub+gated
 * Subject: Both proposals of the RFC thread combined (not posted)
 * Message-Id: <20260506105053.107404-1-alexandru.elisei@arm.com>
 * Date: 2026-05-06
 * List: linux-arm-kernel@lists.infradead.org, kvmarm@lists.linux.dev
 * Base: arm64-memfault@current
 *
 * gated.c's kvm_prepare_memory_fault_exit() and scrub.c's kvm_vcpu_ioctl() together.
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

static long kvm_vcpu_ioctl(struct file *filp,
			   unsigned int ioctl, unsigned long arg)
{
	struct kvm_vcpu *vcpu = filp->private_data;
	int r;

	switch (ioctl) {
	case KVM_RUN: {
		r = kvm_arch_vcpu_ioctl_run(vcpu);
		vcpu->wants_to_run = false;

		if (r < 0 && r != -EFAULT && r != -EHWPOISON)
			vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;

		trace_kvm_userspace_exit(vcpu->run->exit_reason, r);
		break;
	}
	default:
		r = -ENOTTY;
	}
	return r;
}
